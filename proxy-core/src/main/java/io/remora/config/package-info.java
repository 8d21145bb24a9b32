/**
 * The immutable core model: what every config source (bootstrap file, xDS) is translated
 * into and what the data plane runs from. Records only, validated and precompiled by the
 * translator (regexes compiled, weights summed), so the runtime never parses or validates.
 *
 * <p>Durations use {@link java.time.Duration}; {@code Duration.ZERO} means "disabled" where
 * Envoy says 0 disables a timeout. Nullable fields are marked in each record's doc.
 */
package io.remora.config;

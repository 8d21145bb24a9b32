package io.remora.runtime;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One immutable snapshot of Envoy's layered runtime: the merged values of every layer, with
 * Envoy's lookup semantics. Read it once per request (or per decision) from
 * {@code ServerContext.runtime()}; a later {@code /runtime_modify} publishes a new snapshot and
 * never changes this one.
 *
 * <p>Semantics are those of Envoy's {@code Runtime::Snapshot}: a value is parsed once when its
 * layer is loaded; {@link #getInteger} answers only for values that parse as a non-negative number
 * (fractions are floored), {@link #getBoolean} only for {@code true}/{@code false} (any case) or an
 * integer (non-zero is true), {@link #getDouble} for any number.
 */
public interface Runtime {

    /** The raw string value of a key, or null when no layer sets it. */
    String get(String key);

    /** The key's value as a non-negative integer, or {@code defaultValue}. */
    long getInteger(String key, long defaultValue);

    double getDouble(String key, double defaultValue);

    boolean getBoolean(String key, boolean defaultValue);

    /**
     * Envoy's {@code featureEnabled(key, default_value, random_value)}: true when
     * {@code random % 100 < min(getInteger(key, defaultPercent), 100)}.
     */
    default boolean featureEnabled(String key, long defaultPercent, long random) {
        long cutoff = Math.min(getInteger(key, defaultPercent), 100);
        return Long.remainderUnsigned(random, 100) < cutoff;
    }

    /** {@link #featureEnabled(String, long, long)} with a fresh random value. */
    default boolean featureEnabled(String key, long defaultPercent) {
        long cutoff = Math.min(getInteger(key, defaultPercent), 100);
        return cutoff != 0 && (cutoff == 100 || ThreadLocalRandom.current().nextInt(100) < cutoff);
    }

    /**
     * Envoy's {@code featureEnabled(key, FractionalPercent default_value, random_value)}, as the
     * route's {@code runtime_fraction}, fault's {@code percentage} and RBAC's shadow rules use it:
     * the key's fractional percent value if it has one; else its integer value read as a percentage
     * (above 100: always); else {@code defaultValue}. Then {@code random % denominator < numerator}.
     */
    boolean featureEnabled(String key, FractionalPercent defaultValue, long random);

    default boolean featureEnabled(String key, FractionalPercent defaultValue) {
        return featureEnabled(key, defaultValue, ThreadLocalRandom.current().nextLong());
    }

    /** The layers, lowest first, as {@code /runtime} lists them. */
    List<RuntimeLayer> layers();

    /** Every key with its value after layering. */
    Map<String, RuntimeEntry> values();

    /** A snapshot of these layers, lowest first (the loader's, or a test's). */
    static Runtime of(List<RuntimeLayer> layers) {
        return new RuntimeSnapshot(layers);
    }

    /** A runtime without layers: every lookup answers its default (Envoy without {@code layered_runtime}). */
    Runtime EMPTY = new RuntimeSnapshot(List.of());
}

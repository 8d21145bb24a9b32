package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Envoy's {@code tls_inspector.*} stats: one root scope every listener's inspector counts in, as
 * Envoy's filter config takes the listener factory's (global) scope. Registered when a listener
 * with a tls_inspector is built, so they show as 0 before the first connection.
 */
public final class TlsInspectorStats {

    public final Counter clientHelloTooLarge;
    public final Counter tlsFound;
    public final Counter tlsNotFound;
    public final Counter alpnFound;
    public final Counter alpnNotFound;
    public final Counter sniFound;
    public final Counter sniNotFound;
    /** How many bytes the inspector read to decide (the whole ClientHello when it was TLS). */
    public final DistributionSummary bytesProcessed;

    TlsInspectorStats(MeterRegistry r) {
        clientHelloTooLarge = counter(r, "client_hello_too_large");
        tlsFound = counter(r, "tls_found");
        tlsNotFound = counter(r, "tls_not_found");
        alpnFound = counter(r, "alpn_found");
        alpnNotFound = counter(r, "alpn_not_found");
        sniFound = counter(r, "sni_found");
        sniNotFound = counter(r, "sni_not_found");
        bytesProcessed = DistributionSummary.builder("envoy_tls_inspector_bytes_processed")
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
    }

    private static Counter counter(MeterRegistry r, String name) {
        return Counter.builder("envoy_tls_inspector_" + name).register(r);
    }
}

package io.remora.extensions.filters.http.aws_request_signing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.stats.StatNames;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One configured filter's counters, as Envoy's: its own in the connection manager's scope
 * ({@code http.<stat_prefix>.aws_request_signing.*}), a route's under that route's
 * {@code stat_prefix} in the root scope ({@code <stat_prefix>aws_request_signing.*}).
 */
final class AwsRequestSigningStats {

    static final int SIGNING_ADDED = 0;
    static final int SIGNING_FAILED = 1;
    static final int PAYLOAD_SIGNING_ADDED = 2;
    static final int PAYLOAD_SIGNING_FAILED = 3;
    private static final String[] STATS = {"signing_added", "signing_failed", "payload_signing_added",
        "payload_signing_failed"};

    private final MeterRegistry registry;
    private final HcmCounters hcmCounters;
    private final ConcurrentMap<String, Counter[]> routeCounters = new ConcurrentHashMap<>();

    AwsRequestSigningStats(MeterRegistry registry) {
        this.registry = registry;
        String[] names = new String[STATS.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = "envoy_http_aws_request_signing_" + STATS[i];
        }
        this.hcmCounters = new HcmCounters(registry, names);
    }

    Counter[] of(DecoderFilterCallbacks cb, AwsRequestSigningConfig config) {
        String routePrefix = config.routeStatPrefix();
        if (routePrefix == null) {
            return hcmCounters.of(cb);
        }
        return routeCounters.computeIfAbsent(routePrefix, p -> {
            Counter[] c = new Counter[STATS.length];
            for (int i = 0; i < c.length; i++) {
                c[i] = Counter.builder("envoy_" + StatNames.sanitize(p) + "aws_request_signing_" + STATS[i])
                        .register(registry);
            }
            return c;
        });
    }

    /** For the credential providers a route's config starts. */
    MeterRegistry registry() {
        return registry;
    }
}

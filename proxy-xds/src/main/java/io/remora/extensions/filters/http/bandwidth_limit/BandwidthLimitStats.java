package io.remora.extensions.filters.http.bandwidth_limit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.EnvoyBuckets;
import io.remora.stats.StatNames;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code <stat_prefix>.http_bandwidth_limit.*}. Envoy extracts no tag from this prefix, so
 * it stays in the Prometheus name: {@code envoy_<stat_prefix>_http_bandwidth_limit_request_enabled}.
 * One instance per registry and prefix, as Envoy's stats are one per name, so that configs sharing
 * a prefix share the gauges.
 */
final class BandwidthLimitStats {

    private static final Map<MeterRegistry, ConcurrentMap<String, BandwidthLimitStats>> ALL = new WeakHashMap<>();

    /** One direction's stats. */
    static final class Direction {
        final Counter enabled;
        final Counter enforced;
        final AtomicLong pending = new AtomicLong();
        final AtomicLong incomingSize = new AtomicLong();
        final AtomicLong allowedSize = new AtomicLong();
        final Counter incomingTotalSize;
        final Counter allowedTotalSize;
        final DistributionSummary transferDuration;

        Direction(MeterRegistry r, String base, String dir) {
            enabled = Counter.builder(base + dir + "_enabled").register(r);
            enforced = Counter.builder(base + dir + "_enforced").register(r);
            Gauge.builder(base + dir + "_pending", pending, AtomicLong::get).register(r);
            Gauge.builder(base + dir + "_incoming_size", incomingSize, AtomicLong::get).register(r);
            Gauge.builder(base + dir + "_allowed_size", allowedSize, AtomicLong::get).register(r);
            incomingTotalSize = Counter.builder(base + dir + "_incoming_total_size").register(r);
            allowedTotalSize = Counter.builder(base + dir + "_allowed_total_size").register(r);
            transferDuration = DistributionSummary.builder(base + dir + "_transfer_duration")
                    .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
        }
    }

    final Direction request;
    final Direction response;

    private BandwidthLimitStats(MeterRegistry r, String statPrefix) {
        String base = "envoy_" + StatNames.sanitize(statPrefix) + StatNames.BANDWIDTH_LIMIT_SCOPE;
        request = new Direction(r, base, "request");
        response = new Direction(r, base, "response");
    }

    static BandwidthLimitStats of(MeterRegistry registry, String statPrefix) {
        ConcurrentMap<String, BandwidthLimitStats> byPrefix;
        synchronized (ALL) {
            byPrefix = ALL.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
        }
        return byPrefix.computeIfAbsent(statPrefix, p -> new BandwidthLimitStats(registry, p));
    }
}

package io.remora.extensions.filters.http.adaptive_concurrency;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.HttpConnManagerStats;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code http.<stat_prefix>.adaptive_concurrency.gradient_controller.*}: the counter
 * {@code rq_blocked} and the gauges {@code burst_queue_size}, {@code concurrency_limit},
 * {@code gradient} (times 1000, as Envoy reports it), {@code min_rtt_calculation_active},
 * {@code min_rtt_msecs} and {@code sample_rtt_msecs}. They belong to the connection manager's scope,
 * so a controller made by a config update writes the same gauges as the one it replaces.
 */
final class GradientControllerStats {

    private static final String BASE = "envoy_http_adaptive_concurrency_gradient_controller_";
    private static final Map<MeterRegistry, ConcurrentMap<String, GradientControllerStats>> ALL = new WeakHashMap<>();

    final Counter rqBlocked;
    final AtomicLong burstQueueSize = new AtomicLong();
    final AtomicLong concurrencyLimit = new AtomicLong();
    final AtomicLong gradient = new AtomicLong();
    final AtomicLong minRttCalculationActive = new AtomicLong();
    final AtomicLong minRttMsecs = new AtomicLong();
    final AtomicLong sampleRttMsecs = new AtomicLong();

    private GradientControllerStats(MeterRegistry r, String prefix) {
        rqBlocked = Counter.builder(BASE + "rq_blocked").tag(HttpConnManagerStats.TAG, prefix).register(r);
        gauge(r, prefix, "burst_queue_size", burstQueueSize);
        gauge(r, prefix, "concurrency_limit", concurrencyLimit);
        gauge(r, prefix, "gradient", gradient);
        gauge(r, prefix, "min_rtt_calculation_active", minRttCalculationActive);
        gauge(r, prefix, "min_rtt_msecs", minRttMsecs);
        gauge(r, prefix, "sample_rtt_msecs", sampleRttMsecs);
    }

    private static void gauge(MeterRegistry r, String prefix, String name, AtomicLong value) {
        Gauge.builder(BASE + name, value, AtomicLong::get).tag(HttpConnManagerStats.TAG, prefix).register(r);
    }

    static GradientControllerStats of(MeterRegistry registry, String prefix) {
        ConcurrentMap<String, GradientControllerStats> byPrefix;
        synchronized (ALL) {
            byPrefix = ALL.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
        }
        return byPrefix.computeIfAbsent(prefix, p -> new GradientControllerStats(registry, p));
    }
}

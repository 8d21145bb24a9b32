package io.remora.stats;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/** Envoy's {@code server.*} gauges. live is 1 while serving and 0 once draining. */
public final class ServerStats {
    public final AtomicLong live = new AtomicLong(1);
    public final AtomicLong state = new AtomicLong(0);
    public final AtomicLong concurrency = new AtomicLong();
    public final long startMillis = System.currentTimeMillis();
    /** Downstream connections across all listeners ({@code server.total_connections}). */
    public final AtomicLong totalConnections = new AtomicLong();
    /** {@code listener_manager.workers_started}: 1 once workers run; Istio's readiness check reads it. */
    public final AtomicLong workersStarted = new AtomicLong();

    private final MeterRegistry registry;

    ServerStats(MeterRegistry r) {
        this.registry = r;
        Gauge.builder("envoy_server_live", live, AtomicLong::get).register(r);
        Gauge.builder("envoy_server_state", state, AtomicLong::get).register(r);
        Gauge.builder("envoy_server_concurrency", concurrency, AtomicLong::get).register(r);
        Gauge.builder("envoy_server_uptime", this, ServerStats::uptimeSeconds).register(r);
        Gauge.builder("envoy_server_total_connections", totalConnections, AtomicLong::get).register(r);
        Gauge.builder("envoy_listener_manager_workers_started", workersStarted, AtomicLong::get).register(r);
        // No hot restart in Remora: the epoch is always 0, as for an Envoy started without a parent.
        Gauge.builder("envoy_server_hot_restart_epoch", () -> 0).register(r);
        Runtime rt = Runtime.getRuntime();
        Gauge.builder("envoy_server_memory_allocated", rt, x -> x.totalMemory() - x.freeMemory()).register(r);
        Gauge.builder("envoy_server_memory_heap_size", rt, Runtime::totalMemory).register(r);
    }

    /**
     * Registers Envoy's {@code server.version} gauge with this value (stats_server_version_override).
     * Without an override there is none: Envoy derives it from its SCM revision, which Remora lacks.
     */
    public void version(long v) {
        Gauge.builder("envoy_server_version", () -> v).register(registry);
    }

    public long uptimeSeconds() {
        return (System.currentTimeMillis() - startMillis) / 1000;
    }
}

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
    /** {@code server.version}: the bootstrap's stats_server_version_override (Envoy: else its SCM revision). */
    public final AtomicLong version = new AtomicLong();

    ServerStats(MeterRegistry r) {
        // Envoy sets the server.* gauges at start-up or on every stats flush: used from the start.
        // workers_started is not: pilot-agent's readiness query waits for it to be set.
        UsedStats.written(r, Gauge.builder("envoy_server_live", live, AtomicLong::get).register(r));
        UsedStats.written(r, Gauge.builder("envoy_server_state", state, AtomicLong::get).register(r));
        UsedStats.written(r, Gauge.builder("envoy_server_concurrency", concurrency, AtomicLong::get).register(r));
        UsedStats.written(r, Gauge.builder("envoy_server_uptime", this, ServerStats::uptimeSeconds).register(r));
        UsedStats.written(r, Gauge.builder("envoy_server_total_connections", totalConnections, AtomicLong::get)
                .register(r));
        UsedStats.written(r, Gauge.builder("envoy_server_version", version, AtomicLong::get).register(r));
        Gauge.builder("envoy_listener_manager_workers_started", workersStarted, AtomicLong::get).register(r);
        // No hot restart in Remora: the epoch is always 0, as for an Envoy started without a parent.
        UsedStats.written(r, Gauge.builder("envoy_server_hot_restart_epoch", () -> 0).register(r));
        Runtime rt = Runtime.getRuntime();
        UsedStats.written(r, Gauge.builder("envoy_server_memory_allocated", rt, x -> x.totalMemory() - x.freeMemory())
                .register(r));
        UsedStats.written(r, Gauge.builder("envoy_server_memory_heap_size", rt, Runtime::totalMemory).register(r));
    }

    public long uptimeSeconds() {
        return (System.currentTimeMillis() - startMillis) / 1000;
    }
}

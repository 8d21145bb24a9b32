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

    ServerStats(MeterRegistry r) {
        Gauge.builder("envoy_server_live", live, AtomicLong::get).register(r);
        Gauge.builder("envoy_server_state", state, AtomicLong::get).register(r);
        Gauge.builder("envoy_server_concurrency", concurrency, AtomicLong::get).register(r);
        Gauge.builder("envoy_server_uptime", this, s -> (System.currentTimeMillis() - s.startMillis) / 1000).register(r);
    }
}

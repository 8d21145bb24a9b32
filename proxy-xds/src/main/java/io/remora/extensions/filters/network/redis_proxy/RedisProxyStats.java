package io.remora.extensions.filters.network.redis_proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.redis.RedisCommands;
import io.remora.stats.EnvoyBuckets;
import io.remora.stats.StatNames;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's {@code redis.<stat_prefix>.*}: the downstream connection and request stats, the
 * splitter's, and {@code command.<command>.*} for every command the proxy forwards (made up
 * front, as Envoy's). Envoy extracts no tag here, so the prefix is part of the Prometheus name;
 * every filter of one prefix shares them, gauges included.
 */
final class RedisProxyStats {
    private static final Map<MeterRegistry, ConcurrentMap<String, RedisProxyStats>> ALL = new WeakHashMap<>();

    final Counter downstreamCxTotal;
    final Counter downstreamCxDrainClose;
    final Counter downstreamCxProtocolError;
    final Counter downstreamCxRxBytesTotal;
    final Counter downstreamCxTxBytesTotal;
    final Counter downstreamRqTotal;
    final Counter invalidRequest;
    final Counter unsupportedCommand;
    final AtomicLong downstreamCxActive = new AtomicLong();
    final AtomicLong downstreamRqActive = new AtomicLong();
    final AtomicLong downstreamCxRxBytesBuffered = new AtomicLong();
    final AtomicLong downstreamCxTxBytesBuffered = new AtomicLong();
    private final MeterRegistry registry;
    private final String name;
    private final Map<String, CommandStats> commands = new ConcurrentHashMap<>();

    /** One command's {@code command.<name>.*}; latency in ms, or µs with latency_in_micros. */
    static final class CommandStats {
        final Counter total;
        final Counter success;
        final Counter error;
        final Counter errorFault;
        final Counter delayFault;
        final DistributionSummary latency;
        final boolean micros;

        private CommandStats(RedisProxyStats s, String command, boolean micros) {
            String p = s.name + "_command_" + StatNames.sanitize(command) + "_";
            total = s.counter(p + "total");
            success = s.counter(p + "success");
            error = s.counter(p + "error");
            errorFault = s.counter(p + "error_fault");
            delayFault = s.counter(p + "delay_fault");
            latency = DistributionSummary.builder(p + "latency").serviceLevelObjectives(EnvoyBuckets.MILLIS)
                    .register(s.registry);
            this.micros = micros;
        }

        void recordLatency(long startNanos) {
            long nanos = System.nanoTime() - startNanos;
            latency.record(micros ? nanos / 1_000 : nanos / 1_000_000);
        }
    }

    private RedisProxyStats(MeterRegistry r, String prefix) {
        registry = r;
        name = "envoy_redis_" + StatNames.sanitize(prefix);
        downstreamCxTotal = counter(name + "_downstream_cx_total");
        downstreamCxDrainClose = counter(name + "_downstream_cx_drain_close");
        downstreamCxProtocolError = counter(name + "_downstream_cx_protocol_error");
        downstreamCxRxBytesTotal = counter(name + "_downstream_cx_rx_bytes_total");
        downstreamCxTxBytesTotal = counter(name + "_downstream_cx_tx_bytes_total");
        downstreamRqTotal = counter(name + "_downstream_rq_total");
        invalidRequest = counter(name + "_splitter_invalid_request");
        unsupportedCommand = counter(name + "_splitter_unsupported_command");
        gauge("_downstream_cx_active", downstreamCxActive);
        gauge("_downstream_rq_active", downstreamRqActive);
        gauge("_downstream_cx_rx_bytes_buffered", downstreamCxRxBytesBuffered);
        gauge("_downstream_cx_tx_bytes_buffered", downstreamCxTxBytesBuffered);
    }

    static RedisProxyStats of(MeterRegistry registry, String prefix) {
        ConcurrentMap<String, RedisProxyStats> byPrefix;
        synchronized (ALL) {
            byPrefix = ALL.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
        }
        return byPrefix.computeIfAbsent(prefix, p -> new RedisProxyStats(registry, p));
    }

    /** The stats of every supported command and of {@code custom}, by lower-case name. */
    Map<String, CommandStats> commands(List<String> custom, boolean micros) {
        Map<String, CommandStats> out = new HashMap<>();
        for (String c : RedisCommands.ALL) {
            out.put(c, command(c, micros));
        }
        for (String c : custom) {
            out.put(c, command(c, micros));
        }
        return Map.copyOf(out);
    }

    private CommandStats command(String c, boolean micros) {
        return commands.computeIfAbsent(c + (micros ? "/us" : "/ms"), k -> new CommandStats(this, c, micros));
    }

    private Counter counter(String metric) {
        return Counter.builder(metric).register(registry);
    }

    private void gauge(String stat, AtomicLong value) {
        Gauge.builder(name + stat, value, AtomicLong::get).register(registry);
    }
}

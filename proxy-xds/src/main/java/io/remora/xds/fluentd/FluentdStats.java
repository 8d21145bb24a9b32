package io.remora.xds.fluentd;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.StatNames;

/**
 * Envoy's FLUENTD_STATS of one stat_prefix, shown as {@code access_logs.fluentd.<stat_prefix>.<stat>}
 * or {@code tracing.fluentd.<stat_prefix>.<stat>}: the workers' upstreams of a target count together.
 */
final class FluentdStats {

    /** Logged while the buffer was full or after the retries ran out: never sent. */
    final Counter entriesLost;
    final Counter entriesBuffered;
    /** Forward messages written (one per flush). */
    final Counter eventsSent;
    /** Connects made by the backoff timer. */
    final Counter reconnectAttempts;
    /** Connections that closed or failed to open. */
    final Counter connectionsClosed;

    FluentdStats(MeterRegistry registry, FluentdSignal signal, String statPrefix) {
        entriesLost = counter(registry, signal, "entries_lost", statPrefix);
        entriesBuffered = counter(registry, signal, "entries_buffered", statPrefix);
        eventsSent = counter(registry, signal, "events_sent", statPrefix);
        reconnectAttempts = counter(registry, signal, "reconnect_attempts", statPrefix);
        connectionsClosed = counter(registry, signal, "connections_closed", statPrefix);
    }

    private static Counter counter(MeterRegistry registry, FluentdSignal signal, String stat, String statPrefix) {
        return Counter.builder(signal.metricPrefix + stat).tag(StatNames.ACCESS_LOG_PREFIX_TAG, statPrefix)
                .register(registry);
    }
}

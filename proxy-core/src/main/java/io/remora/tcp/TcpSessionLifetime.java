package io.remora.tcp;

import io.remora.accesslog.AccessLogs;
import io.remora.accesslog.ConnectionCloses;
import io.remora.config.AccessLogType;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.FilterState;

import java.util.concurrent.TimeUnit;

/**
 * The life of a tcp_proxy session beside its relay: the idle_timeout (one timer, re-armed for
 * what is left of it rather than on every byte), max_downstream_connection_duration, and the end, when the access logs get the
 * session's StreamInfo. Static over the session's fields: no object per connection.
 */
final class TcpSessionLifetime {

    private TcpSessionLifetime() {
    }

    /**
     * idle_timeout from the session's start, as Envoy since 1.36 (its guard
     * tcp_proxy_set_idle_timer_immediately_on_new_connection removed in 1.38): a session still
     * waiting for its upstream (a connect, a per-host slot, a tunnel's answer) can be idle too.
     */
    static void startIdleTimer(TcpProxySession s) {
        s.lastActivity = System.nanoTime();
        FilterState state = FilterState.existing(s.downstream);
        Object perConnection = state == null ? null
                : state.get(io.remora.config.TcpProxyConfig.PER_CONNECTION_IDLE_TIMEOUT_MS);
        boolean armed;
        if (perConnection instanceof Long ms) {
            // Envoy arms the timer with whatever the filter state says, 0 included.
            s.idleTimeoutNanos = ms >= Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(ms);
            armed = true;
        } else {
            s.idleTimeoutNanos = s.filter.idleTimeoutNanos;
            armed = s.idleTimeoutNanos > 0;
        }
        if (armed) {
            s.idleTimer = s.downstream.eventLoop().schedule(() -> checkIdle(s), s.idleTimeoutNanos,
                    TimeUnit.NANOSECONDS);
        }
    }

    /** max_downstream_connection_duration's and access_log_flush_interval's timers. */
    static void startTimers(TcpProxySession s) {
        java.time.Duration flush = s.filter.config.accessLogOptions().flushInterval();
        if (flush != null && s.filter.accessLogs.length > 0) {
            schedulePeriodicLog(s, flush.toNanos());
        }
        if (s.filter.maxDurationNanos > 0) {
            s.durationTimer = s.downstream.eventLoop().schedule(() -> {
                if (!s.finished) {
                    s.filter.stats.maxDownstreamConnectionDuration.increment();
                    s.streamInfo.setFlag(io.remora.accesslog.ResponseFlag.DURATION_TIMEOUT);
                    close(s, "max_downstream_connection_duration", ConnectionCloses.MAX_CONNECTION_DURATION);
                }
            }, s.filter.maxDurationNanos, TimeUnit.NANOSECONDS);
        }
    }

    private static void schedulePeriodicLog(TcpProxySession s, long nanos) {
        s.accessLogTimer = s.downstream.eventLoop().schedule(() -> {
            if (!s.finished) {
                AccessLogs.emit(s.filter.accessLogs, s.streamInfo, AccessLogType.TCP_PERIODIC);
                schedulePeriodicLog(s, nanos);
            }
        }, nanos, TimeUnit.NANOSECONDS);
    }

    /** flush_access_log_on_connected: an entry once the upstream connection is up, with its addresses. */
    static void upstreamConnected(TcpProxySession s) {
        // The connect is activity: Envoy's onUpstreamConnection resets the idle timer.
        s.lastActivity = System.nanoTime();
        if (s.filter.config.accessLogOptions().flushOnStart()) {
            AccessLogs.emit(s.filter.accessLogs, s.streamInfo, AccessLogType.TCP_UPSTREAM_CONNECTED);
        }
    }

    /** This proxy closes both connections: the downstream for {@code reason}, the upstream because of that. */
    private static void close(TcpProxySession s, String details, String reason) {
        s.streamInfo.connectionTerminationDetails(details);
        s.streamInfo.downstreamClosed(null, reason);
        if (s.upstreamReady && s.upstream != null && !s.streamInfo.upstreamCloseRecorded()) {
            s.streamInfo.upstreamClosed(ConnectionCloses.Type.NORMAL, ConnectionCloses.UPSTREAM_FOR_DOWNSTREAM_LOCAL_CLOSE);
        }
        if (s.relay != null) {
            s.relay.stop();
        }
        s.downstream.close();
        if (s.upstream != null) {
            s.upstream.close();
        }
    }

    private static void checkIdle(TcpProxySession s) {
        if (s.finished) {
            return;
        }
        long idle = System.nanoTime() - s.lastActivity;
        long timeout = s.idleTimeoutNanos;
        if (idle >= timeout) {
            s.filter.stats.idleTimeout.increment();
            close(s, "idle_timeout", ConnectionCloses.TCP_SESSION_IDLE_TIMEOUT);
        } else {
            s.idleTimer = s.downstream.eventLoop().schedule(() -> checkIdle(s), timeout - idle, TimeUnit.NANOSECONDS);
        }
    }

    /** The downstream closed: the timers stop and the access logs get the session. Idempotent. */
    static void finish(TcpProxySession s) {
        if (s.finished) {
            return;
        }
        s.finished = true;
        s.releasePending();
        if (s.idleTimer != null) {
            s.idleTimer.cancel(false);
        }
        if (s.durationTimer != null) {
            s.durationTimer.cancel(false);
        }
        if (s.accessLogTimer != null) {
            s.accessLogTimer.cancel(false);
        }
        // A network filter that closed the connection (RBAC, ext_authz) said why; that is the reason.
        FilterState state = s.downstream == null ? null : FilterState.of(s.downstream);
        String details = state == null ? null : state.get(ConnectionFilterCallbacks.TERMINATION_DETAILS_KEY, String.class);
        if (details != null) {
            s.streamInfo.connectionTerminationDetails(details);
        }
        io.remora.network.ConnectionResponseFlags.copyTo(state, s.streamInfo);
        if (s.downstream != null) {
            // Envoy's tcp_proxy logs the connection's stream info: metadata set after the session
            // began (a network filter's on a later read, network RBAC's shadow results) is in it.
            io.remora.network.ConnectionMetadata.copyTo(s.downstream, s.streamInfo);
        }
        s.streamInfo.finish();
        AccessLogs.emit(s.filter.accessLogs, s.streamInfo, AccessLogType.TCP_CONNECTION_END);
    }
}

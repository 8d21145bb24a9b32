package io.remora.tcp;

import io.remora.accesslog.AccessLog;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.FilterState;

import java.util.concurrent.TimeUnit;

/**
 * The life of a tcp_proxy session beside its relay: the idle_timeout (one timer, re-armed for
 * what is left of it rather than on every byte) and the end, when the access logs get the
 * session's StreamInfo. Static over the session's fields: no object per connection.
 */
final class TcpSessionLifetime {

    private TcpSessionLifetime() {
    }

    static void startIdleTimer(TcpProxySession s) {
        s.lastActivity = System.nanoTime();
        if (s.filter.idleTimeoutNanos > 0) {
            s.idleTimer = s.downstream.eventLoop().schedule(() -> checkIdle(s), s.filter.idleTimeoutNanos,
                    TimeUnit.NANOSECONDS);
        }
    }

    private static void checkIdle(TcpProxySession s) {
        if (s.finished) {
            return;
        }
        long idle = System.nanoTime() - s.lastActivity;
        long timeout = s.filter.idleTimeoutNanos;
        if (idle >= timeout) {
            s.streamInfo.connectionTerminationDetails("idle_timeout");
            if (s.relay != null) {
                s.relay.stop();
            }
            s.downstream.close();
            if (s.upstream != null) {
                s.upstream.close();
            }
        } else {
            s.idleTimer = s.downstream.eventLoop().schedule(() -> checkIdle(s), timeout - idle, TimeUnit.NANOSECONDS);
        }
    }

    /** The downstream closed: the timer stops and the access logs get the session. Idempotent. */
    static void finish(TcpProxySession s) {
        if (s.finished) {
            return;
        }
        s.finished = true;
        s.releasePending();
        if (s.idleTimer != null) {
            s.idleTimer.cancel(false);
        }
        // A network filter that closed the connection (RBAC, ext_authz) said why; that is the reason.
        String details = s.downstream == null ? null : FilterState.of(s.downstream)
                .get(ConnectionFilterCallbacks.TERMINATION_DETAILS_KEY, String.class);
        if (details != null) {
            s.streamInfo.connectionTerminationDetails(details);
        }
        s.streamInfo.finish();
        for (AccessLog log : s.filter.accessLogs) {
            try {
                log.log(s.streamInfo);
            } catch (RuntimeException e) {
                // A broken logger must not cost the connection's cleanup.
            }
        }
    }
}

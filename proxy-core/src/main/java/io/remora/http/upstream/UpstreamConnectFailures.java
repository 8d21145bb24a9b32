package io.remora.http.upstream;

import io.remora.stats.ClusterStats;
import io.remora.upstream.Host;

/**
 * What one failed upstream connect counts, as Envoy's onConnectionEvent counts a client that closes
 * while still CONNECTING (conn_pool_base.cc, and the tcp pool's the same): the connection is destroyed
 * like any other ({@code upstream_cx_destroy}, and {@code _remote} for a RemoteClose, a refused or
 * reset connect or a failed TLS handshake, {@code _local} for a LocalClose, the connect_timeout or a
 * socket that could not be bound), then it is a connect failure ({@code upstream_cx_connect_fail}
 * and the host's {@code cx_connect_fail}); the connect timer counted {@code upstream_cx_connect_timeout}.
 * Never with an active request: none is bound to a connection before it is up.
 */
public final class UpstreamConnectFailures {
    private UpstreamConnectFailures() {
    }

    public static void count(ClusterStats stats, Host host, Throwable cause) {
        ResetReason reason = ConnectFailure.reason(cause);
        if (reason == ResetReason.CONNECTION_TIMEOUT) {
            stats.upstreamCxConnectTimeout.increment();
        }
        closedConnecting(stats, host, reason != ResetReason.CONNECTION_FAILURE);
    }

    /** A connection this side closed while it was still connecting (its requester gone): a LocalClose. */
    public static void countLocalClose(ClusterStats stats, Host host) {
        closedConnecting(stats, host, true);
    }

    private static void closedConnecting(ClusterStats stats, Host host, boolean local) {
        stats.connectionDestroyed(local, false);
        stats.upstreamCxConnectFail.increment();
        host.stats.cxConnectFail.increment();
    }
}

package io.remora.tcp;

import io.remora.stats.ClusterStats;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.UpstreamStreamCounts;

/**
 * What Envoy's TCP connection pool counts for a tcp_proxy session's own connection: the session is
 * the pool's pending stream until its connection is up ({@code upstream_rq_pending_total},
 * {@code _pending_active}; {@code upstream_rq_pending_failure_eject} when the connect fails,
 * {@code upstream_rq_cancelled} when the client leaves first), then the stream bound to it
 * ({@code upstream_rq_total}, {@code upstream_rq_active}, the host's {@code rq_total}) for as long as
 * the connection lives, which is why its close is always {@code upstream_cx_destroy_with_active_rq}
 * too, local or remote as Envoy's close event says (the peer's reset, or its FIN after the
 * client's: remote; a close for the client's, a timeout's, or the last FIN sent by this side: local).
 * Static over the session's fields: no object per connection.
 */
final class TcpPoolCounts {
    private TcpPoolCounts() {
    }

    /**
     * The session becomes the pool's pending stream (once per attempt, though it waits for a
     * per-host slot first), if {@code max_pending_requests} lets it: as Envoy's pool, whose every
     * tcp_proxy stream waits for its connection, a full one is {@code upstream_rq_pending_overflow}
     * and fails the attempt. False then.
     */
    static boolean pending(TcpProxySession s, Cluster cluster) {
        if (s.poolPending != null) {
            return true;
        }
        ClusterStats stats = cluster.stats();
        if (!cluster.limits().tryAcquirePending()) {
            stats.upstreamRqPendingOverflow.increment();
            return false;
        }
        s.poolPending = cluster;
        stats.upstreamRqPendingTotal.increment();
        stats.upstreamRqPendingActive.incrementAndGet();
        return true;
    }

    /** The pool gave the session its connection: no longer pending, a stream on the connection. */
    static void attached(TcpProxySession s, Cluster cluster, Host h) {
        resolvePending(s);
        s.streamAttached = true;
        UpstreamStreamCounts.attached(cluster, h);
    }

    /** The connect failed: Envoy's pool ejects its pending streams. */
    static void connectFailed(TcpProxySession s) {
        ClusterStats stats = resolvePending(s);
        if (stats != null) {
            stats.upstreamRqPendingFailureEject.increment();
        }
    }

    /** The client left while the session waited: Envoy's tcp_proxy cancels its pending stream. */
    static void cancelled(TcpProxySession s) {
        ClusterStats stats = resolvePending(s);
        if (stats != null) {
            stats.upstreamRqCancelled.increment();
        }
    }

    /** The session's connection, up since {@link TcpUpstreamAttempts}' connect, is gone. */
    static void closed(TcpProxySession s, Cluster cluster, Host h) {
        ClusterStats stats = cluster.stats();
        stats.upstreamCxActive.decrementAndGet();
        boolean attached = s.streamAttached;
        stats.connectionDestroyed(!s.upstreamClosedRemotely, attached);
        if (attached) {
            s.streamAttached = false;
            UpstreamStreamCounts.closed(cluster, h);
        }
    }

    private static ClusterStats resolvePending(TcpProxySession s) {
        Cluster cluster = s.poolPending;
        if (cluster == null) {
            return null;
        }
        s.poolPending = null;
        cluster.limits().pendingRequests.decrementAndGet();
        ClusterStats stats = cluster.stats();
        stats.upstreamRqPendingActive.decrementAndGet();
        return stats;
    }
}

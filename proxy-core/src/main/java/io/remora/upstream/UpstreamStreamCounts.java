package io.remora.upstream;

/**
 * What Envoy's connection pools count for a stream bound to a connection (attachStreamToClient),
 * whoever asked for it (the router, a CONNECT tunnel, tcp_proxy's own TCP pool): the host's
 * {@code rq_total} and {@code rq_active}, the cluster's {@code upstream_rq_total} and
 * {@code upstream_rq_active}; and, when the stream is over (onStreamClosed), the two active counts.
 */
public final class UpstreamStreamCounts {
    private UpstreamStreamCounts() {
    }

    public static void attached(Cluster cluster, Host host) {
        host.stats.rqTotal.increment();
        host.activeRequests.incrementAndGet();
        cluster.stats().upstreamRqTotal.increment();
        cluster.stats().upstreamRqActive.incrementAndGet();
    }

    public static void closed(Cluster cluster, Host host) {
        host.activeRequests.decrementAndGet();
        cluster.stats().upstreamRqActive.decrementAndGet();
    }
}

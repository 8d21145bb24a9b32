package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.UpstreamStream;
import io.remora.stats.VirtualClusterStats;
import io.remora.upstream.Host;
import io.remora.upstream.OutlierMonitor;

/**
 * What a try tells the rest of the proxy as its pool answers, its stream resets or its response
 * ends (Envoy's UpstreamRequest onPoolReady, onResetStream and its load reports): the virtual
 * cluster's and route's totals, outlier detection, the stream info's upstream details, the
 * host's load reports and result. Static: a try allocates nothing for it.
 */
final class TryAccounting {
    private TryAccounting() {
    }

    /**
     * The pool bound the try to a connection (it counted the cluster's upstream_rq_total then): the
     * virtual cluster's and route's, as Envoy's UpstreamRequest::onPoolReady counts them.
     */
    static void bound(UpstreamRequest a) {
        VirtualClusterStats vcs = a.router.info.virtualClusterStats();
        if (vcs != null) {
            vcs.upstreamRqTotal.increment();
        }
        io.remora.stats.RouteStats rs = a.router.info.routeStats();
        if (rs != null) {
            rs.upstreamRqTotal.increment();
        }
    }

    /** The try has its stream: a connect success for outlier detection, the stream's meters and connection. */
    static void ready(UpstreamRequest a, UpstreamStream s) {
        io.remora.accesslog.WireBytes w = a.router.info.wireBytes();
        if (w != null && !s.metersWireBytes()) {
            w.unmeteredUpstream = true; // a try whose codec keeps no meter: the sum over tries is unknown
        }
        a.host.outlier().reportLocalOrigin(OutlierMonitor.LocalOriginEvent.CONNECT_SUCCESS);
        a.router.info.upstreamConnectionAttempted(s);
    }

    /** The stream info's upstream details become the try's. */
    static void describe(UpstreamRequest a) {
        RouterFilter router = a.router;
        Host host = a.host;
        UpstreamStream stream = a.stream;
        router.info.upstreamHost = host.address();
        router.info.upstreamHostName = host.hostname();
        router.info.upstreamLocalAddress = stream.localAddress();
        router.info.upstreamRemoteAddress(host.addresses().isEmpty() ? null : stream.connection().remoteAddress());
        router.info.upstreamConnection = stream;
        router.info.clearUpstreamClose(); // an earlier try's connection is not this one's
        router.info.upstreamHostMetadata = host.metadataByNamespace;
        // As Envoy's stream info: the route's cluster (an aggregate's own metadata, not its member's).
        router.info.upstreamClusterMetadata = router.cluster.config().metadata();
        router.info.upstreamTls = stream.tls();
    }

    /** A reset or a failed connect ends the try: counts, outlier report and the reason, before the router decides. */
    static void reset(UpstreamRequest a, ResetReason reason, String transportFailure) {
        if (reason == ResetReason.REMOTE_RESET || reason == ResetReason.REMOTE_REFUSED_STREAM_RESET) {
            a.cluster.stats().upstreamRqRxReset.increment();
        }
        a.release();
        if (reason != ResetReason.OVERFLOW) {
            // A circuit breaker's overflow says nothing about the host.
            a.host.outlier().reportLocalOrigin(OutlierMonitor.LocalOriginEvent.CONNECT_FAILED);
        }
        if (transportFailure != null) {
            a.router.info.upstreamTransportFailureReason(transportFailure);
        }
        if (RetryLog.enabled()) {
            RetryLog.log(a.router.cb, "upstream reset: reset reason: " + reason.text + ", transport failure reason: "
                    + (transportFailure == null ? "" : transportFailure));
        }
    }

    /**
     * The response's trailers: the ORCA and LRS load reports they carry, unless its headers had one
     * (Envoy reads one per response), and a gRPC result that waited for them.
     */
    static void trailers(UpstreamRequest a, Http2Headers trailers) {
        if (!a.loadReported) {
            io.remora.upstream.orca.ClientSideWeight orca = a.host.clientSideWeight();
            if (orca != null) {
                orca.onResponse(trailers);
            }
            java.util.List<String> lrsMetrics = a.cluster.config().options().lrsReportEndpointMetrics();
            if (!lrsMetrics.isEmpty()) {
                a.host.loadMetricStats().onResponse(trailers, lrsMetrics);
            }
        }
        HostResults.trailers(a, trailers);
    }
}

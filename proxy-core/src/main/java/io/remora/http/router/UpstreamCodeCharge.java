package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.RouterFilterConfig;
import io.remora.stats.RouteStats;
import io.remora.stats.VirtualClusterStats;
import io.remora.upstream.Host;

/**
 * Envoy's chargeUpstreamCode: where one routed response code is counted, for an upstream's
 * response and for the router's own aborts alike. Static so that counting allocates nothing.
 */
final class UpstreamCodeCharge {
    private UpstreamCodeCharge() {
    }

    /**
     * The response-code stats of the cluster (plain, internal or external, canary; again under the
     * request's alt stat name), the virtual cluster's and the route's, unless the router's dynamic
     * stats are off or the request is a health check. {@code host} and {@code responseHeaders} may
     * be null (a local reply).
     */
    static void charge(RouterFilter r, int status, Host host, Http2Headers responseHeaders) {
        RouterFilterConfig c = r.shared.config();
        if (!c.dynamicStats() || r.info.healthCheck()) {
            return;
        }
        boolean withCode = !(c.suppressGrpcRequestFailureCodeStats() && RouterFilter.isGrpc(r.requestHeaders));
        boolean internal = CodeStatCategory.internal(r.requestHeaders);
        boolean canary = CodeStatCategory.canary(host, responseHeaders);
        r.stats.response(status, withCode, internal, canary);
        if (r.altStats != null) {
            r.altStats.response(status, withCode, internal, canary);
        }
        ZoneCodeCharge.response(r, status, host);
        VirtualClusterStats vcs = r.info.virtualClusterStats();
        if (vcs != null) {
            vcs.response(status);
        }
        RouteStats rs = r.info.routeStats();
        if (rs != null) {
            rs.response(status);
        }
    }
}

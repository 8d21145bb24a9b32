package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.DirectResponseAction;
import io.remora.config.ForwardAction;
import io.remora.config.RedirectAction;
import io.remora.config.RouteAction;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.route.RouteEntry;
import io.remora.upstream.Cluster;

/**
 * The answers the router gives before any upstream is involved, as Envoy's router does: 404
 * {@code NR} without a route, the route's direct_response or redirect, 503 {@code NC} for a
 * cluster that does not exist, 503 {@code UO} in maintenance mode, 503 {@code DO} for a request drop_overloads
 * sheds. Static so that
 * the forwarding path allocates nothing for it.
 */
final class RouteLocalReplies {
    private static final AsciiString LOCATION = AsciiString.cached("location");

    private RouteLocalReplies() {
    }

    /** The route's forward action, or null once the stream has been answered here. */
    static ForwardAction forwardOrReply(RouterFilter f, Http2Headers headers) {
        DecoderFilterCallbacks cb = f.cb;
        RouteEntry route = f.route;
        if (route == null) {
            return noRoute(f);
        }
        RouteAction ra = route.route().action();
        if (ra instanceof ForwardAction fa) {
            return fa;
        }
        if (ra instanceof DirectResponseAction d) {
            f.done = true;
            cb.connectionManagerStats().rqDirectResponse.increment();
            int status = d.status();
            // As Envoy's router (RFC 7231 7.1.2): a 201 or 3xx direct response names the request's own URL.
            String location = status == 201 || (status >= 300 && status < 400) ? route.redirectLocation(headers) : null;
            cb.sendLocalReply(status, d.body() == null ? "" : d.body(), null, "direct_response",
                    location == null ? f::mutateResponseHeaders : h -> {
                        h.set(LOCATION, location);
                        f.mutateResponseHeaders(h);
                    }, -1);
            return null;
        }
        if (ra instanceof RedirectAction r) {
            f.done = true;
            // As Envoy's router: a redirect is a direct response entry, counted as one; nothing counts rq_redirect.
            cb.connectionManagerStats().rqDirectResponse.increment();
            String location = route.redirectLocation(headers);
            cb.sendLocalReply(r.responseCode() == 0 ? 301 : r.responseCode(), "", null, "direct_response",
                    h -> {
                        h.set(LOCATION, location);
                        f.mutateResponseHeaders(h);
                    }, -1);
            return null;
        }
        return noRoute(f);
    }

    private static ForwardAction noRoute(RouterFilter f) {
        f.done = true;
        f.cb.connectionManagerStats().noRoute.increment();
        f.cb.sendLocalReply(404, "", ResponseFlag.NO_ROUTE_FOUND, "route_not_found");
        return null;
    }

    /** The route's cluster, or null once the stream has been answered with 503 NC. */
    static Cluster clusterOrReply(RouterFilter f, String name) {
        Cluster cluster = name == null ? null : f.cb.serverContext().clusterManager().get(name);
        f.info.upstreamCluster(name, cluster == null ? null : cluster.config());
        if (cluster == null) {
            f.done = true;
            f.cb.connectionManagerStats().noCluster.increment();
            f.cb.sendLocalReply(f.action.clusterNotFoundStatus(), "", ResponseFlag.NO_CLUSTER_FOUND, "cluster_not_found");
        }
        return cluster;
    }

    /**
     * Envoy's checkDropOverload: the cluster's drop_overloads share of requests is answered 503
     * before a host is picked, counted in upstream_rq_drop_overload (and as the upstream's 503 by the reply).
     * A share of 100% is Envoy's unconditional drop (UDO, its own details and header), which control
     * planes send for a cluster without a healthy endpoint.
     */
    /**
     * Envoy's router before drop_overloads: a request the runtime's upstream.maintenance_mode.&lt;cluster&gt; share
     * takes is answered 503 "maintenance mode", flagged UO and marked x-envoy-overloaded as an overflow, its code
     * charged and {@code upstream_rq_maintenance_mode} counted.
     */
    static boolean maintenanceMode(RouterFilter f) {
        if (!f.cluster.maintenanceMode()) {
            return false;
        }
        UpstreamAbort.reply(f, 503, "maintenance mode", ResponseFlag.UPSTREAM_OVERFLOW, "maintenance_mode");
        f.stats.upstreamRqMaintenanceMode.increment();
        return true;
    }

    static boolean dropOverload(RouterFilter f) {
        double share = f.cluster.dropOverload();
        if (share <= 0 || (share < 1 && java.util.concurrent.ThreadLocalRandom.current().nextDouble() >= share)) {
            return false;
        }
        f.stats.upstreamRqDropOverload.increment();
        if (share >= 1) {
            UpstreamAbort.reply(f, 503, "unconditional drop overload", ResponseFlag.UNCONDITIONAL_DROP_OVERLOAD,
                    "unconditional_drop_overload");
        } else {
            UpstreamAbort.reply(f, 503, "drop overload", ResponseFlag.DROP_OVERLOAD, "drop_overload");
        }
        return true;
    }
}

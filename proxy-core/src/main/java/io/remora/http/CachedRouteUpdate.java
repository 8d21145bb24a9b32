package io.remora.http;

import io.remora.config.ForwardAction;
import io.remora.route.RouteEntry;
import io.remora.upstream.Cluster;

/**
 * What a stream's newly cached route sets on it, as Envoy's {@code ActiveStream::setRoute}: the
 * stream info's upstream cluster, route name and metadata, and the route's timeouts
 * (max_stream_duration, a route idle_timeout). Static over {@link ActiveStream}'s fields, like
 * {@link StreamTimeouts}: nothing per request but what the stream already holds.
 */
final class CachedRouteUpdate {

    private CachedRouteUpdate() {
    }

    /** @param route the route resolved for {@code s} (null: none matched); {@code s.clusterName} is already picked */
    static void taken(ActiveStream s, RouteEntry route) {
        // Envoy sets the stream's upstream cluster when the route resolves to a cluster that exists, so a
        // filter's local reply (rbac, ext_authz, fault) logs %UPSTREAM_CLUSTER% too.
        String clusterName = s.clusterName;
        Cluster c = clusterName == null ? null : s.hcm.context.clusterManager().get(clusterName);
        s.info.upstreamCluster(c == null ? null : clusterName, c == null ? null : c.config());
        s.info.routeName = route == null ? null : route.route().name();
        s.info.routeMetadata(route == null ? null : route.route().metadata(),
                route == null || route.virtualHost() == null ? null : route.virtualHost().metadata());
        StreamTimeouts.startDurationTimer(s, route);
        if (route != null && route.route().action() instanceof ForwardAction f && f.idleTimeout() != null) {
            s.idleTimeoutNanos = f.idleTimeout().toNanos();
            StreamTimeouts.armIdleTimer(s); // a shorter route timeout pulls the connection's timer forward
        }
        if (s.routeRefreshed != null) {
            // Envoy 1.36's trace_refresh_after_route_refresh: the new route's sampling and decorator.
            s.routeRefreshed.run();
        }
    }
}

package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.config.DirectResponseAction;
import io.remora.config.RedirectAction;
import io.remora.route.RouteEntry;
import io.remora.route.RouteTable;
import io.remora.server.ServerContext;

import java.util.logging.Logger;

/**
 * Envoy's router debug lines for route selection ("no route match for URL", "cluster 'x' match
 * for URL", "unknown cluster"), written only when the "router" component logs at debug, each
 * tagged with the stream's connection and stream ids as Envoy's ENVOY_STREAM_LOG does.
 */
final class RouteLog {

    static final Logger LOG = io.remora.log.Logging.logger("router");

    private RouteLog() {
    }

    static void selected(StreamInfo stream, RouteTable table, Http2Headers headers, long random, RouteEntry e,
                         ServerContext context) {
        String tags = stream == null ? "" : stream.logTags();
        CharSequence path = headers.path();
        if (e == null) {
            if (table.virtualHost(headers.authority()) == null) {
                LOG.fine(tags + "no virtual host match for authority '" + headers.authority() + "' in route config '"
                        + table.config().name() + "'");
            }
            LOG.fine(tags + "no route match for URL '" + path + "'");
            return;
        }
        String name = e.route().name() == null || e.route().name().isEmpty() ? "" : " (route '" + e.route().name() + "')";
        if (e.route().action() instanceof RedirectAction) {
            LOG.fine(tags + "redirect for URL '" + path + "'" + name);
            return;
        }
        if (e.route().action() instanceof DirectResponseAction) {
            LOG.fine(tags + "direct response for URL '" + path + "'" + name);
            return;
        }
        // The same pick the stream makes: deterministic in the headers and the stream's random.
        String cluster = context == null ? e.pickCluster(headers, random)
                : e.pickCluster(headers, random, context.runtime());
        if (cluster == null || cluster.isEmpty()) {
            LOG.fine(tags + "no cluster match for URL '" + path + "'" + name);
        } else if (context != null && context.clusterManager().get(cluster) == null) {
            LOG.fine(tags + "unknown cluster '" + cluster + "'" + name);
        } else {
            LOG.fine(tags + "cluster '" + cluster + "' match for URL '" + path + "'" + name);
        }
    }

    /** RDS has not delivered the route configuration yet: every request is unrouted (404 NR). */
    static void notArrived(StreamInfo stream, String routeConfig, Http2Headers headers) {
        LOG.fine((stream == null ? "" : stream.logTags()) + "route config '" + routeConfig
                + "' has not arrived (RDS): no route match for URL '" + headers.path() + "'");
    }
}

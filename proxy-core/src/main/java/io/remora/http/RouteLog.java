package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.DirectResponseAction;
import io.remora.config.RedirectAction;
import io.remora.route.RouteEntry;
import io.remora.server.ServerContext;

import java.util.logging.Logger;

/**
 * Envoy's router debug lines for route selection ("no route match for URL", "cluster 'x' match
 * for URL", "unknown cluster"), written only when the "router" component logs at debug.
 */
final class RouteLog {

    static final Logger LOG = io.remora.log.Logging.logger("router");

    private RouteLog() {
    }

    static void selected(Http2Headers headers, long random, RouteEntry e, ServerContext context) {
        CharSequence path = headers.path();
        if (e == null) {
            LOG.fine("no route match for URL '" + path + "'");
            return;
        }
        String name = e.route().name() == null || e.route().name().isEmpty() ? "" : " (route '" + e.route().name() + "')";
        if (e.route().action() instanceof RedirectAction) {
            LOG.fine("redirect for URL '" + path + "'" + name);
            return;
        }
        if (e.route().action() instanceof DirectResponseAction) {
            LOG.fine("direct response for URL '" + path + "'" + name);
            return;
        }
        // The same pick the router makes: deterministic in the headers and the stream's random.
        String cluster = e.pickCluster(headers, random);
        if (cluster == null || cluster.isEmpty()) {
            LOG.fine("no cluster match for URL '" + path + "'" + name);
        } else if (context != null && context.clusterManager().get(cluster) == null) {
            LOG.fine("unknown cluster '" + cluster + "'" + name);
        } else {
            LOG.fine("cluster '" + cluster + "' match for URL '" + path + "'" + name);
        }
    }
}

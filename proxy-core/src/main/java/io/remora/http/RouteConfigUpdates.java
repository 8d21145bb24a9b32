package io.remora.http;

import io.netty.channel.EventLoop;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * Envoy's RdsRouteConfigUpdateRequester: on-demand VHDS for a stream's host, asked of the server's
 * {@link io.remora.server.OnDemandDiscovery} under the stream's RDS route configuration.
 */
final class RouteConfigUpdates {

    private RouteConfigUpdates() {
    }

    /** See {@link io.remora.http.filter.StreamFilterCallbacks#requestRouteConfigUpdate}. */
    static boolean request(ActiveStream s, Consumer<Boolean> done) {
        String rds = s.hcm.config.rdsName();
        CharSequence host = s.requestHeaders == null ? null : s.requestHeaders.authority();
        if (rds == null || host == null || host.length() == 0) {
            return false;
        }
        EventLoop loop = s.cx.channel.eventLoop();
        // Envoy's alias is the Host header lower-cased as it came, port and all
        return s.hcm.context.onDemand().requestVirtualHost(rds, host.toString().toLowerCase(Locale.ROOT),
                () -> loop.execute(() -> {
                    if (s.ended()) {
                        return;
                    }
                    // as Envoy's callback, the stream reads the route configuration the update went into
                    s.routes = s.hcm.routes.current(s.requestHeaders);
                    s.clearRouteCache();
                    done.accept(s.route() != null);
                }));
    }
}

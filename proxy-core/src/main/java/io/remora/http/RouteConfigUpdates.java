package io.remora.http;

import io.netty.channel.EventLoop;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Envoy's RdsRouteConfigUpdateRequester: on-demand VHDS for a stream's host, asked of the server's
 * {@link io.remora.server.OnDemandDiscovery} under the stream's RDS route configuration; with scoped RDS, the
 * stream's scope (by its key) loaded on demand with its route configuration.
 */
final class RouteConfigUpdates {

    private RouteConfigUpdates() {
    }

    /** See {@link io.remora.http.filter.StreamFilterCallbacks#requestRouteConfigUpdate}. */
    static boolean request(ActiveStream s, Consumer<Boolean> done) {
        var scoped = s.hcm.config.scopedRoutes();
        if (scoped != null) {
            // inline scopes are all loaded; no key, no scope to load (Envoy continues at once)
            List<String> key = scoped.srds() ? ScopedRoutes.key(scoped.keyBuilder(), s.requestHeaders) : null;
            return key != null && s.hcm.context.onDemand().requestScope(key, reRoute(s, done));
        }
        String rds = s.hcm.config.rdsName();
        CharSequence host = s.requestHeaders == null ? null : s.requestHeaders.authority();
        if (rds == null || host == null || host.length() == 0) {
            return false;
        }
        // Envoy's alias is the Host header lower-cased as it came, port and all
        return s.hcm.context.onDemand().requestVirtualHost(rds, host.toString().toLowerCase(Locale.ROOT),
                reRoute(s, done));
    }

    /** On the stream's loop, as Envoy's callback: the stream reads the route configuration the update went into. */
    private static Runnable reRoute(ActiveStream s, Consumer<Boolean> done) {
        EventLoop loop = s.cx.channel.eventLoop();
        return () -> loop.execute(() -> {
            if (s.ended()) {
                return;
            }
            s.routes = s.hcm.routes.current(s.requestHeaders);
            s.clearRouteCache();
            done.accept(s.route() != null);
        });
    }
}

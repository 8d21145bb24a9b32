package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.RouteConfiguration;

/**
 * A {@link RouteConfiguration} compiled for lookup: virtual hosts indexed by domain, routes in
 * order with precompiled matchers. Immutable; built on the control thread, read by workers.
 */
public final class RouteTable {

    public static RouteTable compile(RouteConfiguration config) {
        throw new UnsupportedOperationException();
    }

    public RouteConfiguration config() {
        throw new UnsupportedOperationException();
    }

    /**
     * Selects the route of a request by Envoy's rules: virtual host by {@code :authority}, then the
     * first route whose match holds. Headers are HTTP/2-style (pseudo-headers :method, :path,
     * :authority, :scheme; lower-case names) whatever the downstream protocol.
     *
     * @param random a uniformly random non-negative long for runtime fractions
     * @return the matched route, or null when no virtual host or no route matches (404 NR)
     */
    public RouteEntry route(Http2Headers headers, long random) {
        throw new UnsupportedOperationException();
    }
}

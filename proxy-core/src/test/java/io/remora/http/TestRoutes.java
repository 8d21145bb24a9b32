package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterSpecifier;
import io.remora.config.DirectResponseAction;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.RedirectAction;
import io.remora.config.Route;
import io.remora.config.RouteAction;
import io.remora.config.VirtualHost;
import io.remora.route.HeaderFormatter;
import io.remora.route.RouteEntry;

import java.util.List;

/**
 * Test routes standing in for a compiled RouteTable: {@code /nope*} has no route,
 * {@code /direct} answers 200 "direct body", {@code /redirect} answers 302 to
 * https://example.com/elsewhere, anything else forwards (route name "default", response header
 * {@code x-route: default} added).
 */
final class TestRoutes implements Routes {

    static final Routes.Provider PROVIDER = TestRoutes::new;

    @Override
    public RouteEntry route(Http2Headers headers, long random) {
        String path = headers.path() == null ? "" : headers.path().toString();
        if (path.startsWith("/nope")) {
            return null;
        }
        if (path.startsWith("/direct")) {
            return new Entry("direct", new DirectResponseAction(200, "direct body"));
        }
        if (path.startsWith("/redirect")) {
            return new Entry("redirect", new RedirectAction(null, "example.com", 0, "/elsewhere", null, null, 302, false));
        }
        return new Entry("default", new ForwardAction(null, null, null, null, false, null, null, null, null,
                List.of(), null, null));
    }

    @Override
    public List<String> internalOnlyHeaders() {
        return List.of("x-internal-secret");
    }

    record Entry(String name, RouteAction action) implements RouteEntry {
        @Override
        public Route route() {
            return new Route(name, null, action, HeaderMutation.NONE, HeaderMutation.NONE);
        }

        @Override
        public VirtualHost virtualHost() {
            return null;
        }

        @Override
        public String pickCluster(Http2Headers headers, long random) {
            return "test";
        }

        @Override
        public void rewriteRequest(Http2Headers headers) {
        }

        @Override
        public void mutateRequestHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context) {
            headers.set("x-route-added", context.streamInfo().protocol);
        }

        @Override
        public void mutateResponseHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context) {
            headers.set("x-route", name);
        }

        @Override
        public String redirectLocation(Http2Headers requestHeaders) {
            return "https://example.com/elsewhere";
        }
    }
}

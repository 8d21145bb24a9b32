package io.remora.http.testing;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterSpecifier;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.RetryPolicy;
import io.remora.config.Route;
import io.remora.config.VirtualHost;
import io.remora.route.HeaderFormatter;
import io.remora.route.RouteEntry;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Test-only route to one cluster. */
public final class TestRoute implements RouteEntry {
    private final Route route;
    private final VirtualHost vhost;
    private final String cluster;
    private volatile java.util.Map<String, String> setHeaders = java.util.Map.of();

    public TestRoute(ForwardAction action, boolean includeAttemptCount) {
        this.cluster = ((ClusterSpecifier.Single) action.cluster()).cluster();
        this.route = new Route("r", null, action, null, null);
        this.vhost = new VirtualHost("vh", List.of("*"), List.of(route), null, null, null, includeAttemptCount,
                VirtualHost.TlsRequirement.NONE);
    }

    private TestRoute(ForwardAction action, java.util.function.Function<Route, VirtualHost> vhost) {
        this.cluster = ((ClusterSpecifier.Single) action.cluster()).cluster();
        this.route = new Route("r", null, action, null, null);
        this.vhost = vhost.apply(route);
    }

    /** A route whose virtual host sends x-envoy-attempt-count upstream and downstream. */
    public static TestRoute countingAttempts(ForwardAction action) {
        return new TestRoute(action, r -> VirtualHost.builder("vh", List.of("*"), List.of(r))
                .includeRequestAttemptCount(true).includeAttemptCountInResponse(true).build());
    }

    public static ForwardAction action(String cluster, Duration timeout, RetryPolicy retry,
                                       List<ForwardAction.MirrorPolicy> mirrors) {
        return new ForwardAction(new ClusterSpecifier.Single(cluster), null, null, null, false, null, timeout,
                null, retry, mirrors, null, null);
    }

    public static RetryPolicy retry(int num, Duration perTry, RetryPolicy.RetryOn... on) {
        return new RetryPolicy(on.length == 0 ? Set.of() : EnumSet.of(on[0], on), num, perTry, null, Set.of(),
                Duration.ofMillis(5), Duration.ofMillis(50), false, 1);
    }

    @Override
    public Route route() {
        return route;
    }

    @Override
    public VirtualHost virtualHost() {
        return vhost;
    }

    @Override
    public String pickCluster(Http2Headers headers, long random) {
        return cluster;
    }

    @Override
    public void rewriteRequest(Http2Headers headers) {
    }

    @Override
    public void mutateRequestHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context) {
        setHeaders.forEach(headers::set);
    }

    /** The route's request_headers_to_add: {@code name} set to {@code value} (overwriting) on every forwarded request. */
    public TestRoute requestHeader(String name, String value) {
        java.util.Map<String, String> next = new java.util.LinkedHashMap<>(setHeaders);
        next.put(name, value);
        setHeaders = java.util.Map.copyOf(next);
        return this;
    }

    @Override
    public void mutateResponseHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context) {
    }

    @Override
    public String redirectLocation(Http2Headers requestHeaders) {
        return null;
    }
}

package io.remora.bench.jmh;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.HeaderBlock;
import io.remora.config.ClusterSpecifier;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.HeaderMutation.AppendAction;
import io.remora.config.HeaderMutation.HeaderValueOption;
import io.remora.config.Route;
import io.remora.config.RouteConfiguration;
import io.remora.config.RouteMatch;
import io.remora.config.VirtualHost;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import com.google.re2j.Pattern;

/** Route configurations and requests shared by the route benchmarks. */
final class BenchRoutes {
    private BenchRoutes() {
    }

    static String domain(int vh) {
        return "svc-" + vh + ".ns.svc.cluster.local";
    }

    static String path(int route) {
        return "/api/v1/resource-" + route + "/items/42";
    }

    /** {@code hosts} virtual hosts, each with {@code routes} prefix routes (or regex routes) to cluster c-j. */
    static RouteConfiguration config(int hosts, int routes, boolean regex, HeaderMutation perRoute) {
        List<VirtualHost> vhs = new ArrayList<>(hosts);
        for (int h = 0; h < hosts; h++) {
            List<Route> rs = new ArrayList<>(routes);
            for (int r = 0; r < routes; r++) {
                RouteMatch.PathMatch pm = regex
                        ? new RouteMatch.SafeRegex(Pattern.compile("/api/v[0-9]+/resource-" + r + "/items/[0-9]+"))
                        : new RouteMatch.Prefix("/api/v1/resource-" + r + "/");
                rs.add(new Route("r" + r, new RouteMatch(pm, true, List.of(), List.of(), false, null),
                        forward(new ClusterSpecifier.Single("c-" + r)), perRoute, HeaderMutation.NONE));
            }
            vhs.add(new VirtualHost("vh" + h, List.of(domain(h), domain(h) + ":80"), rs, HeaderMutation.NONE,
                    HeaderMutation.NONE, null, false, VirtualHost.TlsRequirement.NONE));
        }
        return new RouteConfiguration("bench", vhs, HeaderMutation.NONE, HeaderMutation.NONE, List.of(), 4096);
    }

    static ForwardAction forward(ClusterSpecifier cluster) {
        return new ForwardAction(cluster, null, null, null, false, null, Duration.ofSeconds(15), null, null,
                List.of(), null, null);
    }

    /** One virtual host "*" with one prefix route splitting across three weighted clusters. */
    static RouteConfiguration weighted() {
        ClusterSpecifier.Weighted w = new ClusterSpecifier.Weighted(List.of(
                new ClusterSpecifier.WeightedCluster("reviews-v1", 50, HeaderMutation.NONE, HeaderMutation.NONE, null),
                new ClusterSpecifier.WeightedCluster("reviews-v2", 30, HeaderMutation.NONE, HeaderMutation.NONE, null),
                new ClusterSpecifier.WeightedCluster("reviews-v3", 20, HeaderMutation.NONE, HeaderMutation.NONE, null)),
                100);
        Route r = new Route("split", new RouteMatch(new RouteMatch.Prefix("/"), true, List.of(), List.of(), false, null),
                forward(w), HeaderMutation.NONE, HeaderMutation.NONE);
        VirtualHost vh = new VirtualHost("any", List.of("*"), List.of(r), HeaderMutation.NONE, HeaderMutation.NONE,
                null, false, VirtualHost.TlsRequirement.NONE);
        return new RouteConfiguration("weighted", List.of(vh), HeaderMutation.NONE, HeaderMutation.NONE, List.of(), 4096);
    }

    /** What an Istio sidecar route typically adds and removes. */
    static HeaderMutation istioLikeMutation() {
        return new HeaderMutation(List.of(
                new HeaderValueOption("x-envoy-peer-metadata-id", "sidecar~10.0.0.1~bench.ns~ns.svc.cluster.local",
                        AppendAction.OVERWRITE_IF_EXISTS_OR_ADD, false),
                new HeaderValueOption("x-forwarded-client", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
                        AppendAction.OVERWRITE_IF_EXISTS_OR_ADD, false),
                new HeaderValueOption("x-route", "bench", AppendAction.APPEND_IF_EXISTS_OR_ADD, false)),
                List.of("x-internal-debug"));
    }

    /** A typical proxied GET as the connection manager hands it to the router. */
    static Http2Headers request(String authority, String path) {
        Http2Headers h = new HeaderBlock();
        h.method("GET").path(path).authority(authority).scheme("http");
        h.add("user-agent", "bench/1.0");
        h.add("accept", "*/*");
        h.add("x-request-id", "5f2c8a4e-3b1d-4f6a-9c7e-2d8b1a0f4e6c");
        h.add("x-internal-debug", "1");
        return h;
    }
}

package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code request_mirror_policies}: a copy goes to the mirror cluster with "-shadow" appended to
 * its host (kept with {@code disable_shadow_host_suffix_append}), or to the cluster a request
 * header names ({@code cluster_header}; none without the header), while the client gets the
 * primary's answer.
 */
class MirrorE2ETest {

    /** A tracer whose collector is not there: spans go nowhere, but requests carry trace context. */
    private static final String TRACING = """
            tracing:
              provider:
                name: envoy.tracers.opentelemetry
                typed_config:
                  "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                  grpc_service: { envoy_grpc: { cluster_name: otel }, timeout: 1s }""";

    @Test
    void mirrorsByClusterAndByHeader() throws Exception {
        Queue<String> mirrored = new ConcurrentLinkedQueue<>();
        try (TestUpstream primary = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "primary"));
             TestUpstream shadow = TestUpstream.start((ctx, req, n) -> {
                 mirrored.add(req.uri() + " " + req.headers().get("host"));
                 TestUpstream.send(ctx, req, 200, "shadow");
             })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: /static }
                      route: { cluster: primary, request_mirror_policies: [ { cluster: shadow } ] }
                    - match: { prefix: /header }
                      route: { cluster: primary, request_mirror_policies: [ { cluster_header: x-mirror-to } ] }
                    - match: { prefix: /keep }
                      route:
                        cluster: primary
                        request_mirror_policies: [ { cluster: shadow, disable_shadow_host_suffix_append: true } ]
                    """;
            String clusters = Bootstraps.cluster("primary", false, null, primary.port()) + "\n"
                    + Bootstraps.cluster("shadow", false, null, shadow.port());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    TempPaths.file("access", ".log").toString(), routes, clusters), admin, List.of())) {
                String base = "http://127.0.0.1:" + port;
                assertEquals("primary", Curl.run("-H", "host: shop.example:8080", base + "/static").text());
                assertEquals("/static shop.example-shadow:8080", await(mirrored));
                assertEquals("primary", Curl.run("-H", "host: shop.example", base + "/header").text());
                assertEquals("primary", Curl.run("-H", "host: shop.example", "-H", "x-mirror-to: nowhere",
                        base + "/header").text());
                assertEquals("primary", Curl.run("-H", "host: shop.example", "-H", "x-mirror-to: shadow",
                        base + "/header?n=3").text());
                assertEquals("/header?n=3 shop.example-shadow", await(mirrored),
                        "only the request naming a known cluster is mirrored");
                assertEquals("primary", Curl.run("-H", "host: shop.example", base + "/keep").text());
                assertEquals("/keep shop.example", await(mirrored));
                assertTrue(mirrored.isEmpty(), mirrored.toString());
            }
        }
    }

    /**
     * Mirror policies of the route configuration and of a virtual host: a route without its own
     * takes its host's, a host without its own the route configuration's; a route's own replace
     * both. {@code trace_sampled: false} sends the copy with the trace unsampled while the primary
     * keeps the client's decision.
     */
    @Test
    void virtualHostAndRouteConfigurationPoliciesAreInherited() throws Exception {
        Queue<String> mirrored = new ConcurrentLinkedQueue<>();
        try (TestUpstream primary = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "primary"));
             TestUpstream shadow = TestUpstream.start((ctx, req, n) -> {
                 mirrored.add(req.uri() + " " + req.headers().get("host") + " " + req.headers().get("traceparent"));
                 TestUpstream.send(ctx, req, 200, "shadow");
             })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String listener = """
                    - name: http
                      address: { socket_address: { address: 127.0.0.1, port_value: ${http} } }
                      filter_chains:
                      - filters:
                        - name: envoy.filters.network.http_connection_manager
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                            stat_prefix: http
                            TRACING
                            http_filters:
                            - name: envoy.filters.http.router
                              typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                            route_config:
                              request_mirror_policies: [ { cluster: shadow, trace_sampled: false } ]
                              virtual_hosts:
                              - name: plain
                                domains: [ plain.example ]
                                routes: [ { match: { prefix: / }, route: { cluster: primary } } ]
                              - name: own
                                domains: [ own.example ]
                                request_mirror_policies: [ { cluster: shadow, disable_shadow_host_suffix_append: true } ]
                                routes:
                                - match: { prefix: /route }
                                  route:
                                    cluster: primary
                                    request_mirror_policies: [ { cluster: shadow, disable_shadow_host_suffix_append: true,
                                                                 runtime_fraction: { default_value: { numerator: 0 } } } ]
                                - { match: { prefix: / }, route: { cluster: primary } }
                    """;
            listener = listener.replace("        TRACING\n", Bootstraps.indent(TRACING, 8) + "\n");
            String clusters = Bootstraps.cluster("primary", false, null, primary.port()) + "\n"
                    + Bootstraps.cluster("shadow", false, null, shadow.port()) + "\n"
                    + Bootstraps.cluster("otel", true, null, ProxyProcess.freePort());
            String sampled = "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listener, clusters,
                    java.util.Map.of("http", port)), admin, List.of())) {
                Curl c = Curl.get(port, "/a", "host: plain.example", sampled);
                assertEquals("primary", c.text());
                String copy = await(mirrored);
                assertTrue(copy.startsWith("/a plain.example-shadow 00-0af7651916cd43dd8448eb211c80319c-"), copy);
                assertTrue(copy.endsWith("-00"), "trace_sampled: false unsamples the copy: " + copy);
                assertEquals("primary", Curl.get(port, "/b", "host: own.example", sampled).text());
                assertEquals("/b own.example " + null, await(mirrored).replaceAll(" 00-.*", " null"),
                        "the virtual host's own policy replaces the route configuration's");
                assertEquals("primary", Curl.get(port, "/route", "host: own.example").text());
                assertEquals("primary", Curl.get(port, "/b2", "host: own.example").text());
                assertEquals("/b2 own.example null", await(mirrored).replaceAll(" 00-.*", " null"));
                assertTrue(mirrored.isEmpty(), "a route's own policy (never sampled) replaces its host's: " + mirrored);
            }
        }
    }

    /**
     * Envoy's shouldShadow: featureEnabled(runtime_key, default_value, the stream's id). One
     * random per request, so two policies of one fraction mirror the same requests; and the
     * runtime's value under runtime_key replaces the default fraction.
     */
    @Test
    void runtimeFractionsSampleByTheStreamAndReadTheRuntimeKey() throws Exception {
        Queue<String> first = new ConcurrentLinkedQueue<>();
        Queue<String> second = new ConcurrentLinkedQueue<>();
        Queue<String> keyed = new ConcurrentLinkedQueue<>();
        try (TestUpstream primary = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "primary"));
             TestUpstream one = TestUpstream.start((ctx, req, n) -> {
                 first.add(req.uri());
                 TestUpstream.send(ctx, req, 200, "one");
             });
             TestUpstream two = TestUpstream.start((ctx, req, n) -> {
                 (req.uri().startsWith("/keyed") ? keyed : second).add(req.uri());
                 TestUpstream.send(ctx, req, 200, "two");
             })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: /half }
                      route:
                        cluster: primary
                        request_mirror_policies:
                        - { cluster: one, runtime_fraction: { default_value: { numerator: 50 } } }
                        - { cluster: two, runtime_fraction: { default_value: { numerator: 50 } } }
                    - match: { prefix: /keyed }
                      route:
                        cluster: primary
                        request_mirror_policies:
                        - { cluster: two, runtime_fraction: { default_value: { numerator: 0 }, runtime_key: mirror.keyed } }
                    """;
            String clusters = Bootstraps.cluster("primary", false, null, primary.port()) + "\n"
                    + Bootstraps.cluster("one", false, null, one.port()) + "\n"
                    + Bootstraps.cluster("two", false, null, two.port());
            String yaml = "layered_runtime: { layers: [{ name: static, static_layer: { mirror.keyed: 100 } }] }\n"
                    + Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes, clusters);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of())) {
                int n = 40;
                for (int i = 0; i < n; i++) {
                    assertEquals("primary", Curl.get(port, "/half/" + i).text());
                }
                assertEquals("primary", Curl.get(port, "/keyed").text());
                assertEquals("/keyed", await(keyed), "the runtime's 100 under runtime_key replaces the default 0");
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
                while (!new java.util.TreeSet<>(first).equals(new java.util.TreeSet<>(second))
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(!first.isEmpty() && first.size() < n, "half or so of the requests: " + first.size());
                assertEquals(new java.util.TreeSet<>(first), new java.util.TreeSet<>(second),
                        "one random per request: both 50% policies mirror the same requests");
            }
        }
    }

    /** Without {@code trace_sampled} the copy keeps the request's decision. */
    @Test
    void traceDecisionIsKeptWithoutTraceSampled() throws Exception {
        Queue<String> mirrored = new ConcurrentLinkedQueue<>();
        try (TestUpstream primary = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "primary"));
             TestUpstream shadow = TestUpstream.start((ctx, req, n) -> {
                 mirrored.add(String.valueOf(req.headers().get("x-b3-sampled")));
                 TestUpstream.send(ctx, req, 200, "shadow");
             })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: /unsampled }
                      route: { cluster: primary, request_mirror_policies: [ { cluster: shadow, trace_sampled: false } ] }
                    - match: { prefix: / }
                      route: { cluster: primary, request_mirror_policies: [ { cluster: shadow } ] }
                    """;
            String clusters = Bootstraps.cluster("primary", false, null, primary.port()) + "\n"
                    + Bootstraps.cluster("shadow", false, null, shadow.port()) + "\n"
                    + Bootstraps.cluster("otel", true, null, ProxyProcess.freePort());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin,
                    Bootstraps.httpListener("http", "", TRACING, routes), clusters, java.util.Map.of("http", port)),
                    admin, List.of())) {
                String[] b3 = {"x-b3-traceid: 463ac35c9f6413ad48485a3953bb6124", "x-b3-spanid: a2fb4a1d1a96d312",
                        "x-b3-sampled: 1"};
                assertEquals("primary", Curl.get(port, "/kept", b3).text());
                assertEquals("1", await(mirrored));
                assertEquals("primary", Curl.get(port, "/unsampled", b3).text());
                assertEquals("0", await(mirrored), "B3 headers carry the mirror's decision too");
            }
        }
    }

    private static String await(Queue<String> q) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String s;
        while ((s = q.poll()) == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no mirrored request within 10 s");
            }
            Thread.sleep(20);
        }
        return s;
    }
}

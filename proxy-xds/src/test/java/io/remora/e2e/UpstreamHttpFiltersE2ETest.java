package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upstream HTTP filters through a real proxy: a cluster's {@code http_filters} run on every try
 * (a retry shows its own attempt count), see the route's per-filter config and change the response
 * before the router; the router's {@code upstream_http_filters} run where the cluster lists none
 * (a cluster listing the codec alone overrides them); aws_request_signing as an upstream filter signs
 * the host the route rewrote; a credential_injector that cannot inject answers 401 without
 * reaching the upstream. Each cluster's filter stats are in its own scope.
 */
class UpstreamHttpFiltersE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static final int routerPort = ProxyProcess.freePort();
    /** Each request the upstream saw, by the x-test header the client sent: its headers, in order. */
    static final Map<String, List<Map<String, String>>> seen = new ConcurrentHashMap<>();
    static final AtomicReference<SigV4Check> signed = new AtomicReference<>();
    /** The body of each request the upstream saw, by x-test. */
    static final Map<String, byte[]> bodies = new ConcurrentHashMap<>();
    static ProxyProcess proxy;

    static final String CODEC = """
            - name: envoy.filters.http.upstream_codec
              typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec }
            """;

    @BeforeAll
    static void start() throws Exception {
        TestUpstream upstream = stack.upstream((ctx, req, n) -> {
            Map<String, String> h = new java.util.HashMap<>();
            req.headers().forEach(e -> h.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
            String test = h.getOrDefault("x-test", "");
            seen.computeIfAbsent(test, k -> new CopyOnWriteArrayList<>()).add(h);
            bodies.put(test, io.netty.buffer.ByteBufUtil.getBytes(req.content()));
            if (req.uri().startsWith("/aws")) {
                signed.set(SigV4Check.of(req));
            }
            boolean failFirst = req.uri().startsWith("/retry") && "1".equals(h.get("x-envoy-attempt-count"));
            TestUpstream.send(ctx, req, failFirst ? 503 : 200, "ok");
        });
        Path secrets = TempPaths.directory("upstream-filters");
        writeSecret(secrets.resolve("good.yaml"), "good", "Bearer upstream-1");
        writeSecret(secrets.resolve("empty.yaml"), "empty", "\\n");
        String mutation = """
                - name: cluster-mutation
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                    mutations:
                      request_mutations:
                      - append:
                          header: { key: x-try, value: "%REQ(x-envoy-attempt-count)%" }
                          append_action: OVERWRITE_IF_EXISTS_OR_ADD
                      - append: { header: { key: x-cluster-filter, value: "on" }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }
                      response_mutations:
                      - append: { header: { key: x-upstream-filter, value: cluster } }
                """;
        String aws = """
                - name: sign
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning
                    service_name: svc
                    region: eu-west-1
                    credential_provider:
                      inline_credential: { access_key_id: AKIDUPSTREAM, secret_access_key: upstreamsecret }
                """;
        String creds = """
                - name: creds
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.credential_injector.v3.CredentialInjector
                    credential:
                      name: generic
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.http.injected_credentials.generic.v3.Generic
                        credential: { name: SECRET, sds_config: { path_config_source: { path: FILE } } }
                """;
        // Envoy's envoy-otel-http example: OTLP requests compressed for the collector.
        String compressor = """
                - name: compressor
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
                    compressor_library:
                      name: otlp
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip }
                    request_direction_config:
                      common_config:
                        enabled: { default_value: true, runtime_key: otlp_compression }
                        min_content_length: 512
                        content_type: [application/x-protobuf, application/json]
                """;
        String buffer = """
                - name: buffer
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
                    max_request_bytes: 4096
                """;
        int port = upstream.port();
        String clusters = String.join("\n",
                Bootstraps.cluster("filtered", false, httpFilters(mutation + CODEC), port),
                Bootstraps.cluster("plain", false, null, port),
                Bootstraps.cluster("buffered", false, httpFilters(buffer + CODEC), port),
                Bootstraps.cluster("compressed", false, httpFilters(compressor + CODEC), port),
                Bootstraps.cluster("codeconly", false, httpFilters(CODEC), port),
                Bootstraps.cluster("aws", false, httpFilters(aws + CODEC), port),
                Bootstraps.cluster("good", false, httpFilters(creds.replace("SECRET", "good")
                        .replace("FILE", secrets.resolve("good.yaml").toString()) + CODEC), port),
                Bootstraps.cluster("empty", false, httpFilters(creds.replace("SECRET", "empty")
                        .replace("FILE", secrets.resolve("empty.yaml").toString()) + CODEC), port));
        String http = Bootstraps.httpListenerWithHosts("http", "", "", """
                - name: all
                  domains: ["*"]
                  include_request_attempt_count: true
                  routes:
                  - match: { prefix: "/retry" }
                    route:
                      cluster: filtered
                      retry_policy: { retry_on: 5xx, num_retries: 2 }
                    typed_per_filter_config:
                      cluster-mutation:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute
                        mutations:
                          request_mutations:
                          - append: { header: { key: x-per-route, value: "yes" } }
                  - match: { prefix: "/aws" }
                    route: { cluster: aws, host_rewrite_literal: signed.example.com }
                  - match: { prefix: "/buffered" }
                    route: { cluster: buffered }
                  - match: { prefix: "/v1/logs" }
                    route: { cluster: compressed }
                  - match: { prefix: "/good" }
                    route: { cluster: good }
                  - match: { prefix: "/empty" }
                    route: { cluster: empty }
                """);
        String routerFilters = """
                - name: router-mutation
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                    mutations:
                      request_mutations:
                      - append: { header: { key: x-router-filter, value: "on" } }
                """ + CODEC;
        String routed = Bootstraps.httpListener("routed", "", "", """
                - match: { prefix: "/own" }
                  route: { cluster: filtered }
                - match: { prefix: "/codec" }
                  route: { cluster: codeconly }
                - match: { prefix: "/" }
                  route: { cluster: plain }
                """).replace("typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }",
                "typed_config:\n            \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\n"
                        + "            upstream_http_filters:\n" + Bootstraps.indent(routerFilters, 12).stripTrailing());
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, http + "\n" + routed, clusters,
                Map.of("http", stack.port, "routed", routerPort)));
    }

    /** A cluster's typed HTTP protocol options with these {@code http_filters} (YAML list items). */
    static String httpFilters(String filters) {
        return """
                  typed_extension_protocol_options:
                    envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                      "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                      explicit_http_config: { http_protocol_options: {} }
                      http_filters:
                """ + Bootstraps.indent(filters, 6) + "\n";
    }

    static void writeSecret(Path file, String name, String value) throws Exception {
        Files.writeString(file, """
                resources:
                - "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
                  name: NAME
                  generic_secret: { secret: { inline_string: "VALUE" } }
                """.replace("NAME", name).replace("VALUE", value));
    }

    static List<Map<String, String>> requests(String test) {
        return seen.getOrDefault(test, List.of());
    }

    @Test
    void clusterFiltersRunOnEveryTryWithTheRoutesConfigAndSeeTheResponseFirst() throws Exception {
        Curl r = Curl.run("-H", "x-test: retry", stack.url("/retry"));
        assertEquals(200, r.status());
        List<Map<String, String>> tries = requests("retry");
        assertEquals(2, tries.size(), tries.toString());
        assertEquals(List.of("1", "2"), tries.stream().map(h -> h.get("x-try")).toList(), "one value per try");
        for (Map<String, String> h : tries) {
            assertEquals("on", h.get("x-cluster-filter"));
            assertEquals("yes", h.get("x-per-route"), "the route's config for the filter's name");
        }
        assertEquals("cluster", r.header("x-upstream-filter"));
    }

    @Test
    void theRoutersFiltersRunWhereTheClusterListsNone() throws Exception {
        Curl plain = Curl.get(routerPort, "/plain", "x-test: router-plain");
        assertEquals(200, plain.status());
        assertEquals("on", requests("router-plain").get(0).get("x-router-filter"));

        assertEquals(200, Curl.get(routerPort, "/own", "x-test: router-own").status());
        Map<String, String> own = requests("router-own").get(0);
        assertEquals("on", own.get("x-cluster-filter"));
        assertNull(own.get("x-router-filter"), "the cluster's list wins");

        assertEquals(200, Curl.get(routerPort, "/codec", "x-test: router-codec").status());
        assertNull(requests("router-codec").get(0).get("x-router-filter"), "the codec alone is a list too");
    }

    @Test
    void awsSigningSignsTheHostTheRouteRewrote() throws Exception {
        double added = proxy.metric("envoy_cluster_aws_request_signing_signing_added{envoy_cluster_name=\"aws\"}");
        assertEquals(200, Curl.run("-H", "x-test: aws", stack.url("/aws/object?b=2&a=1")).status());
        SigV4Check req = signed.get();
        assertEquals("signed.example.com", req.header("host"));
        String[] auth = req.authorization();
        assertEquals(List.of("AKIDUPSTREAM", "eu-west-1", "svc"), List.of(auth[0], auth[2], auth[3]));
        assertTrue(List.of(auth[4].split(";")).contains("host"), auth[4]);
        assertEquals(req.expectedSignature("upstreamsecret"), auth[5]);
        assertEquals(added + 1,
                proxy.metric("envoy_cluster_aws_request_signing_signing_added{envoy_cluster_name=\"aws\"}"));
        assertTrue(proxy.admin("/stats").contains("cluster.aws.aws_request_signing.signing_added: "),
                "Envoy's name in the cluster's scope");
    }

    @Test
    void aBufferFilterWholesTheBodyPerTryOrAnswers413() throws Exception {
        Path small = TempPaths.file("upstream-buffer", ".bin");
        Files.write(small, new byte[1000]);
        Curl r = Curl.run("-H", "x-test: buffered", "-H", "Transfer-Encoding: chunked", "-H", "Expect:",
                "--data-binary", "@" + small, stack.url("/buffered"));
        assertEquals(200, r.status());
        Map<String, String> h = requests("buffered").get(0);
        assertEquals("1000", h.get("content-length"), "the filter counted the whole body: " + h);
        assertNull(h.get("transfer-encoding"));

        Path large = TempPaths.file("upstream-buffer", ".bin");
        Files.write(large, new byte[10_000]);
        Curl tooLarge = Curl.run("-H", "x-test: too-large", "-H", "Transfer-Encoding: chunked", "-H", "Expect:",
                "--data-binary", "@" + large, stack.url("/buffered"));
        assertEquals(413, tooLarge.status());
        assertEquals("Payload Too Large", tooLarge.text());
        assertEquals(List.of(), requests("too-large"));
    }

    @Test
    void aCompressorCompressesRequestBodiesForTheUpstream() throws Exception {
        String stat = "envoy_cluster_compressor_otlp_gzip_request_compressed{envoy_cluster_name=\"compressed\"}";
        double compressed = proxy.metric(stat);
        byte[] json = ("{\"resourceLogs\":[" + "{\"body\":\"line\"},".repeat(200) + "{}]}").getBytes();
        Path body = TempPaths.file("otlp", ".json");
        Files.write(body, json);
        assertEquals(200, Curl.run("-H", "x-test: otlp", "-H", "content-type: application/json",
                "--data-binary", "@" + body, stack.url("/v1/logs")).status());
        Map<String, String> h = requests("otlp").get(0);
        assertEquals("gzip", h.get("content-encoding"), h.toString());
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bodies.get("otlp")))) {
            assertEquals(new String(json), new String(in.readAllBytes()));
        }
        assertEquals(compressed + 1, proxy.metric(stat));
        assertTrue(proxy.admin("/stats").contains("cluster.compressed.compressor.otlp.gzip.request.compressed: "),
                "Envoy's name in the cluster's scope");

        // Under min_content_length: sent as it came.
        assertEquals(200, Curl.run("-H", "x-test: otlp-short", "-H", "content-type: application/json",
                "--data-binary", "{}", stack.url("/v1/logs")).status());
        assertNull(requests("otlp-short").get(0).get("content-encoding"));
        assertEquals("{}", new String(bodies.get("otlp-short")));
    }

    /** Envoy's refusals, by a proxy that will not start. */
    @Test
    void aFilterWithoutAnUpstreamFactoryOrAChainWithoutTheCodecIsRefused() throws Exception {
        String cors = """
                - name: envoy.filters.http.cors
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }
                """;
        InvalidBootstrapE2ETest.Result notUpstream = InvalidBootstrapE2ETest.run(refusedBootstrap(cors + CODEC));
        assertTrue(notUpstream.exit() != 0, notUpstream.output());
        assertTrue(notUpstream.output().contains("Didn't find a registered implementation for 'envoy.filters.http.cors'"
                + " with type URL: 'envoy.extensions.filters.http.cors.v3.Cors'"), notUpstream.output());
        assertTrue(notUpstream.output().contains("http_filters[0]"), notUpstream.output());

        InvalidBootstrapE2ETest.Result noCodec = InvalidBootstrapE2ETest.run(refusedBootstrap(cors));
        assertTrue(noCodec.exit() != 0, noCodec.output());
        assertTrue(noCodec.output().contains("The codec filter is the only valid terminal upstream HTTP filter, use "
                + "'envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec'"), noCodec.output());
    }

    private static String refusedBootstrap(String filters) {
        return Bootstraps.http(ProxyProcess.freePort(), ProxyProcess.freePort(), "/dev/null", """
                - match: { prefix: "/" }
                  route: { cluster: c }
                """, Bootstraps.cluster("c", false, httpFilters(filters), 1));
    }

    @Test
    void aCredentialInjectorInjectsOrAnswersLocallyWithoutReachingTheUpstream() throws Exception {
        assertEquals(200, Curl.run("-H", "x-test: good", stack.url("/good")).status());
        assertEquals("Bearer upstream-1", requests("good").get(0).get("authorization"));

        Curl refused = Curl.run("-H", "x-test: empty", stack.url("/empty"));
        assertEquals(401, refused.status());
        assertEquals("Failed to inject credential.", refused.text());
        assertEquals(List.of(), requests("empty"));
        assertEquals(1, proxy.metric("envoy_cluster_credential_injector_failed{envoy_cluster_name=\"empty\"}"));
    }
}

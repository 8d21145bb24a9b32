package io.remora.e2e;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.tracers.skywalking} with curl through the proxy and a SkyWalking OAP stand-in
 * (grpc-java serving {@code TraceSegmentReportService/collect} on raw bytes, decoding each
 * SegmentObject by its field numbers): a caller's {@code sw8} continued upstream and referenced
 * by the reported segment, a new trace when the connection manager samples one, nothing when it
 * does not, and Envoy's span fields and stats.
 */
class SkyWalkingTracingE2ETest {
    /** Envoy honours x-envoy-force-trace only on internal requests: one internal XFF hop makes it so. */
    private static final String INTERNAL = "x-forwarded-for: 10.0.0.1";


    private static final String NODE_ID = "sidecar~10.1.1.7~productpage-v1.default~default.svc.cluster.local";
    private static final String NODE_CLUSTER = "productpage.default";

    /** The OAP: every segment it got (decoded wire fields) and each stream's authentication header. */
    private static final class Oap implements AutoCloseable {
        final LinkedBlockingQueue<Map<Integer, List<Object>>> segments = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<String> tokens = new LinkedBlockingQueue<>();
        final Server server;

        Oap() throws IOException {
            var raw = io.remora.xds.grpc.RawBytesMarshaller.INSTANCE;
            MethodDescriptor<byte[], byte[]> collect = MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
                    .setFullMethodName("skywalking.v3.TraceSegmentReportService/collect")
                    .setRequestMarshaller(raw).setResponseMarshaller(raw).build();
            ServerServiceDefinition service = ServerServiceDefinition.builder("skywalking.v3.TraceSegmentReportService")
                    .addMethod(collect, ServerCalls.asyncClientStreamingCall(response -> new StreamObserver<byte[]>() {
                        @Override
                        public void onNext(byte[] segment) {
                            segments.add(decode(ByteString.copyFrom(segment)));
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                            response.onNext(new byte[0]);
                            response.onCompleted();
                        }
                    })).build();
            ServerInterceptor headers = new ServerInterceptor() {
                @Override
                public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata md,
                                                                   ServerCallHandler<Q, R> next) {
                    String token = md.get(Metadata.Key.of("authentication", Metadata.ASCII_STRING_MARSHALLER));
                    tokens.add(token == null ? "-" : token);
                    return next.startCall(call, md);
                }
            };
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(ServerInterceptors.intercept(service, headers)).build().start();
        }

        Map<Integer, List<Object>> next() throws InterruptedException {
            return segments.poll(15, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            server.shutdownNow();
        }
    }

    /** A message's fields by number: varints as Long, length-delimited ones as ByteString. */
    private static Map<Integer, List<Object>> decode(ByteString bytes) {
        Map<Integer, List<Object>> fields = new HashMap<>();
        try {
            CodedInputStream in = bytes.newCodedInput();
            int tag;
            while ((tag = in.readTag()) != 0) {
                Object v = switch (WireFormat.getTagWireType(tag)) {
                    case WireFormat.WIRETYPE_VARINT -> in.readInt64();
                    case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.readBytes();
                    default -> throw new IOException("unexpected wire type in tag " + tag);
                };
                fields.computeIfAbsent(WireFormat.getTagFieldNumber(tag), k -> new ArrayList<>()).add(v);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fields;
    }

    private static String str(Map<Integer, List<Object>> m, int field) {
        List<Object> v = m.get(field);
        return v == null ? "" : ((ByteString) v.get(0)).toStringUtf8();
    }

    private static long num(Map<Integer, List<Object>> m, int field) {
        List<Object> v = m.get(field);
        return v == null ? 0 : (Long) v.get(0);
    }

    private static List<Map<Integer, List<Object>>> messages(Map<Integer, List<Object>> m, int field) {
        List<Map<Integer, List<Object>>> out = new ArrayList<>();
        for (Object o : m.getOrDefault(field, List.of())) {
            out.add(decode((ByteString) o));
        }
        return out;
    }

    /** A span's tags (KeyStringValuePair, field 12). */
    private static Map<String, String> tags(Map<Integer, List<Object>> span) {
        Map<String, String> tags = new HashMap<>();
        for (Map<Integer, List<Object>> kv : messages(span, 12)) {
            tags.put(str(kv, 1), str(kv, 2));
        }
        return tags;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    private static ProxyProcess start(Oap oap, TestUpstream up, int port) throws Exception {
        return start(Bootstraps.cluster("skywalking-oap", true, null, oap.server.getPort()), "", up, port);
    }

    /** With this OAP cluster, and {@code clientConfig} fields after the backend token (flow-style, each after a comma). */
    private static ProxyProcess start(String oapCluster, String clientConfig, TestUpstream up, int port)
            throws Exception {
        int admin = ProxyProcess.freePort();
        String tracing = """
                internal_address_config: {}
                tracing:
                  random_sampling: { value: 0 }
                  provider:
                    name: envoy.tracers.skywalking
                    typed_config:
                      "@type": type.googleapis.com/envoy.config.trace.v3.SkyWalkingConfig
                      grpc_service: { envoy_grpc: { cluster_name: skywalking-oap } }
                      client_config: { backend_token: oap-token%s }
                """.formatted(clientConfig);
        String yaml = "node: { id: \"" + NODE_ID + "\", cluster: " + NODE_CLUSTER + " }\n"
                + Bootstraps.upAndDown(admin, port, tracing, up.port(), oapCluster);
        return ProxyProcess.start(yaml, admin);
    }

    @Test
    void callersTraceContinuesUpstreamAndItsSegmentReachesTheOap() throws Exception {
        int port = ProxyProcess.freePort();
        try (Oap oap = new Oap(); TestUpstream up = TestUpstream.text("ok"); ProxyProcess proxy = start(oap, up, port)) {
            String callerSw8 = "1-" + b64("trace-7a1c") + "-" + b64("segment-of-frontend") + "-3-" + b64("frontend")
                    + "-" + b64("frontend-1") + "-" + b64("/checkout") + "-" + b64("productpage:9080");
            assertEquals(200, Curl.get(port, "/orders?id=7", "sw8: " + callerSw8).status());

            String[] sw8 = up.lastHeaders.get("sw8").split("-", -1);
            assertEquals(8, sw8.length, up.lastHeaders.get("sw8"));
            assertEquals("1", sw8[0]);
            assertEquals("trace-7a1c", unb64(sw8[1]), "the same trace goes upstream");
            String segmentId = unb64(sw8[2]);
            assertNotEquals("segment-of-frontend", segmentId);
            assertEquals("1", sw8[3], "the parent upstream is the proxy's Exit span");
            assertEquals(NODE_CLUSTER, unb64(sw8[4]), "service_name defaults to the node's cluster");
            assertEquals(NODE_ID, unb64(sw8[5]), "instance_name defaults to the node's id");
            assertEquals("/orders?id=7", unb64(sw8[6]));
            assertEquals("127.0.0.1:" + port, unb64(sw8[7]));

            Map<Integer, List<Object>> segment = oap.next();
            assertNotNull(segment, "a segment reached the OAP");
            assertEquals("oap-token", oap.tokens.poll(5, TimeUnit.SECONDS), "backend_token is the authentication header");
            assertEquals("trace-7a1c", str(segment, 1));
            assertEquals(segmentId, str(segment, 2));
            assertEquals(NODE_CLUSTER, str(segment, 4));
            assertEquals(NODE_ID, str(segment, 5));
            List<Map<Integer, List<Object>>> spans = messages(segment, 3);
            assertEquals(2, spans.size());

            Map<Integer, List<Object>> entry = spans.get(0);
            assertEquals(0, num(entry, 1));
            assertEquals(-1, num(entry, 2));
            assertTrue(num(entry, 3) > 1_600_000_000_000L && num(entry, 4) >= num(entry, 3), "times in ms: " + entry);
            assertEquals("/orders?id=7", str(entry, 6));
            assertTrue(str(entry, 7).matches("127\\.0\\.0\\.1:\\d+"), "the downstream peer, with its port: " + str(entry, 7));
            assertEquals(0, num(entry, 8), "Entry");
            assertEquals(3, num(entry, 9), "Http layer");
            assertEquals(9000, num(entry, 10), "Envoy's component id");
            assertEquals(0, num(entry, 11), "no error");
            assertEquals(1, num(entry, 14), "random_sampling 0: reported for the caller's trace, but not analysed");
            Map<String, String> tags = tags(entry);
            assertEquals("GET", tags.get("http.method"));
            assertEquals("http://127.0.0.1:" + port + "/orders?id=7", tags.get("url"));
            assertEquals("200", tags.get("status_code"));
            assertEquals("up", tags.get("upstream_cluster"));
            assertNull(tags.get("http.url"));
            List<Map<Integer, List<Object>>> refs = messages(entry, 5);
            assertEquals(1, refs.size());
            Map<Integer, List<Object>> ref = refs.get(0);
            assertEquals(0, num(ref, 1), "CrossProcess");
            assertEquals("trace-7a1c", str(ref, 2));
            assertEquals("segment-of-frontend", str(ref, 3));
            assertEquals(3, num(ref, 4));
            assertEquals("frontend", str(ref, 5));
            assertEquals("frontend-1", str(ref, 6));
            assertEquals("/checkout", str(ref, 7));
            assertEquals("productpage:9080", str(ref, 8));

            Map<Integer, List<Object>> exit = spans.get(1);
            assertEquals(1, num(exit, 1));
            assertEquals(0, num(exit, 2));
            assertEquals(1, num(exit, 8), "Exit");
            assertEquals("127.0.0.1:" + up.port(), str(exit, 7), "the upstream host");
            assertEquals("127.0.0.1:" + up.port(), tags(exit).get("upstream_address"));
            assertEquals(9000, num(exit, 10));

            // A 5xx: the spans carry SkyWalking's error flag and Envoy's error tag.
            assertEquals(503, Curl.get(port, "/fail", "sw8: " + callerSw8).status());
            Map<Integer, List<Object>> failed = oap.next();
            assertNotNull(failed);
            Map<Integer, List<Object>> failedEntry = messages(failed, 3).get(0);
            assertEquals(1, num(failedEntry, 11));
            assertEquals("true", tags(failedEntry).get("error"));
            assertEquals("503", tags(failedEntry).get("status_code"));
            assertEquals("/fail", str(failedEntry, 6));

            assertTrue(proxy.admin("/stats").contains("tracing.skywalking.segments_sent: 2\n"),
                    proxy.admin("/stats?filter=skywalking"));
            assertTrue(proxy.admin("/stats").contains("tracing.skywalking.segments_dropped: 0\n"),
                    proxy.admin("/stats?filter=skywalking"));
        }
    }

    @Test
    void withoutSw8ATraceStartsOnlyWhenSampled() throws Exception {
        int port = ProxyProcess.freePort();
        try (Oap oap = new Oap(); TestUpstream up = TestUpstream.text("ok"); ProxyProcess proxy = start(oap, up, port)) {
            // random_sampling 0 and no caller context: no span, no header, as Envoy's null span.
            assertEquals(200, Curl.get(port, "/quiet").status());
            assertNull(up.lastHeaders.get("sw8"));

            // A malformed sw8 is no context: unsampled, it goes on untouched and nothing is reported.
            assertEquals(200, Curl.get(port, "/malformed", "sw8: 1-only-three").status());
            assertEquals("1-only-three", up.lastHeaders.get("sw8"));

            assertEquals(200, Curl.get(port, "/forced", "x-envoy-force-trace: true", INTERNAL).status());
            String[] sw8 = up.lastHeaders.get("sw8").split("-", -1);
            assertEquals(8, sw8.length);
            String traceId = unb64(sw8[1]);
            assertTrue(traceId.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), traceId);
            assertEquals("/forced", unb64(sw8[6]));

            // Segments go in order on one stream: the unsampled requests' would have come first.
            Map<Integer, List<Object>> segment = oap.next();
            assertNotNull(segment);
            assertEquals(traceId, str(segment, 1));
            assertEquals(unb64(sw8[2]), str(segment, 2));
            Map<Integer, List<Object>> entry = messages(segment, 3).get(0);
            assertEquals("/forced", str(entry, 6));
            assertTrue(messages(entry, 5).isEmpty(), "a new trace has no parent reference");
            assertEquals(0, num(entry, 14), "a sampled trace is analysed");
            assertFalse(oap.segments.poll(1, TimeUnit.SECONDS) != null, "one segment only");
        }
    }

    @Test
    void withoutAnOapHostSegmentsWaitInTheCacheAndTheOldestAreDropped() throws Exception {
        int port = ProxyProcess.freePort();
        try (TestUpstream up = TestUpstream.text("ok");
             ProxyProcess proxy = start(Bootstraps.cluster("skywalking-oap", true, null), ", max_cache_size: 2", up,
                     port)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, Curl.get(port, "/cached", "x-envoy-force-trace: true", INTERNAL).status());
                assertNotNull(up.lastHeaders.get("sw8"), "propagation does not wait for the OAP");
            }
            // The third segment pushes the first out of a cache of two.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!proxy.admin("/stats").contains("tracing.skywalking.segments_dropped: 1\n")
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String stats = proxy.admin("/stats?filter=skywalking");
            assertTrue(stats.contains("tracing.skywalking.segments_dropped: 1\n"), stats);
            assertTrue(stats.contains("tracing.skywalking.segments_sent: 0\n"), stats);
        }
    }

    /**
     * With {@code spawn_upstream_span} each try is an Exit span of the request's segment, as Envoy's
     * SkyWalking Span::spawnChild makes it (ids 1, 2, ... under the Entry span 0): named by the
     * upstream request's path (after prefix_rewrite, Envoy's injectContext), the upstream host as its
     * peer, the try's tags (retry.count, status_code, error), and its own {@code sw8} (its span id,
     * the host as target address) going upstream. The segment goes once, with every span.
     */
    @Test
    void eachTryIsAnExitSpanOfTheSegmentAndSendsItsOwnSw8() throws Exception {
        java.util.Set<String> failed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        LinkedBlockingQueue<String> sent = new LinkedBlockingQueue<>();
        try (Oap oap = new Oap(); TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            sent.add(req.headers().get("sw8", "-") + " " + req.uri());
            boolean fail = failed.add(req.headers().get("x-request-id"));
            TestUpstream.send(ctx, req, fail ? 503 : 200, fail ? "busy" : "ok");
        })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String tracing = """
                    tracing:
                      random_sampling: { value: 100 }
                      spawn_upstream_span: true
                      provider:
                        name: envoy.tracers.skywalking
                        typed_config:
                          "@type": type.googleapis.com/envoy.config.trace.v3.SkyWalkingConfig
                          grpc_service: { envoy_grpc: { cluster_name: skywalking-oap } }
                    """;
            String http = Bootstraps.httpListener("http", "", tracing, """
                    - match: { prefix: "/shop/" }
                      route: { cluster: up, prefix_rewrite: "/", retry_policy: { retry_on: 5xx, num_retries: 1 } }
                    - match: { prefix: "/local" }
                      direct_response: { status: 204 }
                    """);
            String clusters = Bootstraps.cluster("up", false, null, up.port()) + "\n"
                    + Bootstraps.cluster("skywalking-oap", true, null, oap.server.getPort());
            String yaml = "node: { id: \"" + NODE_ID + "\", cluster: " + NODE_CLUSTER + " }\n"
                    + Bootstraps.listeners(admin, http, clusters, Map.of("http", port));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(200, Curl.get(port, "/shop/cart").status());
                String host = "127.0.0.1:" + up.port();
                String[] first = sent.poll(5, TimeUnit.SECONDS).split(" ");
                String[] second = sent.poll(5, TimeUnit.SECONDS).split(" ");
                assertEquals("/cart", first[1]);
                String[] sw8First = first[0].split("-", -1);
                String[] sw8Second = second[0].split("-", -1);
                assertEquals(8, sw8First.length, first[0]);
                assertEquals("1", sw8First[3], "the first try's Exit span");
                assertEquals("2", sw8Second[3], "the retry's Exit span");
                assertEquals(sw8First[2], sw8Second[2], "one segment");
                assertEquals("/shop/cart", unb64(sw8First[6]), "the endpoint is the Entry span's");
                assertEquals(host, unb64(sw8First[7]), "the try's host is the target address");

                Map<Integer, List<Object>> segment = oap.next();
                assertNotNull(segment);
                assertEquals(unb64(sw8First[2]), str(segment, 2));
                List<Map<Integer, List<Object>>> spans = messages(segment, 3);
                assertEquals(3, spans.size(), "the Entry span and one Exit span per try");
                Map<Integer, List<Object>> entry = spans.get(0);
                assertEquals(0, num(entry, 1));
                assertEquals(0, num(entry, 8), "Entry");
                assertEquals("/shop/cart", str(entry, 6));
                for (int i = 1; i <= 2; i++) {
                    Map<Integer, List<Object>> exit = spans.get(i);
                    assertEquals(i, num(exit, 1));
                    assertEquals(0, num(exit, 2), "the Entry span is the parent");
                    assertEquals(1, num(exit, 8), "Exit");
                    assertEquals(3, num(exit, 9), "Http layer");
                    assertEquals(9000, num(exit, 10));
                    assertEquals("/cart", str(exit, 6), "the upstream request's path");
                    assertEquals(host, str(exit, 7), "the upstream host is the peer");
                    Map<String, String> tags = tags(exit);
                    assertEquals(host, tags.get("upstream_address"));
                    assertEquals("up", tags.get("upstream_cluster"));
                    assertEquals("proxy", tags.get("component"));
                    assertNull(tags.get("peer.address"));
                    assertNull(tags.get("http.status_code"));
                }
                Map<Integer, List<Object>> failedTry = spans.get(1);
                assertEquals("503", tags(failedTry).get("status_code"));
                assertEquals("true", tags(failedTry).get("error"));
                assertEquals(1, num(failedTry, 11), "the 503 try is an error span");
                assertNull(tags(failedTry).get("retry.count"));
                Map<Integer, List<Object>> retry = spans.get(2);
                assertEquals("200", tags(retry).get("status_code"));
                assertEquals("1", tags(retry).get("retry.count"));
                assertEquals(0, num(retry, 11));
                assertFalse(oap.segments.poll(1, TimeUnit.SECONDS) != null, "one segment only");

                // No try, no Exit span: Envoy's Entry span alone.
                assertEquals(204, Curl.get(port, "/local").status());
                Map<Integer, List<Object>> local = oap.next();
                assertNotNull(local);
                List<Map<Integer, List<Object>>> localSpans = messages(local, 3);
                assertEquals(1, localSpans.size(), "the Entry span only");
                assertEquals("/local", str(localSpans.get(0), 6));
            }
        }
    }

    /**
     * A segment the connection manager's decision started follows a route looked up again
     * (Envoy's refreshTracing calls setSampled): the new route's overall_sampling 0 says no, and
     * a SkyWalking span, already started, is then only marked skip-analysis.
     */
    @Test
    void aRouteLookedUpAgainThatSaysNoMarksTheSegmentSkipAnalysis() throws Exception {
        try (Oap oap = new Oap(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String tracing = """
                    tracing:
                      random_sampling: { value: 100 }
                      provider:
                        name: envoy.tracers.skywalking
                        typed_config:
                          "@type": type.googleapis.com/envoy.config.trace.v3.SkyWalkingConfig
                          grpc_service: { envoy_grpc: { cluster_name: skywalking-oap } }
                    """;
            String http = Bootstraps.httpListenerWithFilters("http", "", tracing, TracingE2ETest.ROUTE_REFRESHING_LUA,
                    Bootstraps.catchAll("""
                            - match: { prefix: "/", headers: [ { name: x-route-tracing, present_match: true } ] }
                              route: { cluster: up }
                              tracing: { overall_sampling: { numerator: 0 } }
                            - match: { prefix: "/" }
                              route: { cluster: up }
                            """));
            String clusters = Bootstraps.cluster("up", false, null, up.port()) + "\n"
                    + Bootstraps.cluster("skywalking-oap", true, null, oap.server.getPort());
            String yaml = "node: { id: \"" + NODE_ID + "\", cluster: " + NODE_CLUSTER + " }\n"
                    + Bootstraps.listeners(admin, http, clusters, Map.of("http", port));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(200, Curl.get(port, "/refreshed").status());
                assertEquals("lua", up.lastHeaders.get("x-route-tracing"));
                assertNotNull(up.lastHeaders.get("sw8"), "the segment had started");
                Map<Integer, List<Object>> segment = oap.next();
                assertNotNull(segment);
                Map<Integer, List<Object>> entry = messages(segment, 3).get(0);
                assertEquals("/refreshed", str(entry, 6));
                assertEquals(1, num(entry, 14), "the refreshed decision said no");
            }
        }
    }
}

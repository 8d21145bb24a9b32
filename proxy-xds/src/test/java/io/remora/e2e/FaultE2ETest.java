package io.remora.e2e;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.remora.testing.GrpcText;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envoy.filters.http.fault through real sockets: percentage aborts, gRPC aborts, header-controlled
 * faults, delays that still reach the upstream, per-route replacement and disabling,
 * max_active_faults, response throttling, and what it leaves in stats and access logs.
 */
class FaultE2ETest {

    static final MethodDescriptor<String, String> SAY = GrpcText.unary("demo.Echo/Say");
    static final String PROM = "{envoy_http_conn_manager_prefix=\"ingress\"}";

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static Server grpcServer;
    static ProxyProcess proxy;
    static ManagedChannel channel;
    static Path accessLog;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static final String BOOTSTRAP = Bootstraps.ingress("""
            access_log:
            - name: envoy.access_loggers.file
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                path: ${LOG}
                log_format: { text_format_source: { inline_string: "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%\\n" } }
            """, """
            - name: envoy.filters.http.fault
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                abort: { header_abort: {}, percentage: { numerator: 100 } }
                delay: { header_delay: {}, percentage: { numerator: 100 } }
            """,
            """
            - match: { prefix: "/demo.Echo/", grpc: {}, headers: [{ name: x-throttle, present_match: true }] }
              route: { cluster: grpc, timeout: 0s }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  response_rate_limit: { fixed_limit: { limit_kbps: 1 }, percentage: { numerator: 100 } }
            - match: { prefix: "/demo.Echo/", grpc: {} }
              route: { cluster: grpc, timeout: 0s }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  abort: { grpc_status: 7, percentage: { numerator: 100 } }
                  headers: [{ name: x-grpc-fault, present_match: true }]
            - match: { prefix: "/pct" }
              route: { cluster: web }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  abort: { http_status: 503, percentage: { numerator: 3000, denominator: TEN_THOUSAND } }
            - match: { prefix: "/delay" }
              route: { cluster: web }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  delay: { fixed_delay: 0.4s, percentage: { numerator: 1000000, denominator: MILLION } }
            - match: { prefix: "/long" }
              route: { cluster: web }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  delay: { fixed_delay: 1.5s, percentage: { numerator: 100 } }
                  max_active_faults: 1
            - match: { prefix: "/download" }
              route: { cluster: web }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  response_rate_limit: { fixed_limit: { limit_kbps: 4 }, percentage: { numerator: 100 } }
            - match: { prefix: "/held" }
              route: { cluster: web }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  delay: { fixed_delay: 0.1s, percentage: { numerator: 100 } }
                  response_rate_limit: { fixed_limit: { limit_kbps: 1 }, percentage: { numerator: 0 } }
            - match: { prefix: "/upload" }
              route: { cluster: web }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  delay: { fixed_delay: 0.2s, percentage: { numerator: 100 } }
            - match: { prefix: "/runtime" }
              route: { cluster: web }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  abort: { http_status: 502, percentage: { numerator: 0 } }
                  abort_percent_runtime: e2e.abort_percent
                  abort_http_status_runtime: e2e.abort_status
            - match: { prefix: "/nostats" }
              route: { cluster: web }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  abort: { header_abort: {}, percentage: { numerator: 100 } }
                  disable_downstream_cluster_stats: true
            - match: { prefix: "/off" }
              route: { cluster: web }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                  disabled: true
            - match: { prefix: "/" }
              route: { cluster: web }
            """) + """
            layered_runtime:
              layers:
              - name: admin
                admin_layer: {}
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok " + req.uri()));
        ServerServiceDefinition service = ServerServiceDefinition.builder("demo.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((String req, StreamObserver<String> out) -> {
                    out.onNext("hello " + req);
                    out.onCompleted();
                })).build();
        grpcServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
                .build().start();
        stack.own(grpcServer::shutdownNow);
        accessLog = TempPaths.file("fault-access", ".log");
        String clusters = Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()) + "\n"
                + Bootstraps.cluster("grpc", true, null, grpcServer.getPort()), 2);
        proxy = stack.start(stack.render(BOOTSTRAP, Map.of("LOG", accessLog, "CLUSTERS", clusters)),
                List.of("-Xmx256m"), "--file-flush-interval-msec", "100");
        channel = NettyChannelBuilder.forAddress("127.0.0.1", stack.port).usePlaintext().build();
        stack.own(channel::shutdownNow);
    }

    static URI uri(String path) {
        return URI.create(stack.url(path));
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void abortsByPercentageOverManyRequests() throws Exception {
        double before = proxy.metric("envoy_http_fault_aborts_injected" + PROM);
        int n = 400;
        int aborted = 0;
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(client.sendAsync(HttpRequest.newBuilder(uri("/pct/" + i)).build(), HttpResponse.BodyHandlers.ofString()));
            if (all.size() == 50) {
                aborted += count503(all);
            }
        }
        aborted += count503(all);
        // 30% of 400 = 120, sd ~9: a band of +-40 fails only on a broken percentage.
        assertTrue(aborted > 80 && aborted < 160, "aborted " + aborted + " of " + n);
        assertEquals(before + aborted, proxy.metric("envoy_http_fault_aborts_injected" + PROM));
        String line = HttpProxyE2ETest.awaitLogLine(accessLog, " 503 FI fault_filter_abort");
        assertTrue(line.startsWith("/pct/"), line);
    }

    private static int count503(List<CompletableFuture<HttpResponse<String>>> batch) throws Exception {
        int aborted = 0;
        for (CompletableFuture<HttpResponse<String>> f : batch) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() == 503) {
                assertEquals("fault filter abort", r.body());
                aborted++;
            } else {
                assertEquals(200, r.statusCode());
            }
        }
        batch.clear();
        return aborted;
    }

    @Test
    void grpcAbortIsATrailersOnlyStatus() {
        io.grpc.Metadata md = new io.grpc.Metadata();
        md.put(io.grpc.Metadata.Key.of("x-grpc-fault", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "1");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                io.grpc.ClientInterceptors.intercept(channel,
                        io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md)),
                SAY, io.grpc.CallOptions.DEFAULT, "x"));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertEquals("fault filter abort", e.getStatus().getDescription());
        // Without the header the route's fault does not match: the call goes through.
        assertEquals("hello y", ClientCalls.blockingUnaryCall(channel, SAY, io.grpc.CallOptions.DEFAULT, "y"));
    }

    @Test
    void throttledGrpcResponseKeepsItsTrailers() throws Exception {
        // Envoy's ResponseRateLimitTrailersBodyNotFlushed: the upstream's trailers arrive while the
        // throttled body is still queued; they follow the last byte.
        double rl = proxy.metric("envoy_http_fault_response_rl_injected" + PROM);
        io.grpc.Metadata md = new io.grpc.Metadata();
        md.put(io.grpc.Metadata.Key.of("x-throttle", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "1");
        String payload = "p".repeat(300);
        long start = System.nanoTime();
        String reply = ClientCalls.blockingUnaryCall(io.grpc.ClientInterceptors.intercept(channel,
                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md)), SAY, io.grpc.CallOptions.DEFAULT, payload);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals("hello " + payload, reply);
        // 1 KiB/s in 50 ms ticks of 51 bytes: about 300 bytes take 5 ticks after the first.
        assertTrue(ms >= 200, "took " + ms + " ms");
        assertEquals(rl + 1, proxy.metric("envoy_http_fault_response_rl_injected" + PROM));
    }

    @Test
    void headerControlledAbortAndDelay() throws Exception {
        assertEquals(200, get("/hdr/none").statusCode());
        HttpResponse<String> r = get("/hdr/abort", "x-envoy-fault-abort-request", "418");
        assertEquals(418, r.statusCode());
        assertEquals("fault filter abort", r.body());
        // Out of range: no abort.
        assertEquals(200, get("/hdr/bad", "x-envoy-fault-abort-request", "700").statusCode());
        // A header percentage of 0 (of the configured 100) turns the fault off.
        assertEquals(200, get("/hdr/zero", "x-envoy-fault-abort-request", "500",
                "x-envoy-fault-abort-request-percentage", "0").statusCode());
        long start = System.nanoTime();
        HttpResponse<String> d = get("/hdr/delay", "x-envoy-fault-delay-request", "300");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, d.statusCode());
        assertEquals("ok /hdr/delay", d.body());
        assertTrue(ms >= 300, "took " + ms + " ms");
        assertTrue(HttpProxyE2ETest.awaitLogLine(accessLog, "/hdr/delay 200 DI via_upstream").length() > 0);
        assertTrue(HttpProxyE2ETest.awaitLogLine(accessLog, "/hdr/abort 418 FI fault_filter_abort").length() > 0);
    }

    @Test
    void headerControlledGrpcStatus() {
        io.grpc.Metadata md = new io.grpc.Metadata();
        md.put(io.grpc.Metadata.Key.of("x-envoy-fault-abort-grpc-request", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                "14");
        // demo.Other is routed by "/", where the filter's header-controlled abort applies; the call
        // is answered by the proxy before any upstream.
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                io.grpc.ClientInterceptors.intercept(channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md)),
                GrpcText.unary("demo.Other/Say"), io.grpc.CallOptions.DEFAULT, "z"));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("fault filter abort", e.getStatus().getDescription());
    }

    @Test
    void headerControlledGrpcAbortOverHttp11IsAHeadersOnlyStatus() throws Exception {
        // Envoy's HeaderFaultAbortGrpcConfig and ...0PercentageHeader, with curl as the client.
        Curl r = Curl.run("-H", "content-type: application/grpc", "-H", "x-envoy-fault-abort-grpc-request: 5",
                stack.url("/grpcish"));
        assertEquals(200, r.status());
        assertEquals("application/grpc", r.header("content-type"));
        assertEquals("5", r.header("grpc-status"));
        assertEquals("fault filter abort", r.header("grpc-message"));
        assertEquals(0, r.body().length);
        Curl off = Curl.run("-H", "content-type: application/grpc", "-H", "x-envoy-fault-abort-grpc-request: 5",
                "-H", "x-envoy-fault-abort-request-percentage: 0", stack.url("/grpcish"));
        assertEquals(200, off.status());
        assertNull(off.header("grpc-status"), "the percentage header turned the gRPC abort off");
        assertEquals("ok /grpcish", new String(off.body(), StandardCharsets.UTF_8));
        // Not a gRPC request: Envoy's local reply is the abort's HTTP status (200) and its body.
        Curl plain = Curl.run("-H", "x-envoy-fault-abort-grpc-request: 5", stack.url("/grpcish"));
        assertEquals(200, plain.status());
        assertNull(plain.header("grpc-status"));
        assertEquals("fault filter abort", new String(plain.body(), StandardCharsets.UTF_8));
    }

    @Test
    void downstreamClusterStats() throws Exception {
        String sample = "envoy_http_fault_aborts_injected{envoy_fault_downstream_cluster=\"frontend\","
                + "envoy_http_conn_manager_prefix=\"ingress\"}";
        double before = proxy.metric(sample);
        assertEquals(503, get("/dc", "x-envoy-fault-abort-request", "503",
                "x-envoy-downstream-service-cluster", "frontend").statusCode());
        assertEquals(before + 1, proxy.metric(sample));
        // Envoy makes a downstream cluster's counter when it first counts: no delay, no delays counter.
        String dotted = proxy.admin("/stats?filter=fault");
        assertTrue(dotted.contains("http.ingress.fault.frontend.aborts_injected: "), dotted);
        assertFalse(dotted.contains("http.ingress.fault.frontend.delays_injected"), dotted);
        // disable_downstream_cluster_stats: the fault still counts, under no cluster's name.
        double aborts = proxy.metric("envoy_http_fault_aborts_injected" + PROM);
        assertEquals(429, get("/nostats", "x-envoy-fault-abort-request", "429",
                "x-envoy-downstream-service-cluster", "quiet").statusCode());
        assertEquals(aborts + 1, proxy.metric("envoy_http_fault_aborts_injected" + PROM));
        assertFalse(proxy.admin("/stats?filter=fault").contains(".quiet."));
    }

    @Test
    void fixedDelayStillReachesTheUpstream() throws Exception {
        double delays = proxy.metric("envoy_http_fault_delays_injected" + PROM);
        int seen = upstream.requests.get();
        long start = System.nanoTime();
        HttpResponse<String> r = get("/delay/x");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.statusCode());
        assertEquals("ok /delay/x", r.body());
        assertTrue(ms >= 400, "took " + ms + " ms");
        assertEquals(seen + 1, upstream.requests.get());
        assertEquals(delays + 1, proxy.metric("envoy_http_fault_delays_injected" + PROM));
        assertTrue(HttpProxyE2ETest.awaitLogLine(accessLog, "/delay/x 200 DI").length() > 0);
    }

    @Test
    void requestBodyWaitsOutTheDelay() throws Exception {
        byte[] body = new byte[3 << 20]; // three times the buffer limit: reading pauses during the delay
        new java.util.Random(7).nextBytes(body);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body);
        long start = System.nanoTime();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.statusCode());
        assertEquals(Long.toHexString(crc.getValue()) + " " + body.length, r.body());
        assertTrue(ms >= 200, "took " + ms + " ms");
    }

    @Test
    void runtimeKeysOverrideTheConfig() throws Exception {
        assertEquals(200, get("/runtime/before").statusCode(), "0% configured");
        HttpResponse<String> set = client.send(HttpRequest.newBuilder(
                proxy.adminUri("/runtime_modify?e2e.abort_percent=100&e2e.abort_status=504"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, set.statusCode(), set.body());
        try {
            for (int i = 0; i < 5; i++) {
                assertEquals(504, get("/runtime/" + i).statusCode());
            }
        } finally {
            client.send(HttpRequest.newBuilder(proxy.adminUri("/runtime_modify?e2e.abort_percent=0"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        }
        assertEquals(200, get("/runtime/after").statusCode());
    }

    @Test
    void perRouteDisableTurnsHeaderFaultsOff() throws Exception {
        HttpResponse<String> r = get("/off/x", "x-envoy-fault-abort-request", "500");
        assertEquals(200, r.statusCode());
        assertEquals("ok /off/x", r.body());
    }

    @Test
    void perRouteConfigReplacesTheFilterConfig() throws Exception {
        // /delay's own config has no header abort: the filter's header_abort does not apply there.
        assertEquals(200, get("/delay/h", "x-envoy-fault-abort-request", "500").statusCode());
    }

    @Test
    void maxActiveFaultsOverflow() throws Exception {
        double overflow = proxy.metric("envoy_http_fault_faults_overflow" + PROM);
        CompletableFuture<HttpResponse<String>> first = client.sendAsync(
                HttpRequest.newBuilder(uri("/long/1")).build(), HttpResponse.BodyHandlers.ofString());
        awaitMetric("envoy_http_fault_active_faults" + PROM, 1);
        long start = System.nanoTime();
        HttpResponse<String> second = get("/long/2");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, second.statusCode());
        assertTrue(ms < 1400, "the second request was delayed too: " + ms + " ms");
        assertEquals(overflow + 1, proxy.metric("envoy_http_fault_faults_overflow" + PROM));
        assertEquals(200, first.get().statusCode());
        awaitMetric("envoy_http_fault_active_faults" + PROM, 0);
    }

    @Test
    void delayCancelledWhenTheClientGoesAway() throws Exception {
        int seen = upstream.requests.get();
        try (Socket s = new Socket("127.0.0.1", stack.port)) {
            OutputStream out = s.getOutputStream();
            out.write("GET /long/gone HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitMetric("envoy_http_fault_active_faults" + PROM, 1);
        }
        awaitMetric("envoy_http_fault_active_faults" + PROM, 0);
        Thread.sleep(1800);
        assertEquals(seen, upstream.requests.get(), "the cancelled request reached the upstream");
    }

    @Test
    void aDelayOnARouteWithAResponseRateLimitStaysActiveUntilTheStreamEnds() throws Exception {
        // Envoy's postDelayInjection gives the active fault back after the delay only when no
        // response_rate_limit is configured, whether or not one was injected on this stream.
        double delays = proxy.metric("envoy_http_fault_delays_injected" + PROM);
        try (Socket s = new Socket("127.0.0.1", stack.port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitMetric("envoy_http_fault_delays_injected" + PROM, delays + 1);
            Thread.sleep(1000); // ten times the delay: the request has gone on, its body still unsent
            assertEquals(1, proxy.metric("envoy_http_fault_active_faults" + PROM));
            out.write("ok".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 200", head);
        }
        awaitMetric("envoy_http_fault_active_faults" + PROM, 0);
    }

    @Test
    void responseRateLimit() throws Exception {
        double rl = proxy.metric("envoy_http_fault_response_rl_injected" + PROM);
        long start = System.nanoTime();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri("/download?bytes=16384&seed=3"))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.statusCode());
        assertEquals(16384, r.body().length);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(r.body());
        assertEquals(TestUpstream.expectedCrc(16384, 3), crc.getValue());
        // 4 KiB/s, starting from one fill interval's worth (as Envoy's StreamRateLimiter): about 4 s.
        assertTrue(ms >= 2500, "took " + ms + " ms");
        assertEquals(rl + 1, proxy.metric("envoy_http_fault_response_rl_injected" + PROM));
    }

    @Test
    void statsArePrometheusFamilies() throws Exception {
        String text = proxy.admin("/stats/prometheus");
        for (String family : List.of("aborts_injected", "delays_injected", "faults_overflow", "response_rl_injected",
                "active_faults")) {
            assertTrue(text.contains("envoy_http_fault_" + family + PROM), family + " missing:\n" + text);
        }
        String dotted = proxy.admin("/stats?filter=fault");
        assertTrue(dotted.contains("http.ingress.fault.aborts_injected: "), dotted);
        assertTrue(dotted.contains("http.ingress.fault.active_faults: "), dotted);
    }

    private static void awaitMetric(String sample, double value) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (proxy.metric(sample) != value) {
            assertTrue(System.nanoTime() < deadline, sample + " never became " + value);
            Thread.sleep(20);
        }
    }
}

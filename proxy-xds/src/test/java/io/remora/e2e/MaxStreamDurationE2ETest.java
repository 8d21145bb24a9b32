package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code common_http_protocol_options.max_stream_duration} against an upstream that answers after
 * 1.5 s: the stream is answered at its limit with Envoy's 504 "downstream duration timeout"
 * (the request had arrived whole), a route's {@code max_stream_duration} of 0 lifts the limit,
 * and a gRPC request gets DEADLINE_EXCEEDED. A cluster's own max_stream_duration resets the
 * upstream stream: 504 (408 while the request still arrives) with UMSDR, or a retry when the
 * route retries resets.
 */
class MaxStreamDurationE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static java.nio.file.Path log;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            req.retain();
            ctx.executor().schedule(() -> {
                TestUpstream.send(ctx, req, 200, "slow");
                req.release();
            }, 1500, TimeUnit.MILLISECONDS);
        });
        PORTS.put("http", ProxyProcess.freePort());
        PORTS.put("upstream_bound", ProxyProcess.freePort());
        log = io.remora.testing.TempPaths.file("bounded", ".log");
        String listener = Bootstraps.httpListener("http", "", "common_http_protocol_options: { max_stream_duration: 0.3s }",
                """
                - match: { prefix: "/unlimited" }
                  route: { cluster: web, max_stream_duration: { max_stream_duration: 0s } }
                - match: { prefix: "/" }
                  route: { cluster: web }
                """);
        String accessLog = """
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format: { text_format_source: { inline_string: "%%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%REQ(:PATH)%%\\n" } }
                """.formatted(log);
        String bounded = Bootstraps.httpListener("upstream_bound", "", accessLog, """
                - match: { prefix: "/retried" }
                  route: { cluster: bounded, retry_policy: { retry_on: reset, num_retries: 1 } }
                - match: { prefix: "/" }
                  route: { cluster: bounded }
                """);
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listener + bounded,
                Bootstraps.cluster("web", false, null, upstream.port())
                        + Bootstraps.cluster("bounded", false, "  common_http_protocol_options: { max_stream_duration: 0.3s }\n",
                        upstream.port()), PORTS), List.of());
    }

    static String url(String path) {
        return "http://127.0.0.1:" + PORTS.get("http") + path;
    }

    @Test
    void theStreamEndsAtItsLimitUnlessTheRouteLiftsIt() throws Exception {
        Curl cut = Curl.run(url("/x"));
        assertEquals(504, cut.status());
        assertEquals("downstream duration timeout", cut.text());

        Curl grpc = Curl.run("--http2-prior-knowledge", "-H", "content-type: application/grpc", url("/pkg.Svc/Call"));
        assertEquals("4", grpc.header("grpc-status"), grpc.headers().toString());

        Curl whole = Curl.run(url("/unlimited"));
        assertEquals(200, whole.status());
        assertEquals("slow", whole.text());
        assertTrue(proxy.metric("envoy_http_downstream_rq_max_duration_reached{envoy_http_conn_manager_prefix=\"http\"}") >= 2);
    }

    @Test
    void aClustersMaxStreamDurationResetsTheUpstreamStream() throws Exception {
        String base = "http://127.0.0.1:" + PORTS.get("upstream_bound");
        int before = upstream.requests.get();
        Curl cut = Curl.run(base + "/slow");
        assertEquals(504, cut.status());
        assertEquals("upstream max stream duration reached", cut.text());
        assertEquals(1, upstream.requests.get() - before);

        before = upstream.requests.get();
        Curl retried = Curl.run(base + "/retried");
        assertEquals(504, retried.status());
        assertEquals(2, upstream.requests.get() - before, "a reset is retried as the route says");

        // The request is still arriving (5 of 10 body bytes) when the upstream stream's time is up.
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", PORTS.get("upstream_bound"))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /arriving HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String head = new String(s.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 408", head);
        }
        List<String> lines = LogFiles.await(log, 3);
        assertEquals(List.of("504 UMSDR /slow", "504 URX,UMSDR /retried", "408 UMSDR /arriving"), lines);
        assertTrue(proxy.metric("envoy_cluster_upstream_rq_max_duration_reached{envoy_cluster_name=\"bounded\"}") >= 4);
    }
}

package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
 * and a gRPC request gets DEADLINE_EXCEEDED.
 */
class MaxStreamDurationE2ETest {

    static TestUpstream upstream;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start((ctx, req, n) -> {
            req.retain();
            ctx.executor().schedule(() -> {
                TestUpstream.send(ctx, req, 200, "slow");
                req.release();
            }, 1500, TimeUnit.MILLISECONDS);
        });
        int admin = ProxyProcess.freePort();
        PORTS.put("http", ProxyProcess.freePort());
        String listener = Bootstraps.httpListener("http", "", "common_http_protocol_options: { max_stream_duration: 0.3s }",
                """
                - match: { prefix: "/unlimited" }
                  route: { cluster: web, max_stream_duration: { max_stream_duration: 0s } }
                - match: { prefix: "/" }
                  route: { cluster: web }
                """);
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listener,
                Bootstraps.cluster("web", false, null, upstream.port()), PORTS), admin, List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
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
}

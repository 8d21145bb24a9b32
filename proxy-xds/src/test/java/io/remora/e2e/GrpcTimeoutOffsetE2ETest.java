package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RouteAction.max_stream_duration.grpc_timeout_header_offset and the deprecated
 * grpc_timeout_offset: what is taken off a gRPC request's grpc-timeout, as the upstream sees it in
 * the rewritten grpc-timeout and (from the router, under the deprecated fields only)
 * x-envoy-expected-rq-timeout-ms.
 */
class GrpcTimeoutOffsetE2ETest {

    private static final String ROUTES = """
            - match: { prefix: "/header/" }
              route:
                cluster: up
                max_stream_duration: { grpc_timeout_header_max: 0s, grpc_timeout_header_offset: 2s }
            - match: { prefix: "/capped/" }
              route:
                cluster: up
                max_stream_duration: { grpc_timeout_header_max: 5s, grpc_timeout_header_offset: 2s }
            - match: { prefix: "/legacy/" }
              route:
                cluster: up
                max_grpc_timeout: 0s
                grpc_timeout_offset: 2s
            """;

    private static HttpResponse<String> grpc(int port, String path, String grpcTimeout) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("content-type", "application/grpc").timeout(java.time.Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString("x"));
        if (grpcTimeout != null) {
            b.header("grpc-timeout", grpcTimeout);
        }
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(b.build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theOffsetIsTakenOffTheGrpcTimeoutHeader() throws Exception {
        // The upstream answers /header/slow after 0.5 s: well within its 2 s grpc-timeout, unless the
        // offset takes all of it.
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            if (req.uri().equals("/header/slow")) {
                req.retain();
                ctx.executor().schedule(() -> {
                    TestUpstream.send(ctx, req, 200, "late");
                    req.release();
                }, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
            } else {
                TestUpstream.send(ctx, req, 200, "ok");
            }
        })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), ROUTES,
                    Bootstraps.cluster("up", false, null, up.port()));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                // 10 s less the 2 s offset, in grpc-timeout alone: a route with max_stream_duration
                // leaves the router no timeout to tell (Envoy's usingNewTimeouts).
                assertUpstreamSaw(port, up, "/header/a", "10S", "8000m", null);
                // Capped to 5 s first, then the offset: 3 s.
                assertUpstreamSaw(port, up, "/capped/a", "10S", "3000m", null);
                // Without a grpc-timeout the stream has no duration limit: nothing to tell.
                assertUpstreamSaw(port, up, "/capped/b", null, null, null);
                // The deprecated offset comes off before the cap; the router tells both headers.
                assertUpstreamSaw(port, up, "/legacy/a", "10S", "8000m", "8000");
                // The deprecated offset is not applied when it would use the whole timeout up.
                assertUpstreamSaw(port, up, "/legacy/b", "1500m", "1500m", "1500");

                // The header offset using the whole timeout up ends the stream at once: the connection
                // manager's max stream duration, answered to gRPC as DEADLINE_EXCEEDED.
                HttpResponse<String> r = grpc(port, "/header/slow", "2S");
                assertEquals(200, r.statusCode());
                assertEquals("4", r.headers().firstValue("grpc-status").orElse(null), r.headers().toString());
                assertEquals("downstream duration timeout", r.headers().firstValue("grpc-message").orElse(null));
            }
        }
    }

    private static void assertUpstreamSaw(int port, TestUpstream up, String path, String grpcTimeout,
                                          String upstreamGrpcTimeout, String expectedMillis) throws Exception {
        HttpResponse<String> r = grpc(port, path, grpcTimeout);
        assertEquals(200, r.statusCode(), path);
        assertEquals(path, up.lastHeaders.get(":path"));
        assertEquals(expectedMillis, up.lastHeaders.get("x-envoy-expected-rq-timeout-ms"), path);
        assertEquals(upstreamGrpcTimeout, up.lastHeaders.get("grpc-timeout"), path);
    }
}

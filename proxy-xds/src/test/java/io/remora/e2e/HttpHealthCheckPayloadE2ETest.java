package io.remora.e2e;

import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP health checks beyond the status: {@code method} with a {@code send} body, {@code receive}
 * blocks found in order in a 200's body (a body without them fails the host), and
 * {@code service_name_matcher} against {@code x-envoy-upstream-healthchecked-cluster}.
 */
class HttpHealthCheckPayloadE2ETest {

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String healthCheck(String httpCheck) {
        return Bootstraps.fastHealthCheck("http_health_check: " + httpCheck);
    }

    @Test
    void methodPayloadsAndServiceName() throws Exception {
        AtomicBoolean ok = new AtomicBoolean(true);
        Map<String, String> seen = new ConcurrentHashMap<>();
        try (TestUpstream upstream = TestUpstream.start((ctx, req, n) -> {
            String path = req.uri();
            seen.put(path, req.method() + " " + req.headers().get("content-length") + " "
                    + req.content().toString(StandardCharsets.UTF_8));
            byte[] body = (ok.get() ? "{\"status\": \"ok\"}" : "{\"status\": \"down\"}").getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(body));
            r.headers().set("content-length", body.length);
            r.headers().set("x-envoy-upstream-healthchecked-cluster", ok.get() ? "svc-a" : "svc-b");
            ctx.writeAndFlush(r);
        })) {
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("web", ProxyProcess.freePort());
            String clusters = String.join("\n",
                    Bootstraps.cluster("payload", false, healthCheck("""
                            { path: /payload, method: POST, send: { text: "%s" },
                              receive: [ { text: "%s" }, { text: "%s" } ] }""".formatted(
                            hex("{\"probe\":1}"), hex("status"), hex("ok"))), upstream.port()),
                    Bootstraps.cluster("service", false, healthCheck("""
                            { path: /service, service_name_matcher: { exact: svc-a } }"""), upstream.port()),
                    Bootstraps.cluster("head", false, healthCheck("{ path: /head, method: HEAD }"), upstream.port()));
            String yaml = Bootstraps.listeners(admin,
                    Bootstraps.httpListener("web", "", "", "- match: { prefix: / }\n  route: { cluster: payload }"),
                    clusters, ports);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                for (String c : new String[] {"payload", "service", "head"}) {
                    await("host of " + c + " healthy", proxy, c, upstream.port(), false);
                }
                assertEquals("POST 11 {\"probe\":1}", seen.get("/payload"));
                assertTrue(seen.get("/head").startsWith("HEAD "), seen.get("/head"));
                assertTrue(seen.get("/service").startsWith("GET "), seen.get("/service"));

                ok.set(false);
                await("payload without \"ok\" fails", proxy, "payload", upstream.port(), true);
                await("another service's name fails", proxy, "service", upstream.port(), true);
                String head = ResilienceE2ETest.healthFlags(proxy, "head", upstream.port());
                assertTrue(!head.contains("failed_active_hc") && !head.equals("(absent)"), "HEAD checks only the status: " + head);
                assertTrue(proxy.metric("envoy_cluster_health_check_verify_cluster{envoy_cluster_name=\"service\"}") >= 2);

                ok.set(true);
                await("payload healthy again", proxy, "payload", upstream.port(), false);
            }
        }
    }

    private static void await(String what, ProxyProcess proxy, String cluster, int port, boolean failed)
            throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            String flags = ResilienceE2ETest.healthFlags(proxy, cluster, port);
            if (failed == flags.contains("failed_active_hc") && !flags.equals("(absent)")) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what + " (health_flags " + flags + ")");
            }
            Thread.sleep(50);
        }
    }
}

package io.remora.e2e;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A host failing its HTTP health check: an idle keep-alive connection of the HTTP pool is closed
 * (the pool drains, as Envoy's do on any host health failure), and with
 * {@code close_connections_on_host_health_failure} a connection held open through
 * {@code tcp_proxy} is closed too (its client reads EOF); without the option that one stays.
 */
class HostHealthFailureE2ETest {

    private static final String HEALTH_CHECK = Bootstraps.fastHealthCheck("http_health_check: { path: /healthz }");

    @ParameterizedTest(name = "close_connections_on_host_health_failure={0}")
    @ValueSource(booleans = {true, false})
    void connectionsToAFailedHost(boolean close) throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        try (TestUpstream upstream = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req,
                req.uri().equals("/healthz") && !healthy.get() ? 503 : 200, "ok"))) {
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("web", ProxyProcess.freePort(), "raw", ProxyProcess.freePort());
            String option = "  close_connections_on_host_health_failure: " + close + "\n" + HEALTH_CHECK;
            String yaml = Bootstraps.listeners(admin,
                    Bootstraps.httpListener("web", "", "", "- match: { prefix: / }\n  route: { cluster: web }")
                            + "\n" + Bootstraps.tcpListener("raw", "raw"),
                    Bootstraps.cluster("web", false, option, upstream.port())
                            + Bootstraps.cluster("raw", false, option, upstream.port()), ports);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin,
                    List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
                 Socket raw = new Socket("127.0.0.1", ports.get("raw"))) {
                for (String c : List.of("web", "raw")) {
                    await("host of " + c + " healthy", () -> ResilienceE2ETest.healthFlags(proxy, c, upstream.port())
                            .equals("healthy"));
                }
                // An HTTP request leaves its upstream connection idle in the pool.
                assertEquals(200, Curl.run("http://127.0.0.1:" + ports.get("web") + "/").status());
                // A keep-alive exchange through tcp_proxy: its upstream connection stays open.
                raw.getOutputStream().write("GET / HTTP/1.1\r\nHost: raw\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                raw.setSoTimeout(5000);
                InputStream in = raw.getInputStream();
                byte[] buf = new byte[4096];
                assertTrue(new String(buf, 0, in.read(buf), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
                assertEquals(1.0, active(proxy, "web"));
                assertEquals(1.0, active(proxy, "raw"));

                healthy.set(false);
                for (String c : List.of("web", "raw")) {
                    await("host of " + c + " unhealthy", () -> ResilienceE2ETest.healthFlags(proxy, c, upstream.port())
                            .contains("failed_active_hc"));
                }
                if (close) {
                    await("pooled and proxied connections closed", () -> active(proxy, "web") == 0
                            && active(proxy, "raw") == 0);
                    raw.setSoTimeout(5000);
                    assertEquals(-1, in.read(buf), "the tcp_proxy client reads EOF");
                } else {
                    await("the pooled connection closed", () -> active(proxy, "web") == 0);
                    Thread.sleep(1000); // several failed checks later
                    assertEquals(1.0, active(proxy, "raw"));
                    raw.setSoTimeout(300);
                    boolean open;
                    try {
                        open = in.read(buf) != -1;
                    } catch (SocketTimeoutException e) {
                        open = true;
                    }
                    assertTrue(open, "the tcp_proxy connection stays");
                }
            }
        }
    }

    private static double active(ProxyProcess proxy, String cluster) {
        try {
            return proxy.metric("envoy_cluster_upstream_cx_active{envoy_cluster_name=\"" + cluster + "\"}");
        } catch (Exception e) {
            return -1;
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(50);
        }
    }
}

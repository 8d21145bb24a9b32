package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code --component-log-level router:debug} the router says why it retries and times out,
 * as Envoy's does, and {@code /clusters} counts the host's {@code rq_timeout}.
 */
class RouterDebugLogE2ETest {

    private static int get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void retriesAndTimeoutsAreLoggedAndCountedPerHost() throws Exception {
        // /fail always answers 503; /slow never answers.
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            if (req.uri().startsWith("/fail")) {
                TestUpstream.send(ctx, req, 503, "no");
            }
        })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match: { prefix: "/fail" }
                      route:
                        cluster: up
                        retry_policy: { retry_on: 5xx, num_retries: 2, retry_back_off: { base_interval: 0.01s } }
                    - match: { prefix: "/slow" }
                      route: { cluster: up, timeout: 0.5s }
                    """;
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes,
                    Bootstraps.cluster("up", false, null, up.port()));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m"),
                    "-l", "info", "--component-log-level", "router:debug")) {
                assertEquals(503, get(port, "/fail"));
                assertEquals(504, get(port, "/slow"));
                long deadline = System.currentTimeMillis() + 10_000;
                while (!proxy.log().contains("upstream timeout") && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                String log = proxy.log();
                assertTrue(java.util.regex.Pattern.compile("\\[debug]\\[router] \\[Tags: \"ConnectionId\":\"\\d+\",\"StreamId\":\"\\d+\"] "
                        + "\\[GET /fail -> 'up'] performing retry 1 of 2 in ").matcher(log).find(), log);
                assertTrue(log.contains("ms (upstream answered 503)"), log);
                assertTrue(log.contains("performing retry 2 of 2 in "), log);
                assertTrue(log.contains("retry limit exceeded (upstream answered 503): 2 of 2 retries done"), log);
                assertTrue(log.contains("[GET /slow -> 'up'] upstream timeout"), log);
                String clusters = proxy.admin("/clusters");
                assertTrue(clusters.contains("up::127.0.0.1:" + up.port() + "::rq_timeout::1\n"), clusters);
                // Three 503s and the route timeout, whose 504 Envoy's chargeUpstreamAbort charges too.
                assertTrue(clusters.contains("up::127.0.0.1:" + up.port() + "::rq_error::4\n"), clusters);
            }
            // At info the router says nothing of this.
            try (ProxyProcess quiet = ProxyProcess.start(yaml, admin, List.of("-Xmx256m"),
                    "-l", "info")) {
                assertEquals(503, get(port, "/fail"));
                assertFalse(quiet.log().contains("performing retry"), quiet.log());
            }
        }
    }
}

package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a stream may buffer, as Envoy bounds it: the listener's per_connection_buffer_limit_bytes
 * (a filter buffering a larger request body gets a 413; the router gives up retries of a body it
 * can no longer hold), and per_request_buffer_limit_bytes on a route or its virtual host (retries
 * and mirrors given up past it, counted in {@code retry_or_shadow_abandoned}).
 */
class BufferLimitE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    /** Paths the upstream has answered once with a 503 (all but /lua/): a retry of the same path gets a 200. */
    static final Set<String> seen = ConcurrentHashMap.newKeySet();
    static ProxyProcess proxy;
    static Path body4k;
    static Path body512;

    @BeforeAll
    static void start() throws Exception {
        TestUpstream up = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req,
                !req.uri().startsWith("/lua/") && seen.add(req.uri()) ? 503 : 200, req.content().readableBytes() + " bytes"));
        String retry = "retry_policy: { retry_on: 5xx, num_retries: 1 }";
        String routes = """
                - match: { prefix: "/route/" }
                  per_request_buffer_limit_bytes: 1024
                  route: { cluster: by_route, %s }
                - match: { prefix: "/vhost/" }
                  route: { cluster: by_vhost, %s }
                - match: { prefix: "/unbounded/" }
                  per_request_buffer_limit_bytes: 1000000
                  route: { cluster: by_listener, %s }
                - match: { prefix: "/lua/" }
                  per_request_buffer_limit_bytes: 1000000
                  route: { cluster: lua }
                """.formatted(retry, retry, retry);
        String lua = """
                - name: envoy.filters.http.lua
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
                    default_source_code:
                      inline_string: |
                        function envoy_on_request(h)
                          if string.sub(h:headers():get(":path"), 1, 5) == "/lua/" then
                            h:headers():add("x-body-size", tostring(h:body():length()))
                          end
                        end
                """;
        String clusters = Bootstraps.cluster("by_route", false, null, up.port())
                + Bootstraps.cluster("by_vhost", false, null, up.port())
                + Bootstraps.cluster("by_listener", false, null, up.port())
                + Bootstraps.cluster("lua", false, null, up.port());
        String yaml = stack.http(TempPaths.file("access", ".log").toString(), routes, clusters, "", lua)
                .replace("port_value: " + stack.port + " } }\n",
                        "port_value: " + stack.port + " } }\n    per_connection_buffer_limit_bytes: 2048\n")
                .replaceFirst("( +)domains: \\[\"\\*\"\\]\n", "$1domains: [\"*\"]\n$1per_request_buffer_limit_bytes: 1024\n");
        proxy = stack.start(yaml);
        Path dir = TempPaths.directory("bodies");
        body4k = Files.write(dir.resolve("4k"), new byte[4096]);
        body512 = Files.write(dir.resolve("512"), new byte[512]);
    }

    private static Curl post(String path, Path body) throws Exception {
        return Curl.run("--data-binary", "@" + body, "-H", "content-type: application/octet-stream",
                stack.url(path));
    }

    private static double abandoned(String cluster) throws Exception {
        return proxy.metric("envoy_cluster_retry_or_shadow_abandoned{envoy_cluster_name=\"" + cluster + "\"}");
    }

    @Test
    void theRoutesLimitEndsRetriesOfALargerBody() throws Exception {
        assertEquals(200, post("/route/small", body512).status(), "512 bytes are held and replayed");
        Curl big = post("/route/big", body4k);
        assertEquals(503, big.status(), "4 KiB outgrow the route's 1 KiB: the 503 is not retried");
        assertEquals(1.0, abandoned("by_route"));
    }

    @Test
    void aRouteWithoutItsOwnLimitTakesItsVirtualHosts() throws Exception {
        assertEquals(200, post("/vhost/small", body512).status());
        assertEquals(503, post("/vhost/big", body4k).status());
        assertEquals(1.0, abandoned("by_vhost"));
    }

    @Test
    void theListenersLimitBoundsWhatTheRouterHolds() throws Exception {
        Curl big = post("/unbounded/big", body4k);
        assertEquals(503, big.status(), "the route allows 1 MB, the connection 2 KiB");
        assertEquals(1.0, abandoned("by_listener"));
    }

    @Test
    void aFilterBufferingPastTheListenersLimitGetsA413() throws Exception {
        Curl small = post("/lua/small", body512);
        assertEquals(200, small.status());
        assertEquals("512 bytes", new String(small.body()));
        Curl big = post("/lua/big", body4k);
        assertEquals(413, big.status(), new String(big.body()));
        assertEquals("Payload Too Large", new String(big.body()));
    }
}

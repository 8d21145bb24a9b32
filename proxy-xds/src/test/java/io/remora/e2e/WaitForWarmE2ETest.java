package io.remora.e2e;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * wait_for_warm_on_init: a STRICT_DNS cluster whose resolver never answers holds the server's
 * initialization (named in /init_dump) until its first resolution fails, the resolver's own
 * timeout, unless the cluster is told not to wait; either way the proxy then serves its other
 * routes, and the cluster, initialized as Envoy's is after a failed first resolution, has no host.
 */
class WaitForWarmE2ETest {

    @ParameterizedTest(name = "wait_for_warm_on_init={0}")
    @ValueSource(booleans = {false, true})
    void startUpWaitsForTheFirstAnswerOnlyWhenAsked(boolean wait) throws Exception {
        try (E2EStack stack = new E2EStack();
             DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            TestUpstream web = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "web"));
            String dns = """
                    - name: unresolved
                      type: STRICT_DNS
                      connect_timeout: 1s
                      wait_for_warm_on_init: %s
                      dns_resolvers: [ { socket_address: { address: 127.0.0.1, port_value: %d } } ]
                      load_assignment:
                        cluster_name: unresolved
                        endpoints:
                        - lb_endpoints:
                          - endpoint: { address: { socket_address: { address: never.example, port_value: 80 } } }
                    """.formatted(wait, silent.getLocalPort());
            String clusters = Bootstraps.cluster("web", false, null, web.port()) + dns;
            long t0 = System.nanoTime();
            ProxyProcess proxy = stack.start(stack.render(Bootstraps.ingress("", "",
                    "- match: { prefix: / }\n  route: { cluster: web }"),
                    Map.of("CLUSTERS", Bootstraps.indent(clusters, 2))), List.of("-Xmx256m"));
            long readyMillis = (System.nanoTime() - t0) / 1_000_000;
            if (wait) {
                // Ready (LIVE) only once the first resolution failed: the resolver's 5 s query timeout.
                assertTrue(readyMillis >= 4_500, "ready after " + readyMillis + " ms");
            }
            HostHealthFailureE2ETest.await("listener serving", () -> {
                try {
                    return Curl.get(stack.port, "/").status() == 200;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            assertEquals("{}", proxy.admin("/init_dump").trim());
            assertEquals(0.0, proxy.stat("cluster.unresolved.membership_total"));
            assertFalse(proxy.admin("/clusters").contains("unresolved::127.0.0.1"));
        }
    }
}

package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An endpoint's {@code health_check_config} with real upstreams: its checks go to {@code port_value}
 * (a health server beside the one serving traffic) with its {@code hostname} as the host, so that
 * server alone decides the endpoint's health; with {@code disable_active_health_check} the
 * endpoint is never checked and serves though its cluster's checks could never pass.
 */
class EndpointHealthCheckConfigE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final AtomicInteger healthStatus = new AtomicInteger(200);
    static final Set<String> checkHosts = ConcurrentHashMap.newKeySet();
    static final AtomicInteger checksOnTraffic = new AtomicInteger();
    static int port;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        TestUpstream traffic = stack.upstream((ctx, req, n) -> {
            if (req.uri().startsWith("/healthz")) {
                checksOnTraffic.incrementAndGet();
            }
            TestUpstream.send(ctx, req, 200, "served");
        });
        TestUpstream health = stack.upstream((ctx, req, n) -> {
            checkHosts.add(req.headers().get("host"));
            TestUpstream.send(ctx, req, healthStatus.get(), "");
        });
        port = ProxyProcess.freePort();
        String check = Bootstraps.fastHealthCheck("http_health_check: { path: /healthz, host: cluster-host }");
        String checked = Bootstraps.cluster("checked", false, check, traffic.port())
                .replace("port_value: " + traffic.port() + " } } }", "port_value: " + traffic.port() + " } },"
                        + " health_check_config: { port_value: " + health.port() + ", hostname: hc.example } }");
        // Checked, its checks would go to a closed port and never pass.
        String unchecked = Bootstraps.cluster("unchecked", false, check, traffic.port())
                .replace("port_value: " + traffic.port() + " } } }", "port_value: " + traffic.port() + " } },"
                        + " health_check_config: { port_value: " + ProxyProcess.freePort()
                        + ", disable_active_health_check: true } }");
        String http = Bootstraps.httpListener("web", "", "", """
                - match: { prefix: "/unchecked" }
                  route: { cluster: unchecked }
                - match: { prefix: "/" }
                  route: { cluster: checked }
                """);
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, http, checked + "\n" + unchecked, Map.of("web", port)));
    }

    @Test
    void checksGoToTheConfiguredPortWithTheEndpointsHostname() throws Exception {
        for (int i = 0; i < 100 && checkHosts.isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertEquals(Set.of("hc.example"), Set.copyOf(checkHosts), "the endpoint's hostname wins over the checker's host");
        assertEquals(0, checksOnTraffic.get(), "no check reached the traffic port");
        assertEquals("served", Curl.get(port, "/").text());

        // The health server alone decides: failing it takes the endpoint out though it still serves
        // (a single unhealthy host still gets traffic in panic mode, so the stat tells).
        healthStatus.set(503);
        awaitStat("cluster.checked.membership_healthy", 0);
        healthStatus.set(200);
        awaitStat("cluster.checked.membership_healthy", 1);
    }

    static void awaitStat(String name, double value) throws Exception {
        for (int i = 0; i < 100 && proxy.stat(name) != value; i++) {
            Thread.sleep(100);
        }
        assertEquals(value, proxy.stat(name), name);
    }

    @Test
    void anEndpointWithChecksDisabledServesAndIsNeverChecked() throws Exception {
        Thread.sleep(1000); // several check intervals: a checked host would have failed by now
        for (String path : List.of("/unchecked", "/unchecked/again")) {
            assertEquals(200, Curl.get(port, path).status(), path);
        }
        assertEquals(0, checksOnTraffic.get());
        assertEquals(1, proxy.stat("cluster.unchecked.membership_healthy"), "never failed by a check");
    }
}

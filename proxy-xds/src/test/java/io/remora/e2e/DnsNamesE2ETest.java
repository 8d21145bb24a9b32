package io.remora.e2e;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.remora.e2e.DnsRefreshE2ETest.greeter;
import static io.remora.e2e.DnsRefreshE2ETest.greeting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A STRICT_DNS cluster of two names resolves each on its own, as Envoy's resolve targets: a name
 * whose server does not answer holds back neither the other's answers nor its refreshes, and with
 * respect_dns_ttl each name comes back when its own answer's TTL runs out. The names are known only
 * to {@link TestDnsServer}; greeters on 127.0.0.1 and 127.0.0.3, same port, tell which address a
 * proxied connection reached, and /clusters which hosts the cluster has. Also: lookups in flight
 * hold no threads, an address two names resolve to is two hosts, and a LOGICAL_DNS host that
 * moves stays the same host.
 */
class DnsNamesE2ETest {
    private static final String A = "a.remora.test";
    private static final String B = "b.remora.test";

    /** A tcp_proxy listener to cluster svc: STRICT_DNS on A and B, asking {@code dns}, with these fields. */
    private static String bootstrap(int admin, int listener, int port, TestDnsServer dns, String fields) {
        String cluster = """
                - name: svc
                  type: STRICT_DNS
                  dns_lookup_family: V4_ONLY
                  connect_timeout: 1s
                %s%s
                  load_assignment:
                    cluster_name: svc
                    endpoints:
                    - lb_endpoints:
                      - endpoint: { address: { socket_address: { address: %s, port_value: %d } } }
                      - endpoint: { address: { socket_address: { address: %s, port_value: %d } } }
                """.formatted(dns.caresResolver(2), Bootstraps.indent(fields, 2), A, port, B, port);
        return Bootstraps.listeners(admin, Bootstraps.tcpListener("tcp", "svc"), cluster, Map.of("tcp", listener));
    }

    @Test
    void aHeldNameDelaysNeitherTheOthersAnswerNorItsRefreshes() throws Exception {
        int port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        int listener = ProxyProcess.freePort();
        // B's query stays unanswered, and would not time out for 30 s.
        try (TestDnsServer dns = TestDnsServer.start().answer(A, 30, "127.0.0.1").answer(B, 30, "127.0.0.2").hold(B);
             ServerSocket one = greeter("127.0.0.1", port, "one");
             ServerSocket three = greeter("127.0.0.3", port, "three");
             ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, listener, port, dns, "dns_refresh_rate: 0.3s\n"),
                     admin)) {
            assertEquals("one", greeting(listener), "A's host serves while B is unanswered");
            dns.answer(A, 30, "127.0.0.3");
            await("A's new answer is taken at its next refresh", () -> greets(listener, "three"));
            String clusters = proxy.admin("/clusters");
            assertTrue(clusters.contains("svc::127.0.0.3:" + port), clusters);
            assertFalse(clusters.contains("svc::127.0.0.1:" + port), "A's old address left: " + clusters);
            assertFalse(clusters.contains("svc::127.0.0.2:" + port), "B is still unanswered: " + clusters);
            await("A's unchanged answers rebuild nothing", () -> stat(proxy, "cluster.svc.update_no_rebuild") >= 2);
            // As Envoy's: each resolution of each name is an attempt; B's one is under way.
            double attempts = proxy.stat("cluster.svc.update_attempt");
            double successes = proxy.stat("cluster.svc.update_success");
            assertTrue(successes >= 2, "A resolved again and again: " + successes);
            assertTrue(attempts >= successes + 1, attempts + " attempts, " + successes + " successes");
            assertEquals(0, proxy.stat("cluster.svc.update_failure"));

            dns.release();
            await("B's host joins once answered",
                    () -> admin(proxy, "/clusters").contains("svc::127.0.0.2:" + port));
        }
    }

    @Test
    void withRespectDnsTtlEachNameFollowsItsOwnTtl() throws Exception {
        int port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        int listener = ProxyProcess.freePort();
        // A's TTL is 1 s, B's 600 s: B is not asked again while the test runs, however often A is.
        try (TestDnsServer dns = TestDnsServer.start().answer(A, 1, "127.0.0.1").answer(B, 600, "127.0.0.3");
             ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, listener, port, dns,
                     "dns_refresh_rate: 600s\nrespect_dns_ttl: true\n"), admin)) {
            await("both names resolved", () -> admin(proxy, "/clusters").contains("svc::127.0.0.1:" + port)
                    && admin(proxy, "/clusters").contains("svc::127.0.0.3:" + port));
            dns.answer(A, 1, "127.0.0.2").answer(B, 600, "127.0.0.4");
            await("A is asked again when its 1 s TTL runs out",
                    () -> admin(proxy, "/clusters").contains("svc::127.0.0.2:" + port));
            Thread.sleep(1_500); // another of A's TTLs
            String clusters = proxy.admin("/clusters");
            assertTrue(clusters.contains("svc::127.0.0.3:" + port), "B keeps its answer until its TTL: " + clusters);
            assertFalse(clusters.contains("svc::127.0.0.4:" + port), "B was not asked again: " + clusters);
            assertFalse(clusters.contains("svc::127.0.0.1:" + port), clusters);
        }
    }

    @Test
    void aLogicalDnsHostKeepsItsStatsWhenItsAddressMoves() throws Exception {
        int port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        int listener = ProxyProcess.freePort();
        try (TestDnsServer dns = TestDnsServer.start().answer(A, 30, "127.0.0.1");
             ServerSocket one = httpUpstream("127.0.0.1", port, "one");
             ServerSocket three = httpUpstream("127.0.0.3", port, "three")) {
            String cluster = """
                    - name: svc
                      type: LOGICAL_DNS
                      dns_lookup_family: V4_ONLY
                      dns_refresh_rate: 0.3s
                      connect_timeout: 1s
                    %s
                      load_assignment:
                        cluster_name: svc
                        endpoints:
                        - lb_endpoints:
                          - endpoint: { address: { socket_address: { address: %s, port_value: %d } } }
                    """.formatted(dns.caresResolver(2), A, port);
            String web = Bootstraps.httpListener("web", "", "", "- match: { prefix: \"/\" }\n  route: { cluster: svc }\n");
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, web, cluster, Map.of("web", listener)),
                    admin)) {
                int requests = 0;
                for (; requests < 3; requests++) {
                    assertEquals("one", AdditionalAddressesE2ETest.get("127.0.0.1", listener));
                }
                dns.answer(A, 30, "127.0.0.3");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
                String got = "";
                while (!got.equals("three")) {
                    assertTrue(System.nanoTime() < deadline, "the new address is used");
                    Thread.sleep(100);
                    got = AdditionalAddressesE2ETest.get("127.0.0.1", listener);
                    requests++;
                }
                // Envoy's one logical host: the same host at its new address, its counters kept.
                String clusters = proxy.admin("/clusters");
                assertFalse(clusters.contains("svc::127.0.0.1:" + port), clusters);
                assertTrue(clusters.contains("svc::127.0.0.3:" + port + "::rq_total::" + requests + "\n"),
                        requests + " requests: " + clusters);
            }
        }
    }

    /** An HTTP/1.1 upstream on {@code ip:port} answering every request {@code body}, one request per connection. */
    private static ServerSocket httpUpstream(String ip, int port, String body) throws Exception {
        ServerSocket server = new ServerSocket();
        server.bind(new java.net.InetSocketAddress(ip, port));
        io.remora.testing.SocketServers.acceptEach(server, "upstream-" + ip, s -> {
            try (s) {
                java.io.InputStream in = s.getInputStream();
                int matched = 0;
                while (matched < 4) { // the request head ends at its empty line
                    int c = in.read();
                    if (c < 0) {
                        return;
                    }
                    matched = c == "\r\n\r\n".charAt(matched) ? matched + 1 : c == '\r' ? 1 : 0;
                }
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\ncontent-length: " + body.length()
                        + "\r\nconnection: close\r\n\r\n" + body).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } catch (java.io.IOException e) {
                // the proxy went
            }
        });
        return server;
    }

    @Test
    void anAddressOfTwoNamesIsTwoHosts() throws Exception {
        int port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        int listener = ProxyProcess.freePort();
        String c = "c.remora.test";
        // A and B name the same address: as Envoy's resolve targets, each keeps its own host, so
        // round robin over [A's, B's, C's] sends 127.0.0.1 twice C's share (each worker's rotation
        // starts at random: at least 36 of 60; at most 31 were the address one host).
        try (TestDnsServer dns = TestDnsServer.start().answer(A, 30, "127.0.0.1").answer(B, 30, "127.0.0.1")
                .answer(c, 30, "127.0.0.3");
             ServerSocket one = httpUpstream("127.0.0.1", port, "one");
             ServerSocket three = httpUpstream("127.0.0.3", port, "three")) {
            String cluster = """
                    - name: svc
                      type: STRICT_DNS
                      dns_lookup_family: V4_ONLY
                      connect_timeout: 1s
                    %s
                      load_assignment:
                        cluster_name: svc
                        endpoints:
                        - lb_endpoints:
                          - endpoint: { address: { socket_address: { address: %s, port_value: %d } } }
                          - endpoint: { address: { socket_address: { address: %s, port_value: %d } } }
                          - endpoint: { address: { socket_address: { address: %s, port_value: %d } } }
                    """.formatted(dns.caresResolver(2), A, port, B, port, c, port);
            String web = Bootstraps.httpListener("web", "", "", "- match: { prefix: \"/\" }\n  route: { cluster: svc }\n");
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, web, cluster, Map.of("web", listener)),
                    admin)) {
                String hostLine = "svc::127.0.0.1:" + port + "::hostname::";
                await("every name resolved", () -> admin(proxy, "/clusters").contains("svc::127.0.0.3:" + port)
                        && admin(proxy, "/clusters").split(java.util.regex.Pattern.quote(hostLine), -1).length == 3);
                Map<String, Integer> served = new java.util.HashMap<>();
                for (int i = 0; i < 60; i++) {
                    served.merge(AdditionalAddressesE2ETest.get("127.0.0.1", listener), 1, Integer::sum);
                }
                int ones = served.getOrDefault("one", 0);
                assertTrue(ones >= 36 && ones + served.getOrDefault("three", 0) == 60, served.toString());
                // /clusters lists each host with its own counters, as Envoy's (the address twice).
                String clusters = proxy.admin("/clusters");
                assertTrue(clusters.contains(hostLine + A + "\n") && clusters.contains(hostLine + B + "\n"), clusters);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "svc::127\\.0\\.0\\.1:" + port + "::rq_total::(\\d+)").matcher(clusters);
                java.util.List<Integer> totals = new java.util.ArrayList<>();
                while (m.find()) {
                    totals.add(Integer.parseInt(m.group(1)));
                }
                assertEquals(2, totals.size(), clusters);
                assertTrue(totals.get(0) > 0 && totals.get(1) > 0 && totals.get(0) + totals.get(1) == ones, clusters);
            }
        }
    }

    @Test
    void namesWaitingForTheirServerHoldNoThreads() throws Exception {
        int port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        int listener = ProxyProcess.freePort();
        int held = 150;
        StringBuilder endpoints = new StringBuilder();
        for (int i = 0; i < held; i++) {
            endpoints.append("- endpoint: { address: { socket_address: { address: n%d.remora.test, port_value: %d } } }\n"
                    .formatted(i, port));
        }
        // A answers and initializes the cluster; the other names' queries stay unanswered for 30 s.
        try (TestDnsServer dns = TestDnsServer.start().answer(A, 30, "127.0.0.1")) {
            for (int i = 0; i < held; i++) {
                dns.answer("n" + i + ".remora.test", 30, "127.0.0.2").hold("n" + i + ".remora.test");
            }
            String cluster = """
                    - name: svc
                      type: STRICT_DNS
                      dns_lookup_family: V4_ONLY
                      connect_timeout: 1s
                    %s
                      load_assignment:
                        cluster_name: svc
                        endpoints:
                        - lb_endpoints:
                          - endpoint: { address: { socket_address: { address: %s, port_value: %d } } }
                    %s""".formatted(dns.caresResolver(2), A, port, endpoints.toString().indent(6));
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, Bootstraps.tcpListener("tcp", "svc"),
                    cluster, Map.of("tcp", listener)), admin)) {
                await("every name's lookup started", () -> stat(proxy, "cluster.svc.update_attempt") >= held + 1);
                // As c-ares': lookups under way are queries in flight, not threads waiting for them.
                long lookupThreads = threadsNamed(proxy.pid(), "remora-dns-look");
                assertTrue(lookupThreads < 4, lookupThreads + " lookup threads for " + held + " names in flight");
                dns.release();
                await("the held names' hosts join once answered", () -> admin(proxy, "/clusters")
                        .contains("svc::127.0.0.2:" + port + "::cx_active"));
            }
        }
    }

    /** How many of a process's threads have this name (Linux keeps its first 15 characters). */
    static long threadsNamed(long pid, String prefix) throws java.io.IOException {
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.filter(t -> {
                try {
                    return java.nio.file.Files.readString(t.resolve("comm")).startsWith(prefix);
                } catch (java.io.IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    private static boolean greets(int listener, String expected) {
        try {
            return expected.equals(greeting(listener));
        } catch (Exception e) {
            return false;
        }
    }

    private static double stat(ProxyProcess proxy, String name) {
        try {
            return proxy.stat(name);
        } catch (Exception e) {
            return 0;
        }
    }

    private static String admin(ProxyProcess proxy, String path) {
        try {
            return proxy.admin(path);
        } catch (Exception e) {
            return "";
        }
    }

    /** Waits up to 8 s for {@code done}, polling. */
    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out: " + what);
            Thread.sleep(100);
        }
    }
}

package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An endpoint's additional_addresses, tried by happy eyeballs as Envoy does: the next address at
 * once when an attempt is refused, or 300 ms after one that does not answer (a listening socket
 * whose accept queue is full drops the SYN); the first to connect carries the traffic, the host
 * keeps its primary address as its identity, and every attempt counts in {@code upstream_cx_total}.
 * {@code happy_eyeballs_config} chooses which family goes first. A LOGICAL_DNS host is the
 * answer's first address with the whole answer to try, as Envoy's logical host.
 */
class HappyEyeballsE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static final int TCP_PORT = ProxyProcess.freePort();
    static ProxyProcess proxy;
    static Path log;
    static int good;
    static int goodTls;
    static int silent;
    static int silent6;
    static List<Integer> closed;

    @BeforeAll
    static void start() throws Exception {
        good = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "from good")).port();
        goodTls = stack.own(TestUpstream.startTls(io.remora.testing.TestCerts.ca("he-ca").issue("upstream", "upstream.example"),
                (ctx, req, n) -> TestUpstream.send(ctx, req, 200, "from tls"))).port();
        silent = unanswering(InetAddress.getByName("127.0.0.1"));
        silent6 = unanswering(InetAddress.getByName("::1"));
        closed = List.of(ProxyProcess.freePort(), ProxyProcess.freePort(), ProxyProcess.freePort(),
                ProxyProcess.freePort());
        log = io.remora.testing.TempPaths.file("happy-eyeballs", ".log");
        // Nothing listens on 127.0.0.2: the answer's first address is refused, its second serves.
        TestDnsServer dns = stack.own(TestDnsServer.start().answer("svc.remora.test", 30, "127.0.0.2", "127.0.0.1"));
        String hcm = Bootstraps.fileAccessLog(log, "%REQ(:PATH)% %RESPONSE_CODE% %UPSTREAM_HOST% %UPSTREAM_REMOTE_ADDRESS%");
        String http = Bootstraps.httpListener("web", "", hcm, """
                - match: { prefix: "/warm" }
                  route: { cluster: plain }
                - match: { prefix: "/refused" }
                  route: { cluster: refused }
                - match: { prefix: "/silent" }
                  route: { cluster: silent }
                - match: { prefix: "/v6first" }
                  route: { cluster: v6first }
                - match: { prefix: "/v4first" }
                  route: { cluster: v4first }
                - match: { prefix: "/tls" }
                  route: { cluster: silent_tls }
                - match: { prefix: "/logical" }
                  route: { cluster: logical }
                """);
        String clusters = String.join("\n",
                cluster("plain", "", "127.0.0.1", good),
                cluster("refused", "", "127.0.0.1", closed.get(0), "127.0.0.1", closed.get(1), "127.0.0.1",
                        closed.get(2), "127.0.0.1", closed.get(3), "127.0.0.1", good),
                cluster("silent", "", "127.0.0.1", silent, "127.0.0.1", good),
                cluster("silent_tcp", "", "127.0.0.1", silent, "127.0.0.1", good),
                cluster("silent_tls", "transport_socket: { name: envoy.transport_sockets.tls, typed_config: { \"@type\":"
                        + " type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext } }\n",
                        "127.0.0.1", silent, "127.0.0.1", goodTls),
                // The primary (IPv4) answers, the IPv6 one never does: only the order differs.
                cluster("v6first", "upstream_connection_options: { happy_eyeballs_config: { first_address_family_version: V6 } }\n",
                        "127.0.0.1", good, "::1", silent6),
                cluster("v4first", "", "127.0.0.1", good, "::1", silent6),
                """
                - name: logical
                  type: LOGICAL_DNS
                  dns_lookup_family: V4_ONLY
                  dns_resolvers: [ { socket_address: { address: 127.0.0.1, port_value: %d } } ]
                  connect_timeout: 5s
                  load_assignment:
                    cluster_name: logical
                    endpoints:
                    - lb_endpoints:
                      - endpoint: { address: { socket_address: { address: svc.remora.test, port_value: %d } } }
                """.formatted(dns.port(), good));
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, http + "\n" + Bootstraps.tcpListener("tcp", "silent_tcp"),
                clusters, Map.of("web", stack.port, "tcp", TCP_PORT)));
        // Class loading and the first connection of the proxy happen here, not in a timed request.
        assertEquals(200, Curl.get(stack.port, "/warm").status());
    }

    /** A STATIC cluster of one endpoint: the first (host, port) its address, the rest its additional_addresses. */
    static String cluster(String name, String extra, Object... hostPorts) {
        StringBuilder additional = new StringBuilder();
        for (int i = 2; i < hostPorts.length; i += 2) {
            additional.append("            - address: { socket_address: { address: \"").append(hostPorts[i])
                    .append("\", port_value: ").append(hostPorts[i + 1]).append(" } }\n");
        }
        return """
                - name: %s
                  type: STATIC
                  connect_timeout: 5s
                %s  load_assignment:
                    cluster_name: %s
                    endpoints:
                    - lb_endpoints:
                      - endpoint:
                          address: { socket_address: { address: "%s", port_value: %s } }
                          additional_addresses:
                %s""".formatted(name, extra.isEmpty() ? "" : "  " + extra, name, hostPorts[0], hostPorts[1], additional);
    }

    /**
     * A port that takes no connection: a listening socket whose accept queue is filled and never
     * drained, so the kernel drops further SYNs and a connect to it just waits.
     */
    static int unanswering(InetAddress address) throws Exception {
        ServerSocket server = stack.own(new ServerSocket(0, 1, address));
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(address, server.getLocalPort()), 200);
                stack.own(s);
            } catch (SocketTimeoutException full) {
                s.close();
                return server.getLocalPort();
            }
        }
        throw new IllegalStateException("the accept queue of " + address + " never filled");
    }

    static long timedStatus(int port, String path, int expected) throws Exception {
        long t0 = System.nanoTime();
        assertEquals(expected, Curl.get(port, path).status(), path);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    static String logLine(String path) throws Exception {
        for (int i = 0; i < 50; i++) {
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith(path + " ")) {
                    return line;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no access log line for " + path + " in " + Files.readString(log));
    }

    @Test
    void refusedAddressesAreSkippedAtOnce() throws Exception {
        long ms = timedStatus(stack.port, "/refused", 200);
        // Waiting 300 ms after each refusal would take 1.2 s at least.
        assertTrue(ms < 900, "took " + ms + " ms");
        assertEquals(5, proxy.stat("cluster.refused.upstream_cx_total"), "every attempt is a connection");
        assertEquals(0, proxy.stat("cluster.refused.upstream_cx_connect_fail"), "the connection as a whole succeeded");
        String clusters = proxy.admin("/clusters");
        assertTrue(clusters.contains("refused::127.0.0.1:" + closed.get(0) + "::cx_total::5"), clusters);
        assertEquals("/refused 200 127.0.0.1:" + closed.get(0) + " 127.0.0.1:" + good, logLine("/refused"),
                "the host is its primary address; the connection went to the one that answered");
    }

    @Test
    void aSilentAddressGetsTheNextTriedAfter300Ms() throws Exception {
        long ms = timedStatus(stack.port, "/silent", 200);
        assertTrue(ms >= 300, "took " + ms + " ms");
        assertTrue(ms < 4000, "the connect timeout was not waited for: " + ms + " ms");
        assertEquals(2, proxy.stat("cluster.silent.upstream_cx_total"));
        assertEquals("/silent 200 127.0.0.1:" + silent + " 127.0.0.1:" + good, logLine("/silent"));
    }

    @Test
    void overTlsTheWinnerIsTheFirstHandshakeDone() throws Exception {
        Curl r = Curl.get(stack.port, "/tls");
        assertEquals(200, r.status());
        assertEquals("from tls", r.text(), "the response read right after the handshake reached the pool");
        assertEquals(2, proxy.stat("cluster.silent_tls.upstream_cx_total"));
    }

    @Test
    void tcpProxyTriesTheAddressesToo() throws Exception {
        long ms = timedStatus(TCP_PORT, "/through-tcp", 200);
        assertTrue(ms >= 300, "took " + ms + " ms");
        assertEquals(2, proxy.stat("cluster.silent_tcp.upstream_cx_total"));
        assertEquals(0, proxy.stat("cluster.silent_tcp.upstream_cx_connect_fail"));
    }

    @Test
    void aLogicalDnsHostTriesTheWholeAnswer() throws Exception {
        assertEquals(200, Curl.get(stack.port, "/logical").status());
        assertEquals(2, proxy.stat("cluster.logical.upstream_cx_total"));
        String clusters = proxy.admin("/clusters");
        assertTrue(clusters.contains("logical::127.0.0.2:" + good + "::cx_total::2"), "one host, the answer's first: " + clusters);
    }

    @Test
    void happyEyeballsConfigPutsItsFamilyFirst() throws Exception {
        long ms = timedStatus(stack.port, "/v6first", 200);
        assertTrue(ms >= 300, "the silent IPv6 address went first: " + ms + " ms");
        assertEquals(2, proxy.stat("cluster.v6first.upstream_cx_total"));
        // Without a config the primary's family leads: the IPv4 address answers, no second attempt.
        assertEquals(200, Curl.get(stack.port, "/v4first").status());
        assertEquals(1, proxy.stat("cluster.v4first.upstream_cx_total"));
    }
}

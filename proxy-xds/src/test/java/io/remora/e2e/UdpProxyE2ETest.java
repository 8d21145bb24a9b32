package io.remora.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UDP listeners with udp_proxy as Envoy's udp sandbox configures them, against real UDP echo
 * upstreams: sessions per client socket, idle timeout, a matcher on the source address, the
 * circuit breaker as session limit and the listener's datagram size limit.
 */
class UdpProxyE2ETest {
    private final List<DatagramSocket> sockets = new ArrayList<>();

    @AfterEach
    void close() {
        sockets.forEach(DatagramSocket::close);
    }

    /** An upstream that answers each datagram with its name and the payload; senders records who sent. */
    private int echo(String name, Set<InetSocketAddress> senders) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        sockets.add(s);
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65535];
            while (!s.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    s.receive(p);
                    senders.add((InetSocketAddress) p.getSocketAddress());
                    byte[] reply = (name + ":" + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8);
                    s.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                } catch (IOException closed) {
                    return;
                }
            }
        }, "udp-echo-" + name);
        t.setDaemon(true);
        t.start();
        return s.getLocalPort();
    }

    private DatagramSocket client(String ip) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(ip, 0));
        s.setSoTimeout(3000);
        sockets.add(s);
        return s;
    }

    /** Sends payload to the proxy's port and returns the answer, or null when none came. */
    private static String exchange(DatagramSocket c, int port, String payload) throws IOException {
        send(c, port, payload);
        return receive(c, port);
    }

    /**
     * Sends payload where the proxy must drop it: once {@code stat} has counted the drop, waits
     * half a second more for an answer, and returns it (null when none came, as it should be).
     */
    private static String exchangeDropped(DatagramSocket c, int port, String payload, ProxyProcess proxy, String stat)
            throws Exception {
        double before = proxy.stat(stat);
        send(c, port, payload);
        HostHealthFailureE2ETest.await(stat, () -> proxy.stat(stat) > before);
        int timeout = c.getSoTimeout();
        c.setSoTimeout(500);
        try {
            return receive(c, port);
        } finally {
            c.setSoTimeout(timeout);
        }
    }

    private static void send(DatagramSocket c, int port, String payload) throws IOException {
        byte[] out = payload.getBytes(StandardCharsets.UTF_8);
        c.send(new DatagramPacket(out, out.length, InetAddress.getLoopbackAddress(), port));
    }

    /** The next datagram from the proxy's port, or null when none came within the socket's timeout. */
    private static String receive(DatagramSocket c, int port) throws IOException {
        byte[] in = new byte[65535];
        DatagramPacket p = new DatagramPacket(in, in.length);
        try {
            c.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        assertEquals(port, p.getPort(), "the answer comes from the listener's port");
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    /**
     * A UDP listener item for {@link Bootstraps#listeners}: 127.0.0.1 on port {@code ${port}}, its
     * {@code listenerFields} (YAML lines) and a udp_proxy with stat prefix {@code name} and {@code proxyFields}.
     */
    private static String listener(String name, String port, String listenerFields, String proxyFields) {
        String fields = listenerFields.isEmpty() ? "" : Bootstraps.indent(listenerFields, 2) + "\n";
        return """
                - name: %s
                  address: { socket_address: { protocol: UDP, address: 127.0.0.1, port_value: ${%s} } }
                %s  listener_filters:
                  - name: envoy.filters.udp_listener.udp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig
                      stat_prefix: %s
                %s
                """.formatted(name, port, fields, name, Bootstraps.indent(proxyFields, 6));
    }

    private static String route(String cluster) {
        return "{ action: { name: route, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route, cluster: "
                + cluster + " } } }";
    }

    @Test
    void sessionsRelayBothWaysRouteByMatcherAndEndWhenIdle() throws Exception {
        Set<InetSocketAddress> seenByA = ConcurrentHashMap.newKeySet();
        int a = echo("a", seenByA);
        int b = echo("b", ConcurrentHashMap.newKeySet());
        int limited = echo("limited", ConcurrentHashMap.newKeySet());
        int admin = ProxyProcess.freePort();
        Map<String, Integer> ports = Map.of("PLAIN", ProxyProcess.freePort(), "ROUTED", ProxyProcess.freePort(),
                "LIMITED", ProxyProcess.freePort());
        java.nio.file.Path sessionLog = io.remora.testing.TempPaths.file("udp-sessions", ".log");
        String listeners = listener("plain", "PLAIN", "udp_listener_config: {}\n", """
                cluster: a
                idle_timeout: 1s
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format:
                      text_format_source:
                        inline_string: "%%DYNAMIC_METADATA(udp.proxy.session:cluster_name)%% rx=%%DYNAMIC_METADATA(udp.proxy.session:datagrams_received)%% tx=%%DYNAMIC_METADATA(udp.proxy.session:bytes_sent)%% %%UPSTREAM_HOST%% %%UPSTREAM_CLUSTER%% %%UPSTREAM_CLUSTER_RAW%%\\n"
                """.formatted(sessionLog)) + listener("routed", "ROUTED", "", """
                matcher:
                  matcher_tree:
                    input: { name: src, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourceIPInput } }
                    exact_match_map: { map: { "127.0.0.2": %s, "127.0.0.3": %s } }
                  on_no_match: %s
                """.formatted(route("b"), route("missing"), route("a")))
                + listener("limited", "LIMITED", "udp_listener_config: { downstream_socket_config: { max_rx_datagram_size: 100 } }\n",
                "cluster: limited\n");
        // alt_stat_name: the session log's %UPSTREAM_CLUSTER% is it, as Envoy's observability name.
        String clusters = Bootstraps.cluster("a", false, "  alt_stat_name: a_alt\n", a) + "\n"
                + Bootstraps.cluster("b", false, null, b)
                + "\n" + Bootstraps.cluster("limited", false, """
                  circuit_breakers: { thresholds: [{ max_connections: 1 }] }
                """, limited);
        try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin)) {
            int plain = ports.get("PLAIN");
            DatagramSocket one = client("127.0.0.1");
            DatagramSocket two = client("127.0.0.1");
            assertEquals("a:one-1", exchange(one, plain, "one-1"), proxy.log());
            assertEquals("a:two-1", exchange(two, plain, "two-1"));
            assertEquals("a:one-2", exchange(one, plain, "one-2"));
            // Two peers, two sessions: the upstream saw two sources, each the proxy's own socket.
            assertEquals(2, seenByA.size(), seenByA.toString());
            assertEquals(2, proxy.stat("udp.plain.downstream_sess_total"));
            assertEquals(2, proxy.stat("udp.plain.downstream_sess_active"));
            assertEquals(3, proxy.stat("udp.plain.downstream_sess_rx_datagrams"));
            assertEquals("one-1two-1one-2".length(), proxy.stat("udp.plain.downstream_sess_rx_bytes"));
            assertEquals(3, proxy.stat("udp.plain.downstream_sess_tx_datagrams"));
            assertEquals("a:one-1a:two-1a:one-2".length(), proxy.stat("udp.plain.downstream_sess_tx_bytes"));
            assertEquals(3, proxy.stat("cluster.a_alt.udp.sess_tx_datagrams"));
            assertEquals(3, proxy.stat("cluster.a_alt.udp.sess_rx_datagrams"));

            int routed = ports.get("ROUTED");
            assertEquals("b:x", exchange(client("127.0.0.2"), routed, "x"));
            assertEquals("a:y", exchange(client("127.0.0.1"), routed, "y"));
            assertEquals(3, seenByA.size(), "the routed listener's session has its own socket too");
            // A route to a cluster that does not exist: dropped and counted.
            assertNull(exchangeDropped(client("127.0.0.3"), routed, "z", proxy, "udp.routed.downstream_sess_no_route"));
            assertEquals(1, proxy.stat("udp.routed.downstream_sess_no_route"));

            // max_connections 1 is the session limit; a second peer is refused while the first lasts.
            int lim = ports.get("LIMITED");
            DatagramSocket first = client("127.0.0.1");
            assertEquals("limited:1", exchange(first, lim, "1"));
            assertNull(exchangeDropped(client("127.0.0.1"), lim, "2", proxy, "cluster.limited.upstream_cx_overflow"));
            assertEquals(1, proxy.stat("cluster.limited.upstream_cx_overflow"));
            // Above downstream_socket_config.max_rx_datagram_size: dropped by the listener.
            assertNull(exchangeDropped(first, lim, "x".repeat(101), proxy,
                    "listener.127.0.0.1_" + lim + ".udp.downstream_rx_datagram_dropped"));
            assertEquals(1, proxy.stat("listener.127.0.0.1_" + lim + ".udp.downstream_rx_datagram_dropped"));
            assertEquals("limited:" + "y".repeat(100), exchange(first, lim, "y".repeat(100)));

            // idle_timeout 1s: both sessions of the plain listener end, with nothing either way.
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (proxy.stat("udp.plain.downstream_sess_active") > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(0, proxy.stat("udp.plain.downstream_sess_active"));
            assertEquals(2, proxy.stat("udp.plain.idle_timeout"));
            // Each session was logged as it ended, with its own counts.
            assertEquals(Set.of("a rx=2 tx=14 127.0.0.1:" + a + " a_alt a", "a rx=1 tx=7 127.0.0.1:" + a + " a_alt a"),
                    Set.copyOf(LogFiles.await(sessionLog, 2)));
            // The peer comes back: a new session, from a new upstream socket.
            assertEquals("a:one-3", exchange(one, plain, "one-3"));
            assertEquals(3, proxy.stat("udp.plain.downstream_sess_total"));
            assertEquals(4, seenByA.size(), seenByA.toString());
        }
    }

    @Test
    void sourceIpHashKeepsAPeerOnOneHostAndPerPacketBalancingSpreadsIt() throws Exception {
        int h1 = echo("h1", ConcurrentHashMap.newKeySet());
        int h2 = echo("h2", ConcurrentHashMap.newKeySet());
        int admin = ProxyProcess.freePort();
        Map<String, Integer> ports = Map.of("HASHED", ProxyProcess.freePort(), "SPREAD", ProxyProcess.freePort());
        String listeners = listener("hashed", "HASHED", "", "cluster: ring\nhash_policies: [{ source_ip: true }]\n")
                + listener("spread", "SPREAD", "", "cluster: rr\nuse_per_packet_load_balancing: true\n");
        String clusters = Bootstraps.cluster("ring", false, "  lb_policy: RING_HASH\n", h1, h2) + "\n"
                + Bootstraps.cluster("rr", false, null, h1, h2);
        try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin)) {
            // Eight peers of one IP: the source IP's hash sends every one of them to the same host.
            Set<String> hosts = new java.util.HashSet<>();
            for (int i = 0; i < 8; i++) {
                String answer = exchange(client("127.0.0.1"), ports.get("HASHED"), "p" + i);
                assertTrue(answer != null && answer.endsWith(":p" + i), answer + "\n" + proxy.log());
                hosts.add(answer.substring(0, answer.indexOf(':')));
            }
            assertEquals(1, hosts.size(), hosts.toString());
            assertEquals(8, proxy.stat("udp.hashed.downstream_sess_total"));

            // Per-packet round robin: one peer's datagrams alternate between the hosts, a session for each.
            DatagramSocket one = client("127.0.0.1");
            Set<String> spread = new java.util.HashSet<>();
            for (int i = 0; i < 4; i++) {
                String answer = exchange(one, ports.get("SPREAD"), "d" + i);
                assertTrue(answer != null, proxy.log());
                spread.add(answer.substring(0, answer.indexOf(':')));
            }
            assertEquals(Set.of("h1", "h2"), spread);
            assertEquals(2, proxy.stat("udp.spread.downstream_sess_total"));
            assertEquals(4, proxy.stat("udp.spread.downstream_sess_rx_datagrams"));
        }
    }

    @Test
    void anLdsUpdateRebindsTheListenerAndEndsItsSessions(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        int a = echo("a", ConcurrentHashMap.newKeySet());
        int b = echo("b", ConcurrentHashMap.newKeySet());
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        java.nio.file.Path lds = dir.resolve("lds.yaml");
        java.nio.file.Files.writeString(lds, lds(port, "v1", "a"));
        String bootstrap = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                dynamic_resources:
                  lds_config: { path_config_source: { path: "%s" }, resource_api_version: V3 }
                static_resources:
                  clusters:
                %s
                %s
                """.formatted(admin, lds, Bootstraps.indent(Bootstraps.cluster("a", false, null, a), 2),
                Bootstraps.indent(Bootstraps.cluster("b", false, null, b), 2));
        try (ProxyProcess proxy = ProxyProcess.start(bootstrap, admin)) {
            DatagramSocket c = client("127.0.0.1");
            String first = null;
            for (int i = 0; i < 50 && first == null; i++) {
                first = exchange(c, port, "1"); // LDS from the file may come a moment after start
            }
            assertEquals("a:1", first, proxy.log());
            assertEquals(1, proxy.stat("udp.v1.downstream_sess_active"));

            java.nio.file.Path tmp = dir.resolve("lds.yaml.tmp");
            java.nio.file.Files.writeString(tmp, lds(port, "v2", "b"));
            java.nio.file.Files.move(tmp, lds, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            // The old listener answers at once until the file watcher has applied the update.
            String answer = null;
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (!"b:2".equals(answer) && System.nanoTime() < deadline) {
                answer = exchange(c, port, "2");
                if (!"b:2".equals(answer)) {
                    Thread.sleep(100);
                }
            }
            assertEquals("b:2", answer, proxy.log());
            // v1 was removed (v2 replaces it on the same port): its sockets closed and their session
            // ended with them, not by idle_timeout (60 s).
            assertEquals(0, proxy.stat("udp.v1.downstream_sess_active"));
            assertEquals(0, proxy.stat("udp.v1.idle_timeout"));
            assertEquals(1, proxy.stat("udp.v2.downstream_sess_active"));
        }
    }

    /** An LDS file of one UDP listener, named and stat-prefixed {@code version}, to {@code cluster}. */
    private static String lds(int port, String version, String cluster) {
        String item = listener(version, "PORT", "", "cluster: " + cluster + "\n").replaceFirst("- name:",
                "- \"@type\": type.googleapis.com/envoy.config.listener.v3.Listener\n  name:");
        return "version_info: \"" + version + "\"\nresources:\n" + ProxyProcess.render(item, Map.of("PORT", port));
    }

    /**
     * A UDP echo whose port TCP has free too, its TCP socket put in {@code tcp}: the UDP port is the
     * kernel's pick, and a TCP connection elsewhere on the machine may hold the same number.
     */
    private int echoWithTcp(String name, Map<String, java.net.ServerSocket> tcp) throws IOException {
        for (int attempt = 1; ; attempt++) {
            int port = echo(name, ConcurrentHashMap.newKeySet());
            try {
                tcp.put(name, new java.net.ServerSocket(port, 50, InetAddress.getLoopbackAddress()));
                return port;
            } catch (java.net.BindException taken) {
                if (attempt == 10) {
                    throw taken;
                }
            }
        }
    }

    @Test
    void aSessionWhoseHostTurnsUnhealthyMovesToAHealthyOne() throws Exception {
        // Each host is a UDP echo with a TCP socket on the same port for the cluster's TCP health check.
        Map<String, java.net.ServerSocket> checked = new java.util.HashMap<>();
        int h1 = echoWithTcp("h1", checked);
        int h2 = echoWithTcp("h2", checked);
        for (java.net.ServerSocket ss : checked.values()) {
            Thread t = new Thread(() -> {
                while (!ss.isClosed()) {
                    try {
                        ss.accept().close();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "health-check-target");
            t.setDaemon(true);
            t.start();
        }
        int admin = ProxyProcess.freePort();
        Map<String, Integer> ports = Map.of("P", ProxyProcess.freePort());
        String clusters = Bootstraps.cluster("pair", false, """
                  health_checks: [{ timeout: 1s, interval: 0.2s, no_traffic_interval: 0.2s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }]
                """, h1, h2);
        String yaml = Bootstraps.listeners(admin, listener("moving", "P", "", "cluster: pair\n"), clusters, ports);
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
            DatagramSocket c = client("127.0.0.1");
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (proxy.stat("cluster.pair.membership_healthy") < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String first = exchange(c, ports.get("P"), "1");
            assertTrue(first != null, proxy.log());
            String host = first.substring(0, first.indexOf(':'));
            assertEquals(host + ":2", exchange(c, ports.get("P"), "2"), "the session keeps its host");

            checked.get(host).close();
            while (proxy.stat("cluster.pair.membership_healthy") > 1 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String other = host.equals("h1") ? "h2" : "h1";
            assertEquals(1, proxy.stat("cluster.pair.membership_healthy"), proxy.admin("/clusters"));
            assertEquals(other + ":3", exchange(c, ports.get("P"), "3"), proxy.log());
            assertEquals(2, proxy.stat("udp.moving.downstream_sess_total"));
            assertEquals(1, proxy.stat("udp.moving.downstream_sess_active"));
        } finally {
            for (java.net.ServerSocket ss : checked.values()) {
                ss.close();
            }
        }
    }
}

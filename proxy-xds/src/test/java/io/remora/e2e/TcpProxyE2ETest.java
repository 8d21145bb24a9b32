package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.remora.testing.SocketServers;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Raw TCP through tcp_proxy to an echo server: every byte back, and half-close honoured. One proxy
 * for the class, with a listener (stat prefix its name) and a cluster per test, and one worker:
 * the per-host connection limits' tests need one, the others do not mind.
 */
class TcpProxyE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    /** The listeners' ports by name. */
    static final Map<String, Integer> ports = new HashMap<>();
    /** Upstreams, each served as its test needs. */
    static ServerSocket echoOnce;
    static ServerSocket silent;
    static ServerSocket cappedEcho;
    static ServerSocket idleEcho;
    static ServerSocket sharedSilent;
    /** Three hosts that write their name to each connection: host0, host1, host2. */
    static List<ServerSocket> names;
    /** Reads a byte, then resets the connection (SO_LINGER 0). */
    static ServerSocket resetting;
    /** Reads four bytes, then reports how its next read ended. */
    static ServerSocket watching;
    /** Writes {@link #FLOOD} bytes to each connection, then closes it. */
    static ServerSocket flooding;
    static ServerSocket timedEcho;
    static final int FLOOD = 32 << 20;
    static final BlockingQueue<String> WATCHED = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        echoOnce = upstream();
        silent = upstream();
        cappedEcho = upstream();
        TcpEcho.serve(cappedEcho);
        idleEcho = upstream();
        TcpEcho.serve(idleEcho);
        sharedSilent = upstream();
        names = nameServers(3);
        names.forEach(stack::own);
        resetting = upstream();
        SocketServers.acceptEach(resetting, "resetting-upstream", s -> {
            try (s) {
                s.getInputStream().read();
                s.setSoLinger(true, 0);
            } catch (IOException e) {
                // the test fails on its side
            }
        });
        watching = upstream();
        SocketServers.acceptEach(watching, "watching-upstream", s -> {
            try (s) {
                s.getInputStream().readNBytes(4);
                WATCHED.add("read " + s.getInputStream().read());
            } catch (IOException e) {
                WATCHED.add(String.valueOf(e.getMessage()));
            }
        });
        timedEcho = upstream();
        TcpEcho.serve(timedEcho);
        flooding = upstream();
        SocketServers.acceptEach(flooding, "flooding-upstream", s -> {
            try (s) {
                byte[] chunk = new byte[64 * 1024];
                for (int sent = 0; sent < FLOOD; sent += chunk.length) {
                    s.getOutputStream().write(chunk);
                }
            } catch (IOException e) {
                // the test fails on its side
            }
        });
        String capped = "  circuit_breakers: { per_host_thresholds: [ { max_connections: 1 } ] }\n";
        String listeners = listener("tcp", "tcp", "")
                + listener("short", "short", "max_downstream_connection_duration: 0.3s")
                + listener("hashed", "hashed", "hash_policy: [{ source_ip: {} }]")
                + listener("subsets_v2", "subsets", "metadata_match: { filter_metadata: { envoy.lb: { version: v2 } } }")
                + listener("subsets_canary", null, WEIGHTED_CANARY)
                + listener("retried", "retried",
                        "max_connect_attempts: 3\nbackoff_options: { base_interval: 0.2s, max_interval: 0.4s }")
                + listener("capped", "capped", "")
                + listener("idle", "idle", "idle_timeout: 1s")
                + listener("resetting", "resetting", "")
                + listener("watching", "watching", "")
                + listener("flooded", "flooded", "")
                + listener("timed", "timed", "")
                + Bootstraps.tcpListener("idle_override", "", Bootstraps.setFilterState("network", "on_new_connection", """
                        - object_key: envoy.tcp_proxy.per_connection_idle_timeout_ms
                          format_string: { text_format_source: { inline_string: "300" } }
                        """), "timed", "")
                + Bootstraps.tcpListener("untunneled", "", Bootstraps.setFilterState("network", "on_new_connection", """
                        - object_key: envoy.tcp_proxy.disable_tunneling
                          format_string: { text_format_source: { inline_string: "true" } }
                        """), "timed", "tunneling_config: { hostname: \"example.test:443\" }")
                + Bootstraps.httpListener("http", "", "", """
                        - match: { prefix: / }
                          route: { cluster: shared, timeout: 60s }
                        """) + Bootstraps.tcpListener("shared_tcp", "shared");
        ports.put("idle_override", ProxyProcess.freePort());
        ports.put("untunneled", ProxyProcess.freePort());
        ports.put("http", ProxyProcess.freePort());
        ports.put("shared_tcp", ProxyProcess.freePort());
        String clusters = String.join("\n",
                Bootstraps.cluster("tcp", false, null, echoOnce.getLocalPort()),
                Bootstraps.cluster("short", false, null, silent.getLocalPort()),
                Bootstraps.cluster("hashed", false, "  lb_policy: RING_HASH\n", ports(names)),
                subsets(ports(names)),
                Bootstraps.cluster("retried", false, null, ProxyProcess.freePort()),
                Bootstraps.cluster("capped", false, capped, cappedEcho.getLocalPort()),
                Bootstraps.cluster("idle", false, capped, idleEcho.getLocalPort()),
                Bootstraps.cluster("resetting", false, null, resetting.getLocalPort()),
                Bootstraps.cluster("watching", false, null, watching.getLocalPort()),
                Bootstraps.cluster("flooded", false, null, flooding.getLocalPort()),
                Bootstraps.cluster("timed", false, null, timedEcho.getLocalPort()),
                Bootstraps.cluster("shared", false,
                        "  circuit_breakers: { per_host_thresholds: [ { max_connections: 2 } ] }\n",
                        sharedSilent.getLocalPort()));
        // Requests still held at the end (perHostMaxConnectionsCountsTcpProxyConnectionsForHttpPools):
        // a second's drain, not the close's ten.
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners, clusters, ports), List.of("-Xmx256m"),
                "--concurrency", "1", "--drain-time-s", "1");
    }

    /** A loopback server socket closed with the stack. */
    private static ServerSocket upstream() throws java.io.IOException {
        return stack.own(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    }

    /**
     * A tcp_proxy listener NAME (its stat prefix too) on a port of its own, to {@code cluster}
     * (none when null: {@code fields} name it) with these fields.
     */
    private static String listener(String name, String cluster, String fields) {
        ports.put(name, ProxyProcess.freePort());
        return Bootstraps.tcpListener(name, "", "", cluster, fields);
    }

    /** A weighted entry's criteria merged over the proxy's, its own keys winning: v1 and canary. */
    private static final String WEIGHTED_CANARY = "metadata_match: { filter_metadata: { envoy.lb: { version: v1, stage: prod } } }\n"
            + "weighted_clusters: { clusters: [{ name: subsets, weight: 1, metadata_match:"
            + " { filter_metadata: { envoy.lb: { stage: canary } } } }] }";

    /** Cluster "subsets" over the three name hosts: v1 prod, v1 canary, v2 prod. */
    private static String subsets(int[] ports) {
        String[][] labels = {{"v1", "prod"}, {"v1", "canary"}, {"v2", "prod"}};
        StringBuilder endpoints = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            endpoints.append("        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ")
                    .append(ports[i]).append(" } } }\n          metadata: { filter_metadata: { envoy.lb: { version: ")
                    .append(labels[i][0]).append(", stage: ").append(labels[i][1]).append(" } } }\n");
        }
        return """
                - name: subsets
                  connect_timeout: 1s
                  lb_subset_config:
                    fallback_policy: NO_FALLBACK
                    subset_selectors: [{ keys: [version] }, { keys: [version, stage] }]
                  load_assignment:
                    cluster_name: subsets
                    endpoints:
                    - lb_endpoints:
                """ + endpoints;
    }

    @Test
    void echoThroughTcpProxy() throws Exception {
        Thread server = new Thread(() -> {
            try (Socket s = echoOnce.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                }
                // The client half-closed; the echo still answers after that.
                out.write("bye".getBytes());
                s.shutdownOutput();
            } catch (Exception ignored) {
                // the test fails on its side
            }
        }, "echo");
        server.setDaemon(true);
        server.start();
        int port = ports.get("tcp");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            int size = 8 * 1024 * 1024;
            byte[] data = new byte[size];
            new Random(5).nextBytes(data);
            CRC32 sent = new CRC32();
            sent.update(data);
            Thread writer = new Thread(() -> {
                try {
                    s.getOutputStream().write(data);
                    s.shutdownOutput();
                } catch (Exception ignored) {
                    // the reader sees it
                }
            });
            writer.start();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] back = new byte[size];
            in.readFully(back);
            CRC32 got = new CRC32();
            got.update(back);
            assertEquals(sent.getValue(), got.getValue());
            byte[] bye = in.readAllBytes();
            assertEquals("bye", new String(bye));
            writer.join();
            assertEquals(1.0, proxy.metric("envoy_listener_downstream_cx_total{envoy_listener_address=\"127.0.0.1_" + port + "\"}"));
            assertEquals(1.0, proxy.metric("envoy_tcp_downstream_cx_total{envoy_tcp_prefix=\"tcp\"}"));
            assertEquals(size, proxy.metric("envoy_tcp_downstream_cx_rx_bytes_total{envoy_tcp_prefix=\"tcp\"}"));
            assertEquals(size + 3, proxy.metric("envoy_tcp_downstream_cx_tx_bytes_total{envoy_tcp_prefix=\"tcp\"}"));
            assertTrue(proxy.admin("/stats").contains("tcp.tcp.downstream_cx_total: 1"), "Envoy's dotted name");
        }
    }

    /**
     * Envoy 1.38's tcp_proxy passes a reset on as a reset (onUpstreamEvent: AbortReset of the
     * downstream when the upstream's close was a RemoteReset, response flag UR; a client's reset
     * closes the upstream for closing_upstream_tcp_connection_due_to_downstream_reset_close), not as
     * a FIN that would read as a clean end of the stream.
     */
    @Test
    void anUpstreamsResetResetsTheClient() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("resetting"))) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write('x');
            java.net.SocketException e = assertThrows(java.net.SocketException.class, () -> s.getInputStream().read());
            assertTrue(e.getMessage().contains("Connection reset"), e.getMessage());
        }
    }

    @Test
    void aClientsResetResetsTheUpstream() throws Exception {
        WATCHED.clear();
        try (Socket s = new Socket("127.0.0.1", ports.get("watching"))) {
            s.getOutputStream().write("ping".getBytes());
            for (int i = 0; i < 100 && proxy.metric(
                    "envoy_tcp_downstream_cx_rx_bytes_total{envoy_tcp_prefix=\"watching\"}") < 4; i++) {
                Thread.sleep(50);
            }
            Thread.sleep(200); // the bytes reach the upstream, which waits for more
            s.setSoLinger(true, 0);
        }
        String how = WATCHED.poll(20, TimeUnit.SECONDS);
        assertNotNull(how, "the upstream's read ended");
        assertTrue(how.contains("Connection reset"), how);
    }

    @Test
    void maxDownstreamConnectionDurationClosesTheSession() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("short"))) {
            s.setSoTimeout(20_000);
            long start = System.nanoTime();
            assertEquals(-1, s.getInputStream().read(), "the proxy ends the session; the upstream never does");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 200 && ms < 10_000, ms + " ms");
            for (int i = 0; i < 50 && proxy.metric(
                    "envoy_tcp_max_downstream_connection_duration{envoy_tcp_prefix=\"short\"}") < 1; i++) {
                Thread.sleep(100);
            }
            assertEquals(1.0, proxy.metric("envoy_tcp_max_downstream_connection_duration{envoy_tcp_prefix=\"short\"}"));
        }
    }

    @Test
    void sourceIpHashPolicyPinsAClientToOneHost() throws Exception {
        assertEquals(1, namesSeen(ports.get("hashed"), 12).size(), "one client address, one host");
    }

    /**
     * metadata_match picks a subset of a subset-balanced cluster; a weighted entry's criteria are
     * merged over the proxy's, its own keys winning.
     */
    @Test
    void metadataMatchPicksTheSubset() throws Exception {
        assertEquals(java.util.Set.of("host2"), namesSeen(ports.get("subsets_v2"), 8), "version v2");
        assertEquals(java.util.Set.of("host1"), namesSeen(ports.get("subsets_canary"), 8), WEIGHTED_CANARY);
    }

    /**
     * tcp_proxy's readDisableUpstream: a client that does not read fills the downstream connection past its
     * high watermark, the upstream's reads pause (upstream_flow_control_paused_reading_total), and resume as
     * the client catches up below the low one; each pause is followed by a resume.
     */
    @Test
    void aClientThatDoesNotReadPausesTheUpstreamsReads() throws Exception {
        String paused = "envoy_cluster_upstream_flow_control_paused_reading_total{envoy_cluster_name=\"flooded\"}";
        String resumed = "envoy_cluster_upstream_flow_control_resumed_reading_total{envoy_cluster_name=\"flooded\"}";
        try (Socket s = new Socket("127.0.0.1", ports.get("flooded"))) {
            s.setSoTimeout(20_000);
            HostHealthFailureE2ETest.await("upstream reads paused", () -> proxy.metric(paused) >= 1);
            assertEquals(FLOOD, s.getInputStream().readAllBytes().length);
        }
        HostHealthFailureE2ETest.await("every pause resumed", () -> proxy.metric(resumed) == proxy.metric(paused));
    }

    /**
     * tcp_proxy's connections are the tcp pool's ActiveClients: conn_connect_ms records the connect, conn_length_
     * the connection's life once it closes (in /stats only: promtool refuses their unit).
     */
    @Test
    void aConnectionsConnectTimeAndLengthAreRecorded() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("timed"))) {
            s.setSoTimeout(10_000);
            assertEquals("ping", roundTrip(s, "ping"));
        }
        HostHealthFailureE2ETest.await("the connection's length recorded",
                () -> proxy.admin("/stats?filter=timed.upstream_cx_length_ms").contains("upstream_cx_length_ms: P0("));
        String stats = proxy.admin("/stats?filter=timed.upstream_cx_connect_ms");
        assertTrue(stats.contains("cluster.timed.upstream_cx_connect_ms: P0("), stats);
    }

    /**
     * backoff_options: failed connects are retried after the back-off's wait, up to
     * max_connect_attempts, then the downstream is closed (not left waiting).
     */
    @Test
    void connectRetriesWaitForTheBackoff() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("retried"))) {
            s.setSoTimeout(10_000);
            assertEquals(-1, s.getInputStream().read(), "closed after the last attempt");
            assertEquals(3.0, proxy.metric("envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name=\"retried\"}"));
        }
    }

    /** Servers on loopback that write their name ("host0", ...) to each connection and close it. */
    private static List<ServerSocket> nameServers(int n) throws java.io.IOException {
        List<ServerSocket> servers = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            servers.add(ss);
            String name = "host" + i;
            Thread t = new Thread(() -> {
                while (!ss.isClosed()) {
                    try (Socket c = ss.accept()) {
                        c.getOutputStream().write(name.getBytes());
                    } catch (Exception e) {
                        // closed
                    }
                }
            }, name);
            t.setDaemon(true);
            t.start();
        }
        return servers;
    }

    private static int[] ports(List<ServerSocket> servers) {
        return servers.stream().mapToInt(ServerSocket::getLocalPort).toArray();
    }

    /** The names the hosts behind the proxy wrote over {@code connections} connections. */
    private static java.util.Set<String> namesSeen(int port, int connections) throws java.io.IOException {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < connections; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                seen.add(new String(s.getInputStream().readAllBytes()));
            }
        }
        return seen;
    }


    /**
     * {@code circuit_breakers.per_host_thresholds.max_connections: 1}, one worker: as Envoy's TCP
     * pool, a second session counts {@code upstream_cx_overflow} and waits, its bytes held, until
     * the first session's upstream connection closes; then it connects.
     */
    @Test
    void perHostMaxConnectionsHoldsTheSecondSessionUntilTheFirstCloses() throws Exception {
        int port = ports.get("capped");
        try (Socket second = new Socket()) {
            Socket first = new Socket("127.0.0.1", port);
            first.setSoTimeout(10_000);
            assertEquals("one", roundTrip(first, "one"));

            second.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            second.getOutputStream().write("two".getBytes());
            second.setSoTimeout(700);
            assertThrows(java.net.SocketTimeoutException.class, () -> second.getInputStream().read(),
                    "the second session must wait for the host's only connection");
            assertEquals(1.0, proxy.metric("envoy_cluster_upstream_cx_overflow{envoy_cluster_name=\"capped\"}"));
            assertEquals(1.0, proxy.metric("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"capped\"}"));

            first.close();
            second.setSoTimeout(10_000);
            byte[] back = new DataInputStream(second.getInputStream()).readNBytes(3);
            assertEquals("two", new String(back));
            assertEquals(2.0, proxy.metric("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"capped\"}"));
        }
    }

    /**
     * As Envoy's tcp_proxy since 1.36 (tcp_proxy_set_idle_timer_immediately_on_new_connection, its
     * guard removed in 1.38), idle_timeout runs from the connection's start: a session waiting on
     * per_host_thresholds.max_connections for longer than it is closed as idle, while the busy
     * session that holds the host's one connection relays on.
     */
    @Test
    void idleTimeoutRunsWhileTheSessionWaitsForItsUpstream() throws Exception {
        int port = ports.get("idle");
        double before = proxy.stat("tcp.idle.idle_timeout");
        try (Socket first = new Socket("127.0.0.1", port);
             Socket second = new Socket("127.0.0.1", port)) {
            first.setSoTimeout(10_000);
            assertEquals("one", roundTrip(first, "one"));
            second.setSoTimeout(300);
            long start = System.nanoTime();
            // The first session stays busy while the second waits for the host's only connection.
            boolean closed = false;
            while (!closed && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
                try {
                    closed = second.getInputStream().read() < 0;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    assertEquals("x", roundTrip(first, "x"));
                } catch (java.net.SocketException reset) {
                    closed = true;
                }
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(closed, "the waiting session must be closed as idle");
            assertTrue(took >= 700, "closed after " + took + " ms, before the idle timeout");
            assertEquals(before + 1, proxy.stat("tcp.idle.idle_timeout"));
            assertEquals("y", roundTrip(first, "y"), "the busy session relays on");
        }
    }

    /** The connection's filter state envoy.tcp_proxy.per_connection_idle_timeout_ms overrides idle_timeout (1 h). */
    @Test
    void perConnectionIdleTimeoutFromTheFilterState() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("idle_override"))) {
            s.setSoTimeout(10_000);
            assertEquals("x", roundTrip(s, "x"));
            assertEquals(-1, s.getInputStream().read(), "closed as idle long before the hour");
        }
        assertEquals(1.0, proxy.stat("tcp.idle_override.idle_timeout"));
    }

    /**
     * envoy.tcp_proxy.disable_tunneling: the bytes go over a TCP connection of their own, not in a
     * CONNECT (which the echoing upstream would send back instead of an answer).
     */
    @Test
    void disableTunnelingFilterStateRelaysOverPlainTcp() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("untunneled"))) {
            s.setSoTimeout(10_000);
            assertEquals("ping", roundTrip(s, "ping"));
        }
    }

    /**
     * As Envoy's host cx_active, the per-host max_connections counts every pool's connections to
     * the host, tcp_proxy's among them: with a cap of 2, one tcp_proxy session and one held HTTP
     * request, a second HTTP request waits (upstream_cx_overflow) instead of opening a third.
     */
    @Test
    void perHostMaxConnectionsCountsTcpProxyConnectionsForHttpPools() throws Exception {
        java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    held.add(sharedSilent.accept()); // never answers: every connection stays busy
                    accepted.incrementAndGet();
                }
            } catch (java.io.IOException closed) {
                // the test is over
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        try (Socket session = new Socket("127.0.0.1", ports.get("shared_tcp"))) {
            HostHealthFailureE2ETest.await("the tcp_proxy session's connection", () -> accepted.get() == 1);
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + ports.get("http") + "/a"))
                    .timeout(java.time.Duration.ofSeconds(30)).build();
            client.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.discarding());
            HostHealthFailureE2ETest.await("the first request's connection", () -> accepted.get() == 2);
            client.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.discarding());
            HostHealthFailureE2ETest.await("the second request held back",
                    () -> proxy.stat("cluster.shared.upstream_cx_overflow") >= 1.0);
            Thread.sleep(300);
            assertEquals(2, accepted.get(), "no third connection past the host's cap");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    private static String roundTrip(Socket s, String text) throws Exception {
        s.getOutputStream().write(text.getBytes());
        return new String(new DataInputStream(s.getInputStream()).readNBytes(text.length()));
    }

}

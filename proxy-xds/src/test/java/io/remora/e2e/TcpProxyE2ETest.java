package io.remora.e2e;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Raw TCP through tcp_proxy to an echo server: every byte back, and half-close honoured. */
class TcpProxyE2ETest {

    @Test
    void echoThroughTcpProxy() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = echo.accept()) {
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
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = bootstrap(admin, port, "tcp", "", null, echo.getLocalPort());
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin);
                 Socket s = new Socket("127.0.0.1", port)) {
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
    }

    @Test
    void maxDownstreamConnectionDurationClosesTheSession() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = bootstrap(admin, port, "short", "max_downstream_connection_duration: 0.3s", null,
                    silent.getLocalPort());
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin);
                 Socket s = new Socket("127.0.0.1", port)) {
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
    }

    @Test
    void sourceIpHashPolicyPinsAClientToOneHost() throws Exception {
        List<ServerSocket> servers = new java.util.ArrayList<>();
        try {
            int[] ports = new int[3];
            for (int i = 0; i < 3; i++) {
                ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                servers.add(ss);
                ports[i] = ss.getLocalPort();
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
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = bootstrap(admin, port, "hashed", "hash_policy: [{ source_ip: {} }]", "  lb_policy: RING_HASH\n",
                    ports);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                java.util.Set<String> seen = new java.util.HashSet<>();
                for (int i = 0; i < 12; i++) {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        s.setSoTimeout(10_000);
                        seen.add(new String(s.getInputStream().readAllBytes()));
                    }
                }
                assertEquals(1, seen.size(), "one client address, one host: " + seen);
            }
        } finally {
            for (ServerSocket ss : servers) {
                ss.close();
            }
        }
    }

    /**
     * One tcp_proxy listener (stat prefix and cluster named {@code prefix}) with these extra fields,
     * its cluster with {@code clusterFields} (or null) over these ports.
     */
    private static String bootstrap(int admin, int port, String prefix, String fields, String clusterFields,
                                    int... upstreamPorts) {
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                  - name: tcp
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: %s
                          cluster: %s
                %s
                  clusters:
                %s
                """.formatted(admin, port, prefix, prefix, fields.indent(10).stripTrailing(),
                Bootstraps.indent(Bootstraps.cluster(prefix, false, clusterFields, upstreamPorts), 2));
    }
}

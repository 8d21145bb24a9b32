package io.remora.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Envoy's small network filters with real sockets: {@code echo} (a megabyte back, then the
 * client's half-close), {@code direct_response} (its bytes, then the close), and
 * {@code sni_cluster} picking tcp_proxy's cluster from the SNI openssl sends (and
 * set_filter_state naming it).
 */
class TerminalNetworkFiltersE2ETest {

    @Test
    void echoDirectResponseAndSniCluster() throws Exception {
        try (ServerSocket alpha = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket fallback = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger alphaAccepted = acceptAndClose(alpha);
            AtomicInteger fallbackAccepted = acceptAndClose(fallback);
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("echo", ProxyProcess.freePort(), "direct", ProxyProcess.freePort(),
                    "sni", ProxyProcess.freePort(), "state", ProxyProcess.freePort());
            String listeners = """
                    - name: echo
                      address: { socket_address: { address: 127.0.0.1, port_value: ${echo} } }
                      filter_chains:
                      - filters:
                        - name: envoy.filters.network.echo
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.echo.v3.Echo }
                    - name: direct
                      address: { socket_address: { address: 127.0.0.1, port_value: ${direct} } }
                      filter_chains:
                      - filters:
                        - name: envoy.filters.network.direct_response
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config
                            response: { inline_string: "direct answer\\n" }
                    - name: sni
                      address: { socket_address: { address: 127.0.0.1, port_value: ${sni} } }
                      listener_filters:
                      - name: envoy.filters.listener.tls_inspector
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
                      filter_chains:
                      - filters:
                        - name: envoy.filters.network.sni_cluster
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.sni_cluster.v3.SniCluster }
                        - name: envoy.filters.network.tcp_proxy
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                            stat_prefix: sni
                            cluster: fallback
                    - name: state
                      address: { socket_address: { address: 127.0.0.1, port_value: ${state} } }
                      filter_chains:
                      - filters:
                        - name: envoy.filters.network.set_filter_state
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.set_filter_state.v3.Config
                            on_new_connection:
                            - object_key: envoy.tcp_proxy.cluster
                              format_string: { text_format_source: { inline_string: "alpha" } }
                        - name: envoy.filters.network.tcp_proxy
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                            stat_prefix: state
                            cluster: fallback
                    """;
            String clusters = Bootstraps.cluster("alpha", false, "", alpha.getLocalPort()) + "\n"
                    + Bootstraps.cluster("fallback", false, "", fallback.getLocalPort());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin)) {
                byte[] data = new byte[1 << 20];
                new Random(7).nextBytes(data);
                try (Socket s = new Socket("127.0.0.1", ports.get("echo"))) {
                    s.setSoTimeout(20_000);
                    Thread writer = new Thread(() -> {
                        try {
                            s.getOutputStream().write(data);
                            s.shutdownOutput();
                        } catch (Exception ignored) {
                            // the reader sees a short answer
                        }
                    });
                    writer.start();
                    assertArrayEquals(data, s.getInputStream().readAllBytes(), "all echoed, then the half-close");
                    writer.join();
                }

                try (Socket s = new Socket("127.0.0.1", ports.get("direct"))) {
                    s.setSoTimeout(20_000);
                    assertEquals("direct answer\n", new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                }

                sClient(ports.get("sni"), "-servername", "alpha");
                assertEquals(1, alphaAccepted.get(), "SNI alpha goes to cluster alpha");
                assertEquals(0, fallbackAccepted.get());
                sClient(ports.get("sni"), "-noservername");
                assertEquals(1, fallbackAccepted.get(), "no SNI: tcp_proxy's own cluster");
                assertEquals(1, alphaAccepted.get());

                try (Socket s = new Socket("127.0.0.1", ports.get("state"))) {
                    s.setSoTimeout(20_000);
                    s.getInputStream().readAllBytes();
                }
                assertEquals(2, alphaAccepted.get(), "set_filter_state's envoy.tcp_proxy.cluster");
                assertEquals(1, fallbackAccepted.get());
            }
        }
    }

    /** Counts accepted connections; each is closed at once, which ends the client's handshake. */
    private static AtomicInteger acceptAndClose(ServerSocket server) {
        AtomicInteger accepted = new AtomicInteger();
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    accepted.incrementAndGet();
                } catch (Exception e) {
                    return;
                }
            }
        }, "upstream-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
        return accepted;
    }

    /** One TLS client hello through the listener; returns when the upstream's close reached openssl. */
    private static void sClient(int port, String... sni) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
        cmd.addAll(List.of(sni));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try (InputStream in = p.getInputStream()) {
            in.readAllBytes();
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl did not finish");
        }
    }
}

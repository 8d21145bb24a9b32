package io.remora.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * upstream_bind_config: upstream connections of tcp_proxy and of the HTTP pools leave from the
 * cluster's source address (here 127.0.0.7, as Istio binds its inbound clusters to 127.0.0.6),
 * and a cluster without one leaves from the kernel's choice.
 */
class UpstreamBindE2ETest {

    /** An upstream that writes the address each connection came from, then closes it. */
    private static ServerSocket whoAmI() throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    c.getOutputStream().write(c.getInetAddress().getHostAddress().getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // closed
                }
            }
        }, "who-am-i");
        t.setDaemon(true);
        t.start();
        return s;
    }

    private static String readAll(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void upstreamConnectionsLeaveFromTheBindAddress() throws Exception {
        try (ServerSocket who = whoAmI();
             TestUpstream web = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                     String.valueOf(ctx.channel().remoteAddress())))) {
            int admin = ProxyProcess.freePort();
            int bound = ProxyProcess.freePort();
            int plain = ProxyProcess.freePort();
            int http = ProxyProcess.freePort();
            String bind = """
                      upstream_bind_config:
                        source_address: { address: 127.0.0.7, port_value: 0 }
                        extra_source_addresses: [{ address: { address: "::7", port_value: 0 } }]
                    """;
            String yaml = """
                    admin:
                      address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    static_resources:
                      listeners:
                      - name: bound
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                        - filters:
                          - name: envoy.filters.network.tcp_proxy
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: b, cluster: bound }
                      - name: plain
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                        - filters:
                          - name: envoy.filters.network.tcp_proxy
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: p, cluster: plain }
                      - name: http
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                        - filters:
                          - name: envoy.filters.network.http_connection_manager
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                              stat_prefix: h
                              route_config:
                                virtual_hosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: / }, route: { cluster: web } }] }]
                              http_filters:
                              - name: envoy.filters.http.router
                                typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                      clusters:
                    %s
                    %s
                    %s
                    """.formatted(admin, bound, plain, http,
                    Bootstraps.indent(Bootstraps.cluster("bound", false, bind, who.getLocalPort()), 2),
                    Bootstraps.indent(Bootstraps.cluster("plain", false, null, who.getLocalPort()), 2),
                    Bootstraps.indent(Bootstraps.cluster("web", false, bind, web.port()), 2));
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals("127.0.0.7", readAll(bound), proxy.log());
                assertEquals("127.0.0.1", readAll(plain), proxy.log());
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + http + "/")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("/127.0.0.7", r.body().substring(0, r.body().lastIndexOf(':')), r.body());
            }
        }
    }
}

package io.remora.e2e;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Internal listeners: a cluster whose endpoint is an envoy_internal_address (with the
 * internal_upstream transport socket, as Istio sends them) reaches the listener of that name
 * inside the process, and what that listener's chain does (tcp_proxy, HTTP) happens there.
 */
class InternalListenerE2ETest {

    private static String yaml(int admin, int tcpPort, int httpPort, int echoPort, int httpUpstreamPort) {
        return """
                bootstrap_extensions:
                - name: envoy.bootstrap.internal_listener
                  typed_config:
                    "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                    type_url: type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener
                    value: { buffer_size_kb: 64 }
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                static_resources:
                  listeners:
                  - name: outer_tcp
                    address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: outer, cluster: to_inner_tcp }
                  - name: inner_tcp
                    internal_listener: {}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: inner, cluster: echo }
                  - name: outer_http
                    address: { socket_address: { address: 127.0.0.1, port_value: %3$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: outer_http
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes: [{ match: { prefix: / }, route: { cluster: to_inner_http } }]
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  - name: inner_http
                    internal_listener: {}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inner_http
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { prefix: / }
                                route: { cluster: web }
                                response_headers_to_add: [{ header: { key: x-inner, value: "yes" } }]
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  clusters:
                %6$s  - name: to_inner_http
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: to_inner_http
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { envoy_internal_address: { server_listener_name: inner_http } } }
                %4$s
                %5$s
                """.formatted(admin, tcpPort, httpPort,
                Bootstraps.indent(Bootstraps.cluster("echo", false, null, echoPort), 2),
                Bootstraps.indent(Bootstraps.cluster("web", false, null, httpUpstreamPort), 2),
                Bootstraps.internalCluster("to_inner_tcp", "inner_tcp", "10.0.0.1:80", "", "", ""));
    }

    @Test
    void tcpAndHttpThroughInternalListeners() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestUpstream web = TestUpstream.text("from web")) {
            Thread server = new Thread(() -> {
                try (Socket s = echo.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[8192];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                    }
                } catch (Exception ignored) {
                    // the test fails on its side
                }
            }, "echo");
            server.setDaemon(true);
            server.start();
            int admin = ProxyProcess.freePort();
            int tcpPort = ProxyProcess.freePort();
            int httpPort = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(yaml(admin, tcpPort, httpPort, echo.getLocalPort(), web.port()),
                    admin)) {
                try (Socket s = new Socket("127.0.0.1", tcpPort)) {
                    s.setSoTimeout(10_000);
                    byte[] data = new byte[256 * 1024];
                    new Random(9).nextBytes(data);
                    s.getOutputStream().write(data);
                    byte[] back = new byte[data.length];
                    new DataInputStream(s.getInputStream()).readFully(back);
                    assertArrayEquals(data, back, proxy.log());
                }
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPort + "/x")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body() + proxy.log());
                assertEquals("from web", r.body());
                assertEquals("yes", r.headers().firstValue("x-inner").orElse(""), "the internal listener's route answered");
                assertEquals(1, proxy.metric("envoy_listener_downstream_cx_total{envoy_listener_address=\"inner_tcp\"}"),
                        proxy.admin("/stats/prometheus"));
                assertTrue(Arrays.asList(proxy.admin("/listeners").split("\n")).contains("inner_tcp::envoy://inner_tcp"),
                        proxy.admin("/listeners"));
            }
        }
    }
}

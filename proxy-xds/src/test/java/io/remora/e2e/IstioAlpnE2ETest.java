package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Istio's {@code istio.alpn} on real TLS: the client sidecar's filter asks for
 * {@code istio-http/1.1}, the upstream handshake offers it instead of the cluster's protocols, and
 * the server sidecar's {@code tls_inspector} + {@code application_protocols} match picks the chain
 * Istio reserves for mesh HTTP, as virtualInbound does. A route without the filter reaches the
 * other chain over the same cluster: the two are never mixed on one pooled connection.
 */
class IstioAlpnE2ETest {

    static ProxyProcess server;
    static ProxyProcess client;
    static int clientPort;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = TempPaths.directory("alpn");
        TestCerts.Ca ca = TestCerts.ca("mesh-ca");
        ca.issue("ratings", "spiffe://cluster.local/ns/default/sa/ratings", "127.0.0.1").write(dir, "server");
        int serverAdmin = ProxyProcess.freePort();
        int serverPort = ProxyProcess.freePort();
        server = ProxyProcess.start("""
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                static_resources:
                  listeners:
                  - name: virtualInbound
                    address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                    listener_filters:
                    - name: envoy.filters.listener.tls_inspector
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
                    filter_chains:
                    - name: mesh-http
                      filter_chain_match: { transport_protocol: tls, application_protocols: [istio-http/1.1, istio-http/1.0] }
                %3$s
                %4$s
                    - name: other-tls
                      filter_chain_match: { transport_protocol: tls }
                %3$s
                %5$s
                """.formatted(serverAdmin, serverPort, tls(), hcm("via mesh-http"), hcm("via other-tls")), serverAdmin);

        int clientAdmin = ProxyProcess.freePort();
        clientPort = ProxyProcess.freePort();
        client = ProxyProcess.start("""
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                static_resources:
                  listeners:
                  - name: outbound
                    address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: outbound
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { prefix: /plain }
                                route: { cluster: ratings }
                                typed_per_filter_config:
                                  istio.alpn: { "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true }
                              - match: { prefix: / }
                                route: { cluster: ratings }
                          http_filters:
                          - name: istio.alpn
                            typed_config:
                              "@type": type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig
                              alpn_override:
                              - { upstream_protocol: HTTP11, alpn_override: [istio-http/1.1, istio, http/1.1] }
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  clusters:
                  - name: ratings
                    type: STATIC
                    connect_timeout: 2s
                    load_assignment:
                      cluster_name: ratings
                      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %3$d } } } }] }]
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        common_tls_context:
                          validation_context: { trusted_ca: { filename: "%4$s/server-ca.pem" } }
                """.formatted(clientAdmin, clientPort, serverPort, dir), clientAdmin);
    }

    private static String tls() {
        return """
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                          common_tls_context:
                            alpn_protocols: [istio-http/1.1, http/1.1]
                            tls_certificates:
                            - certificate_chain: { filename: "%1$s/server-cert.pem" }
                              private_key: { filename: "%1$s/server-key.pem" }
                """.formatted(dir).stripTrailing();
    }

    private static String hcm(String body) {
        return """
                      filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inbound
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes: [{ match: { prefix: / }, direct_response: { status: 200, body: { inline_string: "%s" } } }]
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(body).stripTrailing();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ProxyProcess p : new ProxyProcess[]{client, server}) {
            if (p != null) {
                p.close();
            }
        }
    }

    private static String get(String path) throws Exception {
        Curl r = Curl.run("http://127.0.0.1:" + clientPort + path);
        assertEquals(200, r.status());
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void theOverrideReachesTheHandshakeAndTheServerPicksTheMeshChain() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals("via mesh-http", get("/reviews"));
            assertEquals("via other-tls", get("/plain"), "without the filter: the cluster's own (empty) ALPN list");
        }
    }
}

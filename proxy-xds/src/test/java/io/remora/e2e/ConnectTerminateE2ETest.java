package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sidecar's HBONE inbound as Istio configures it (the fixture's {@code connect_terminate} and
 * {@code main_internal}): a CONNECT over mTLS to connect_terminate, terminated to the internal
 * listener main_internal. connect_authority leaves the CONNECT's authority, connect_baggage the
 * peer named by its {@code baggage}, and {@code istio_authn} (shared) the peer's SPIFFE
 * principal, all in filter state shared with the upstream connection; main_internal's
 * {@code set_internal_dst_address} makes the authority the connection's destination (its filter
 * chain matches on that port, its ORIGINAL_DST cluster connects there) and its RBAC matches the
 * principal. curl is the HBONE client: {@code -p} through an HTTPS proxy with a client certificate.
 */
class ConnectTerminateE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static TestUpstream app;
    static Path certs;
    static Path log;
    static final Map<String, Integer> PORTS = new HashMap<>();

    static final String TYPED_STRUCT = "type.googleapis.com/udpa.type.v1.TypedStruct";

    @BeforeAll
    static void start() throws Exception {
        certs = TempPaths.directory("hbone");
        TestCerts.Ca ca = TestCerts.ca("mesh-ca");
        ca.issue("orders", "spiffe://cluster.local/ns/shop/sa/orders").write(certs, "server");
        ca.issue("sleep", "spiffe://cluster.local/ns/shop/sa/sleep").write(certs, "sleep");
        ca.issue("intruder", "spiffe://cluster.local/ns/other/sa/intruder").write(certs, "intruder");
        app = stack.own(TestUpstream.text("ok"));
        log = TempPaths.file("main-internal", ".log");
        PORTS.put("terminate", ProxyProcess.freePort());
        String listeners = """
                - name: connect_terminate
                  address: { socket_address: { address: 127.0.0.1, port_value: ${terminate} } }
                  filter_chains:
                  - transport_socket:
                      name: tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                        require_client_certificate: true
                        common_tls_context:
                          tls_certificates:
                          - certificate_chain: { filename: "CERTS/server-cert.pem" }
                            private_key: { filename: "CERTS/server-key.pem" }
                          validation_context: { trusted_ca: { filename: "CERTS/server-ca.pem" } }
                    filters:
                    - name: istio_authn
                      typed_config:
                        "@type": TYPED_STRUCT
                        type_url: type.googleapis.com/io.istio.network.authn.Config
                        value: { shared: true }
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: connect_terminate
                        upgrade_configs: [{ upgrade_type: CONNECT }]
                        route_config:
                          name: default
                          virtual_hosts:
                          - name: default
                            domains: ["*"]
                            routes:
                            - match: { connect_matcher: {} }
                              route:
                                cluster: main_internal
                                upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }]
                              typed_per_filter_config:
                                connect_authority:
                                  "@type": TYPED_STRUCT
                                  type_url: type.googleapis.com/io.istio.http.connect_authority.Config
                                  value: { enabled: true }
                        http_filters:
                        - name: connect_baggage
                          typed_config: { "@type": TYPED_STRUCT, type_url: type.googleapis.com/io.istio.http.connect_baggage.Config }
                        - name: connect_authority
                          typed_config: { "@type": TYPED_STRUCT, type_url: type.googleapis.com/io.istio.http.connect_authority.Config }
                        - name: envoy.filters.http.router
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                - name: main_internal
                  internal_listener: {}
                  listener_filters:
                  - name: set_dst_address
                    typed_config: { "@type": TYPED_STRUCT, type_url: type.googleapis.com/istio.set_internal_dst_address.v1.Config }
                  filter_chains:
                  - filter_chain_match: { destination_port: APP }
                    filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: inbound_APP
                        access_log:
                        - name: envoy.access_loggers.file
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                            path: LOG
                            log_format:
                              text_format_source:
                                inline_string: "%DOWNSTREAM_LOCAL_ADDRESS% %RESPONSE_CODE% peer=%FILTER_STATE(wasm.downstream_peer:PLAIN)% principal=%FILTER_STATE(io.istio.peer_principal:PLAIN)%\\n"
                        route_config:
                          name: inbound
                          virtual_hosts:
                          - name: inbound
                            domains: ["*"]
                            routes:
                            - match: { prefix: "/" }
                              route: { cluster: "inbound|APP||" }
                        http_filters:
                        - name: envoy.filters.http.rbac
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                            rules:
                              policies:
                                ns[shop]-policy[orders]-rule[0]:
                                  permissions: [{ any: true }]
                                  principals:
                                  - filter_state: { key: io.istio.peer_principal, string_match: { prefix: "spiffe://cluster.local/ns/shop/" } }
                        - name: envoy.filters.http.router
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.replace("TYPED_STRUCT", TYPED_STRUCT).replace("CERTS", certs.toString())
                .replace("APP", String.valueOf(app.port())).replace("LOG", log.toString());
        String clusters = """
                - name: main_internal
                  connect_timeout: 1s
                  transport_socket:
                    name: internal_upstream
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport
                      transport_socket: { name: raw_buffer, typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer } }
                  load_assignment:
                    cluster_name: main_internal
                    endpoints:
                    - lb_endpoints:
                      - endpoint: { address: { envoy_internal_address: { server_listener_name: main_internal } } }
                - name: "inbound|APP||"
                  type: ORIGINAL_DST
                  lb_policy: CLUSTER_PROVIDED
                  connect_timeout: 1s
                """.replace("APP", String.valueOf(app.port()));
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners, clusters, PORTS), List.of());
    }

    /** A CONNECT to connect_terminate for the app, as {@code who}, with an Istio baggage header. */
    static Curl hbone(String who) throws Exception {
        return Curl.run("-p", "--proxy", "https://127.0.0.1:" + PORTS.get("terminate"), "--proxy-insecure",
                "--proxy-cacert", certs.resolve("server-ca.pem").toString(),
                "--proxy-cert", certs.resolve(who + "-cert.pem").toString(),
                "--proxy-key", certs.resolve(who + "-key.pem").toString(),
                "--proxy-header", "baggage: k8s.namespace.name=shop,k8s.deployment.name=sleep-v1,service.name=sleep",
                "http://127.0.0.1:" + app.port() + "/hello");
    }

    static String awaitLogLine(int n) throws Exception {
        for (int i = 0; i < 100; i++) {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            if (lines.size() >= n) {
                return lines.get(n - 1);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no access log line " + n + " in " + log);
    }

    @Test
    void theAuthorityPeerAndPrincipalReachMainInternal() throws Exception {
        Curl allowed = hbone("sleep");
        assertEquals(200, allowed.status(), allowed.text());
        assertEquals("ok", allowed.text());
        String line = awaitLogLine(1);
        assertTrue(line.startsWith("127.0.0.1:" + app.port() + " 200 "), "the authority is the destination: " + line);
        assertTrue(line.contains("workload=sleep-v1") && line.contains("namespace=shop"), line);
        assertTrue(line.contains("principal=spiffe://cluster.local/ns/shop/sa/sleep"), line);

        Curl denied = hbone("intruder");
        assertEquals(403, denied.status(), "main_internal's RBAC matches the shared principal");
        assertTrue(awaitLogLine(2).contains(" 403 "), awaitLogLine(2));
    }
}

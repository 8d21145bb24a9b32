package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The internal_upstream transport socket's {@code passthrough_metadata}, as Istio's waypoint uses
 * it: endpoints of {@code envoy_internal_address} carry {@code envoy.filters.listener.original_dst}
 * metadata ({@code local: "ip:port"}), the cluster passes that namespace through (from the host, or
 * from the cluster's own metadata), and the internal listener's {@code original_dst} filter
 * restores it as the connection's destination: the listener picks its filter chain by that
 * destination port and {@code %DOWNSTREAM_LOCAL_ADDRESS%} is it. A cluster that passes nothing
 * reaches the listener with no destination, so no chain matches. Istio's
 * {@code istio.set_internal_dst_address} restores it from the {@code tunnel} namespace's
 * {@code destination} the same way.
 */
class InternalPassthroughE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static int http;
    static java.nio.file.Path tcpLog;

    private static String cluster(String name, String hostLocal, String clusterLocal, String passthroughKind) {
        return Bootstraps.internalCluster(name, "inner", hostLocal == null ? "x" : hostLocal,
                passthroughKind == null ? "" : """
                        - { kind: { %s: {} }, name: envoy.filters.listener.original_dst }
                        - { kind: { host: {} }, name: istio }
                        """.formatted(passthroughKind),
                clusterLocal == null ? ""
                        : "metadata: { filter_metadata: { envoy.filters.listener.original_dst: { local: \"%s\" } } }"
                        .formatted(clusterLocal),
                hostLocal == null ? "" : ("{ filter_metadata: { envoy.filters.listener.original_dst: { local: \"%s\" },"
                        + " istio: { workload: \"httpbin;default;httpbin;v1;Kubernetes\" } } }").formatted(hostLocal));
    }

    /** A cluster to the inner_tunnel listener passing its endpoint's {@code tunnel} metadata through. */
    private static String tunnelCluster(String name, String destination, String address, boolean oneRequestPerConnection) {
        return Bootstraps.internalCluster(name, "inner_tunnel", "", "- { kind: { host: {} }, name: tunnel }",
                !oneRequestPerConnection ? "" : """
                        typed_extension_protocol_options:
                          envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                            "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                            common_http_protocol_options: { max_requests_per_connection: 1 }
                            explicit_http_config: { http_protocol_options: {} }
                        """,
                "{ filter_metadata: { tunnel: { destination: \"%s\", address: \"%s\" } } }".formatted(destination, address));
    }

    private static String innerChain(int port) {
        return """
                    - filter_chain_match: { destination_port: %1$d }
                      filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inner_%1$d
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { prefix: / }
                                direct_response: { status: 200, body: { inline_string: "chain %1$d" } }
                                response_headers_to_add: [{ header: { key: x-dst, value: "%%DOWNSTREAM_LOCAL_ADDRESS%%" } }]
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(port);
    }

    @BeforeAll
    static void start() throws Exception {
        http = ProxyProcess.freePort();
        tcpLog = TempPaths.file("internal-tcp", ".log");
        String yaml = Bootstraps.INTERNAL_LISTENER_EXTENSION + """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                static_resources:
                  listeners:
                  - name: outer
                    address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: outer
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - { match: { prefix: /a }, route: { cluster: host_a } }
                              - { match: { prefix: /b }, route: { cluster: host_b } }
                              - { match: { prefix: /c }, route: { cluster: from_cluster } }
                              - { match: { prefix: /none }, route: { cluster: no_passthrough } }
                              - { match: { prefix: /tunnel }, route: { cluster: tunnel } }
                              - { match: { prefix: /ready }, route: { cluster: tunnel_endpoint } }
                              - { match: { prefix: /server_info }, route: { cluster: tunnel_tcp } }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  - name: inner
                    internal_listener: {}
                    listener_filters:
                    - name: envoy.filters.listener.original_dst
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst }
                    filter_chains:
                %3$s%4$s  - name: inner_tunnel
                    internal_listener: {}
                    listener_filters:
                    - name: set_dst_address
                      typed_config:
                        "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                        type_url: type.googleapis.com/istio.set_internal_dst_address.v1.Config
                    filter_chains:
                %4$s    - filter_chain_match: { destination_port: 901 }
                      filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: originate
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - { match: { prefix: / }, route: { cluster: originate } }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                    - filter_chain_match: { destination_port: 902 }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: originate_tcp
                          cluster: originate
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: %9$s
                              log_format: { text_format_source: { inline_string: "tunnel=%%DYNAMIC_METADATA(tunnel:destination)%%\n" } }
                  clusters:
                %10$s  - name: originate
                    type: ORIGINAL_DST
                    lb_policy: CLUSTER_PROVIDED
                    connect_timeout: 1s
                %11$s%12$s%5$s%6$s%7$s%8$s""".formatted(stack.adminPort, http, innerChain(800), innerChain(900),
                cluster("host_a", "10.1.2.3:800", null, "host"),
                cluster("host_b", "10.1.2.4:900", null, "host"),
                cluster("from_cluster", null, "10.1.2.5:900", "cluster"),
                cluster("no_passthrough", "10.1.2.3:800", null, null), tcpLog,
                // One request per connection: the internal connection closes, so tcp_proxy logs it.
                tunnelCluster("tunnel_tcp", "10.1.2.8:902", "127.0.0.1:" + stack.adminPort, true),
                tunnelCluster("tunnel_endpoint", "10.1.2.7:901", "127.0.0.1:" + stack.adminPort, false),
                tunnelCluster("tunnel", "10.1.2.6:900", "10.1.2.6:15008", false));
        proxy = stack.start(yaml);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void hostMetadataRestoresTheDestinationTheInternalListenerMatchesOn() throws Exception {
        HttpResponse<String> a = get("/a");
        assertEquals(200, a.statusCode(), a.body() + proxy.log());
        assertEquals("chain 800", a.body());
        assertEquals("10.1.2.3:800", a.headers().firstValue("x-dst").orElse(null));
        HttpResponse<String> b = get("/b");
        assertEquals("chain 900", b.body(), proxy.log());
        assertEquals("10.1.2.4:900", b.headers().firstValue("x-dst").orElse(null));
    }

    @Test
    void clusterMetadataPassesThroughToo() throws Exception {
        HttpResponse<String> c = get("/c");
        assertEquals("chain 900", c.body(), proxy.log());
        assertEquals("10.1.2.5:900", c.headers().firstValue("x-dst").orElse(null));
    }

    @Test
    void istioSetInternalDstAddressRestoresTheTunnelDestination() throws Exception {
        HttpResponse<String> t = get("/tunnel");
        assertEquals("chain 900", t.body(), proxy.log());
        assertEquals("10.1.2.6:900", t.headers().firstValue("x-dst").orElse(null));
    }

    @Test
    void theTunnelAddressIsWhereOriginalDstConnects() throws Exception {
        // Chain 901 by the tunnel destination; its ORIGINAL_DST cluster connects to the tunnel
        // address (the proxy's own admin port here), not to 10.1.2.7:901.
        HttpResponse<String> r = get("/ready");
        assertEquals(200, r.statusCode(), r.body() + proxy.log());
        assertEquals("LIVE", r.body().trim());
    }

    @Test
    void passedThroughMetadataIsTheTcpConnectionsDynamicMetadata() throws Exception {
        HttpResponse<String> r = get("/server_info");
        assertEquals(200, r.statusCode(), r.body() + proxy.log());
        long deadline = System.nanoTime() + 10_000_000_000L;
        String logged = "";
        while (System.nanoTime() < deadline && !logged.contains("tunnel=")) {
            Thread.sleep(50);
            logged = java.nio.file.Files.readString(tcpLog);
        }
        assertEquals("tunnel=10.1.2.8:902", logged.strip(), proxy.log());
    }

    @Test
    void withoutPassthroughTheInternalListenerHasNoDestinationToMatch() throws Exception {
        String noMatch = "envoy_listener_no_filter_chain_match{envoy_listener_address=\"inner\"}";
        double before = proxy.metric(noMatch);
        HttpResponse<String> none = get("/none");
        assertEquals(503, none.statusCode(), none.body());
        assertEquals(before + 1, proxy.metric(noMatch), proxy.admin("/stats/prometheus"));
    }
}

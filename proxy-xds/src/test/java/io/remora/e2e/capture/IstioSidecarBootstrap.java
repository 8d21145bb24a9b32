package io.remora.e2e.capture;

import static io.remora.e2e.capture.CapturedPod.APP_GRPC;
import static io.remora.e2e.capture.CapturedPod.APP_HTTP;
import static io.remora.e2e.capture.CapturedPod.APP_TCP;
import static io.remora.e2e.capture.CapturedPod.PEER_GRPC;
import static io.remora.e2e.capture.CapturedPod.PEER_HTTP;
import static io.remora.e2e.capture.CapturedPod.PEER_IP;
import static io.remora.e2e.capture.CapturedPod.PEER_TCP;
import static io.remora.e2e.capture.CapturedPod.POD_IP;

/**
 * A static bootstrap with the listener and cluster shapes istiod sends a sidecar (as in
 * {@code sidecar-listeners.json}): virtualOutbound on 15001 handing connections over by
 * original destination to {@code bind_to_port: false} service listeners, with
 * PassthroughCluster as its catch-all and BlackHoleCluster for connections to 15001 itself;
 * virtualInbound on 15006 with the original_dst listener filter (and original_src plus a
 * transparent socket in TPROXY mode), per-port chains to ORIGINAL_DST {@code inbound|port||}
 * clusters bound to 127.0.0.6, and InboundPassthroughClusterIpv4 for other ports. Istio's own
 * filters (stats, metadata exchange, authn) are left out: the point here is capture.
 */
final class IstioSidecarBootstrap {
    static final String SVC = "peer.default.svc.cluster.local";
    static final String OUT_HTTP = "outbound|" + PEER_HTTP + "||" + SVC;
    static final String OUT_GRPC = "outbound|" + PEER_GRPC + "||" + SVC;
    static final String OUT_TCP = "outbound|" + PEER_TCP + "||" + SVC;
    static final String IN_HTTP = "inbound|" + APP_HTTP + "||";
    static final String IN_GRPC = "inbound|" + APP_GRPC + "||";
    static final String IN_TCP = "inbound|" + APP_TCP + "||";

    private static final String TCP_PROXY = "{ \"@type\": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy,"
            + " stat_prefix: \"%1$s\", cluster: \"%1$s\" }";
    private static final String ROUTER = """
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
            """;

    /**
     * Istio's virtualOutbound listener (15001, use_original_dst): connections to its own port go
     * to BlackHoleCluster, the rest not claimed by a listener of their address pass through.
     */
    static final String VIRTUAL_OUTBOUND = """
              - name: virtualOutbound
                address: { socket_address: { address: 0.0.0.0, port_value: 15001 } }
                use_original_dst: true
                traffic_direction: OUTBOUND
                filter_chains:
                - name: virtualOutbound-blackhole
                  filter_chain_match: { destination_port: 15001 }
                  filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config: %1$s
                - name: virtualOutbound-catchall-tcp
                  filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config: %2$s
            """.formatted(TCP_PROXY.formatted("BlackHoleCluster"), TCP_PROXY.formatted("PassthroughCluster"));

    /** The two clusters every sidecar has: BlackHoleCluster and PassthroughCluster (ORIGINAL_DST). */
    static final String BLACKHOLE_AND_PASSTHROUGH = """
              - name: BlackHoleCluster
                type: STATIC
                connect_timeout: 10s
              - name: PassthroughCluster
                type: ORIGINAL_DST
                lb_policy: CLUSTER_PROVIDED
                connect_timeout: 10s
            """;

    private IstioSidecarBootstrap() {
    }

    static String tcpProxy(String cluster) {
        return TCP_PROXY.formatted(cluster);
    }

    /** Istio's outbound HTTP listener for a service port: HTTP by sniffing, else passthrough TCP. */
    private static String outboundHttpListener(int port, String cluster) {
        return outboundHttpListener(port, cluster, ROUTER);
    }

    /** As above, with these {@code http_filters} (YAML at the HCM's indentation, router last). */
    static String outboundHttpListener(int port, String cluster, String httpFilters) {
        return """
                  - name: 0.0.0.0_%1$d
                    address: { socket_address: { address: 0.0.0.0, port_value: %1$d } }
                    bind_to_port: false
                    traffic_direction: OUTBOUND
                    listener_filters:
                    - name: envoy.filters.listener.tls_inspector
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
                    - name: envoy.filters.listener.http_inspector
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector }
                    filter_chains:
                    - filter_chain_match: { transport_protocol: raw_buffer, application_protocols: [http/1.1, h2c] }
                      filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: outbound_0.0.0.0_%1$d
                          route_config:
                            name: "%1$d"
                            virtual_hosts:
                            - name: "%2$s:%1$d"
                              domains: ["%2$s", "%2$s:%1$d", "%3$s", "%3$s:%1$d"]
                              routes:
                              - match: { prefix: / }
                                route: { cluster: "%4$s", timeout: 0s }
                            - name: allow_any
                              domains: ["*"]
                              routes:
                              - match: { prefix: / }
                                route: { cluster: PassthroughCluster, timeout: 0s }
                %5$s    default_filter_chain:
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: %6$s
                """.formatted(port, SVC, PEER_IP, cluster, httpFilters, tcpProxy("PassthroughCluster"));
    }

    /** A virtualInbound filter chain for an HTTP (or gRPC) port of the app. */
    private static String inboundHttpChain(int port, String cluster) {
        return """
                    - name: 0.0.0.0_%1$d
                      filter_chain_match: { destination_port: %1$d, transport_protocol: raw_buffer }
                      filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inbound_0.0.0.0_%1$d
                          route_config:
                            name: "%2$s"
                            virtual_hosts:
                            - name: inbound|http|%1$d
                              domains: ["*"]
                              routes:
                              - match: { prefix: / }
                                route: { cluster: "%2$s", timeout: 0s }
                %3$s""".formatted(port, cluster, ROUTER);
    }

    /** Istio's inbound cluster: ORIGINAL_DST, bound to 127.0.0.6, the downstream's HTTP version. */
    static String inboundCluster(String name) {
        return """
                  - name: "%s"
                    type: ORIGINAL_DST
                    lb_policy: CLUSTER_PROVIDED
                    connect_timeout: 10s
                    upstream_bind_config: { source_address: { address: 127.0.0.6, port_value: 0 } }
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} }
                """.formatted(name);
    }

    /** An outbound service cluster (EDS in Istio; here its one endpoint, the peer). */
    private static String serviceCluster(String name, int port, boolean http2) {
        return """
                  - name: "%1$s"
                    type: STATIC
                    connect_timeout: 10s
                %4$s    load_assignment:
                      cluster_name: "%1$s"
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: %2$s, port_value: %3$d } } }
                """.formatted(name, PEER_IP, port, !http2 ? "" : """
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http2_protocol_options: {} }
                """);
    }

    static String yaml(CapturedPod.Mode mode) {
        boolean tproxy = mode == CapturedPod.Mode.TPROXY;
        String inboundFilters = """
                    - name: envoy.filters.listener.original_dst
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst }
                """ + (!tproxy ? "" : """
                    - name: envoy.filters.listener.original_src
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.original_src.v3.OriginalSrc, mark: 1337 }
                """) + """
                    - name: envoy.filters.listener.tls_inspector
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
                """;
        return """
                node:
                  id: sidecar~%1$s~app-1.default~default.svc.cluster.local
                  cluster: app.default
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                static_resources:
                  listeners:
                %4$s%5$s%6$s  - name: %7$s_%8$d
                    address: { socket_address: { address: %7$s, port_value: %8$d } }
                    bind_to_port: false
                    traffic_direction: OUTBOUND
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: %9$s
                  - name: virtualInbound
                    address: { socket_address: { address: 0.0.0.0, port_value: 15006 } }
                    transparent: %10$s
                    traffic_direction: INBOUND
                    listener_filters:
                %11$s    filter_chains:
                    - name: virtualInbound-blackhole
                      filter_chain_match: { destination_port: 15006 }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: %3$s
                %12$s%13$s    - name: 0.0.0.0_%14$d
                      filter_chain_match: { destination_port: %14$d, transport_protocol: raw_buffer }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: %15$s
                    - name: virtualInbound
                      filter_chain_match: { prefix_ranges: [{ address_prefix: 0.0.0.0, prefix_len: 0 }], transport_protocol: raw_buffer }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: %16$s
                  clusters:
                %23$s  - name: InboundPassthroughClusterIpv4
                    type: ORIGINAL_DST
                    lb_policy: CLUSTER_PROVIDED
                    connect_timeout: 10s
                    upstream_bind_config: { source_address: { address: 127.0.0.6, port_value: 0 } }
                %17$s%18$s%19$s%20$s%21$s%22$s""".formatted(
                POD_IP, CapturedPod.ADMIN, tcpProxy("BlackHoleCluster"), VIRTUAL_OUTBOUND,
                outboundHttpListener(PEER_HTTP, OUT_HTTP), outboundHttpListener(PEER_GRPC, OUT_GRPC),
                PEER_IP, PEER_TCP, tcpProxy(OUT_TCP),
                tproxy, inboundFilters,
                inboundHttpChain(APP_HTTP, IN_HTTP), inboundHttpChain(APP_GRPC, IN_GRPC),
                APP_TCP, tcpProxy(IN_TCP), tcpProxy("InboundPassthroughClusterIpv4"),
                inboundCluster(IN_HTTP), inboundCluster(IN_GRPC), inboundCluster(IN_TCP),
                serviceCluster(OUT_HTTP, PEER_HTTP, false), serviceCluster(OUT_GRPC, PEER_GRPC, true),
                serviceCluster(OUT_TCP, PEER_TCP, false), BLACKHOLE_AND_PASSTHROUGH);
    }
}

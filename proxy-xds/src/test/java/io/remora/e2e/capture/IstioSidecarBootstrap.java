package io.remora.e2e.capture;

import static io.remora.e2e.capture.CapturedPod.APP_HTTP;
import static io.remora.e2e.capture.CapturedPod.APP_TCP;
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
    static final String OUT_TCP = "outbound|" + PEER_TCP + "||" + SVC;
    static final String IN_HTTP = "inbound|" + APP_HTTP + "||";
    static final String IN_TCP = "inbound|" + APP_TCP + "||";

    private IstioSidecarBootstrap() {
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
                  - name: virtualOutbound
                    address: { socket_address: { address: 0.0.0.0, port_value: 15001 } }
                    use_original_dst: true
                    traffic_direction: OUTBOUND
                    filter_chains:
                    - name: virtualOutbound-blackhole
                      filter_chain_match: { destination_port: 15001 }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: BlackHoleCluster, cluster: BlackHoleCluster }
                    - name: virtualOutbound-catchall-tcp
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: PassthroughCluster, cluster: PassthroughCluster }
                  - name: 0.0.0.0_%3$d
                    address: { socket_address: { address: 0.0.0.0, port_value: %3$d } }
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
                          stat_prefix: outbound_0.0.0.0_%3$d
                          route_config:
                            name: "%3$d"
                            virtual_hosts:
                            - name: "%5$s:%3$d"
                              domains: ["%5$s", "%5$s:%3$d", "%4$s", "%4$s:%3$d"]
                              routes:
                              - match: { prefix: / }
                                route: { cluster: "%6$s", timeout: 0s }
                            - name: allow_any
                              domains: ["*"]
                              routes:
                              - match: { prefix: / }
                                route: { cluster: PassthroughCluster, timeout: 0s }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                    default_filter_chain:
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: PassthroughCluster, cluster: PassthroughCluster }
                  - name: %4$s_%7$d
                    address: { socket_address: { address: %4$s, port_value: %7$d } }
                    bind_to_port: false
                    traffic_direction: OUTBOUND
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: "%8$s", cluster: "%8$s" }
                  - name: virtualInbound
                    address: { socket_address: { address: 0.0.0.0, port_value: 15006 } }
                    transparent: %9$s
                    traffic_direction: INBOUND
                    listener_filters:
                %10$s
                    filter_chains:
                    - name: virtualInbound-blackhole
                      filter_chain_match: { destination_port: 15006 }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: BlackHoleCluster, cluster: BlackHoleCluster }
                    - name: 0.0.0.0_%11$d
                      filter_chain_match: { destination_port: %11$d, transport_protocol: raw_buffer }
                      filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inbound_0.0.0.0_%11$d
                          route_config:
                            name: "%12$s"
                            virtual_hosts:
                            - name: inbound|http|%11$d
                              domains: ["*"]
                              routes:
                              - match: { prefix: / }
                                route: { cluster: "%12$s", timeout: 0s }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                    - name: 0.0.0.0_%13$d
                      filter_chain_match: { destination_port: %13$d, transport_protocol: raw_buffer }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: "%14$s", cluster: "%14$s" }
                    - name: virtualInbound
                      filter_chain_match: { prefix_ranges: [{ address_prefix: 0.0.0.0, prefix_len: 0 }], transport_protocol: raw_buffer }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: InboundPassthroughClusterIpv4, cluster: InboundPassthroughClusterIpv4 }
                  clusters:
                  - name: BlackHoleCluster
                    type: STATIC
                    connect_timeout: 10s
                  - name: PassthroughCluster
                    type: ORIGINAL_DST
                    lb_policy: CLUSTER_PROVIDED
                    connect_timeout: 10s
                  - name: InboundPassthroughClusterIpv4
                    type: ORIGINAL_DST
                    lb_policy: CLUSTER_PROVIDED
                    connect_timeout: 10s
                    upstream_bind_config: { source_address: { address: 127.0.0.6, port_value: 0 } }
                  - name: "%12$s"
                    type: ORIGINAL_DST
                    lb_policy: CLUSTER_PROVIDED
                    connect_timeout: 10s
                    upstream_bind_config: { source_address: { address: 127.0.0.6, port_value: 0 } }
                  - name: "%14$s"
                    type: ORIGINAL_DST
                    lb_policy: CLUSTER_PROVIDED
                    connect_timeout: 10s
                    upstream_bind_config: { source_address: { address: 127.0.0.6, port_value: 0 } }
                  - name: "%6$s"
                    type: STATIC
                    connect_timeout: 10s
                    load_assignment:
                      cluster_name: "%6$s"
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: %4$s, port_value: %3$d } } }
                  - name: "%8$s"
                    type: STATIC
                    connect_timeout: 10s
                    load_assignment:
                      cluster_name: "%8$s"
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: %4$s, port_value: %7$d } } }
                """.formatted(POD_IP, CapturedPod.ADMIN, PEER_HTTP, PEER_IP, SVC, OUT_HTTP, PEER_TCP, OUT_TCP,
                tproxy, inboundFilters.stripTrailing(), APP_HTTP, IN_HTTP, APP_TCP, IN_TCP);
    }
}

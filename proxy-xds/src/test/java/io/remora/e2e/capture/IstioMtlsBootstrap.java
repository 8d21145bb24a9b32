package io.remora.e2e.capture;

import java.nio.file.Path;

import static io.remora.e2e.capture.CapturedPod.ADMIN;
import static io.remora.e2e.capture.CapturedPod.PEER_GRPC;
import static io.remora.e2e.capture.CapturedPod.PEER_HTTP;
import static io.remora.e2e.capture.CapturedPod.PEER_IP;
import static io.remora.e2e.capture.CapturedPod.PEER_TCP;
import static io.remora.e2e.capture.CapturedPod.POD_IP;
import static io.remora.e2e.capture.IstioSidecarBootstrap.BLACKHOLE_AND_PASSTHROUGH;
import static io.remora.e2e.capture.IstioSidecarBootstrap.OUT_GRPC;
import static io.remora.e2e.capture.IstioSidecarBootstrap.OUT_HTTP;
import static io.remora.e2e.capture.IstioSidecarBootstrap.OUT_TCP;
import static io.remora.e2e.capture.IstioSidecarBootstrap.SVC;
import static io.remora.e2e.capture.IstioSidecarBootstrap.VIRTUAL_OUTBOUND;
import static io.remora.e2e.capture.IstioSidecarBootstrap.inboundCluster;
import static io.remora.e2e.capture.IstioSidecarBootstrap.outboundHttpListener;
import static io.remora.e2e.capture.IstioSidecarBootstrap.tcpProxy;

/**
 * The two sidecars of {@link MtlsCaptureE2ETest}, shaped as istiod configures them (listener and
 * cluster shapes of {@code sidecar-listeners.json} and {@code sidecar-http-config.json}):
 * <ul>
 * <li>the client pod's ("app"): virtualOutbound handing off to the peer service's outbound
 * listeners, whose clusters pick ISTIO_MUTUAL by {@code transport_socket_matches} on the
 * endpoint's {@code tlsMode: istio} (SPIFFE certificate "default", roots "ROOTCA", the peer's
 * SAN, SNI {@code outbound_.<port>_._.<host>}, ALPN {@code istio-peer-exchange, istio}, the
 * upstream metadata exchange), and {@code istio.alpn} in the HTTP listeners;</li>
 * <li>the peer pod's: virtualInbound with Istio's mTLS filter chains (client certificate
 * required, SANs under {@code spiffe://cluster.local/}, client certificate details forwarded
 * to the app), port 9080 PERMISSIVE (a plaintext chain as well), 9092 and 9090 STRICT (TLS
 * chains only), and the plaintext passthrough chain for other ports.</li>
 * </ul>
 * Istio's stats and metadata exchange filters are in place on both sides. The certificates are
 * static secrets in the bootstrap (files), under the names pilot-agent's SDS serves.
 */
final class IstioMtlsBootstrap {
    static final String CLIENT_SA = "spiffe://cluster.local/ns/default/sa/app";
    static final String SERVER_SA = "spiffe://cluster.local/ns/default/sa/peer";
    static final String CLIENT_WORKLOAD = "app-v1";
    static final String SERVER_WORKLOAD = "peer-v1";
    static final String IN_HTTP = "inbound|" + PEER_HTTP + "||";
    static final String IN_GRPC = "inbound|" + PEER_GRPC + "||";
    static final String IN_TCP = "inbound|" + PEER_TCP + "||";

    private IstioMtlsBootstrap() {
    }

    /** Node metadata as pilot-agent's bootstrap carries it; the metadata exchange sends it to the peer. */
    private static String node(String ip, String workload, String app) {
        return """
                node:
                  id: sidecar~%1$s~%2$s-0.default~default.svc.cluster.local
                  cluster: %3$s.default
                  metadata:
                    NAME: %2$s-0
                    NAMESPACE: default
                    CLUSTER_ID: Kubernetes
                    WORKLOAD_NAME: %2$s
                    OWNER: kubernetes://apis/apps/v1/namespaces/default/deployments/%2$s
                    ISTIO_VERSION: 1.22.3
                    MESH_ID: cluster.local
                    INTERCEPTION_MODE: REDIRECT
                    LABELS:
                      app: %3$s
                      version: v1
                      service.istio.io/canonical-name: %3$s
                      service.istio.io/canonical-revision: v1
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %4$d } }
                """.formatted(ip, workload, app, ADMIN);
    }

    /** The workload certificate and the mesh's roots, as the static secrets "default" and "ROOTCA". */
    private static String secrets(Path certs, String prefix) {
        return """
                  secrets:
                  - name: default
                    tls_certificate:
                      certificate_chain: { filename: "%1$s" }
                      private_key: { filename: "%2$s" }
                  - name: ROOTCA
                    validation_context: { trusted_ca: { filename: "%3$s" } }
                """.formatted(certs.resolve(prefix + "-cert.pem"), certs.resolve(prefix + "-key.pem"),
                certs.resolve(prefix + "-ca.pem"));
    }

    /** Istio's HTTP metadata exchange in its null-VM Wasm form, an http_filters entry of both sides' HCMs. */
    private static final String WASM_METADATA_EXCHANGE = """
                      - name: istio.metadata_exchange
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                          config:
                            vm_config:
                              runtime: envoy.wasm.runtime.null
                              code: { local: { inline_string: envoy.wasm.metadata_exchange } }
                            configuration:
                              "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange
            """;

    /** The outbound HCM's filters: metadata exchange, istio.alpn, stats, router. */
    private static final String OUTBOUND_HTTP_FILTERS = """
                      http_filters:
            """ + WASM_METADATA_EXCHANGE + """
                      - name: istio.alpn
                        typed_config:
                          "@type": type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig
                          alpn_override:
                          - { alpn_override: [istio-http/1.0, istio, http/1.0] }
                          - { upstream_protocol: HTTP11, alpn_override: [istio-http/1.1, istio, http/1.1] }
                          - { upstream_protocol: HTTP2, alpn_override: [istio-h2, istio, h2] }
                      - name: istio.stats
                        typed_config: { "@type": type.googleapis.com/stats.PluginConfig }
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
            """;

    /** An outbound service cluster with Istio's auto-mTLS shape; its one endpoint is the peer pod, tlsMode istio. */
    private static String meshCluster(String name, int port, boolean http2) {
        return """
                  - name: "%1$s"
                    type: STATIC
                    connect_timeout: 10s
                    metadata:
                      filter_metadata:
                        istio:
                          default_original_port: %3$d
                          services: [{ host: %4$s, name: peer, namespace: default }]
                    filters:
                    - name: istio.metadata_exchange
                      typed_config: { "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange, protocol: istio-peer-exchange }
                %5$s    transport_socket_matches:
                    - name: tlsMode-istio
                      match: { tlsMode: istio }
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                          common_tls_context:
                            tls_params: { tls_minimum_protocol_version: TLSv1_2, tls_maximum_protocol_version: TLSv1_3 }
                            alpn_protocols: [istio-peer-exchange, istio]
                            tls_certificate_sds_secret_configs: [{ name: default }]
                            combined_validation_context:
                              default_validation_context:
                                match_subject_alt_names: [{ exact: "%6$s" }]
                              validation_context_sds_secret_config: { name: ROOTCA }
                          sni: outbound_.%3$d_._.%4$s
                    - name: tlsMode-disabled
                      match: {}
                      transport_socket:
                        name: envoy.transport_sockets.raw_buffer
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer }
                    load_assignment:
                      cluster_name: "%1$s"
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: %2$s, port_value: %3$d } } }
                          metadata:
                            filter_metadata:
                              istio: { workload: "%7$s;default;peer;v1;Kubernetes" }
                              envoy.transport_socket_match: { tlsMode: istio }
                """.formatted(name, PEER_IP, port, SVC, !http2 ? "" : """
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http2_protocol_options: {} }
                """, SERVER_SA, SERVER_WORKLOAD);
    }

    /** The client pod's sidecar: outbound capture to the peer's three service ports over ISTIO_MUTUAL. */
    static String client(Path certs) {
        return node(POD_IP, CLIENT_WORKLOAD, "app") + """
                static_resources:
                %1$s  listeners:
                %2$s%4$s%5$s  - name: %6$s_%7$d
                    address: { socket_address: { address: %6$s, port_value: %7$d } }
                    bind_to_port: false
                    traffic_direction: OUTBOUND
                    filter_chains:
                    - filters:
                      - name: istio.stats
                        typed_config: { "@type": type.googleapis.com/stats.PluginConfig }
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: %8$s
                  clusters:
                %3$s%9$s%10$s%11$s""".formatted(secrets(certs, "app"), VIRTUAL_OUTBOUND, BLACKHOLE_AND_PASSTHROUGH,
                outboundHttpListener(PEER_HTTP, OUT_HTTP, OUTBOUND_HTTP_FILTERS),
                outboundHttpListener(PEER_GRPC, OUT_GRPC, OUTBOUND_HTTP_FILTERS),
                PEER_IP, PEER_TCP, tcpProxy(OUT_TCP),
                meshCluster(OUT_HTTP, PEER_HTTP, false), meshCluster(OUT_GRPC, PEER_GRPC, true),
                meshCluster(OUT_TCP, PEER_TCP, false));
    }

    /** Istio's inbound DownstreamTlsContext: the workload certificate, a client certificate required. */
    private static String downstreamTls(String alpn) {
        return """
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                          require_client_certificate: true
                          common_tls_context:
                            tls_params: { tls_minimum_protocol_version: TLSv1_2, tls_maximum_protocol_version: TLSv1_3 }
                            alpn_protocols: [%s]
                            tls_certificate_sds_secret_configs: [{ name: default }]
                            combined_validation_context:
                              default_validation_context:
                                match_subject_alt_names: [{ prefix: "spiffe://cluster.local/" }]
                              validation_context_sds_secret_config: { name: ROOTCA }
                """.formatted(alpn);
    }

    private static final String AUTHN_AND_EXCHANGE = """
                      - name: istio_authn
                        typed_config:
                          "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                          type_url: type.googleapis.com/io.istio.network.authn.Config
                      - name: istio.metadata_exchange
                        typed_config: { "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange, protocol: istio-peer-exchange }
                """;

    /** An inbound HTTP chain for a port, over mTLS (Istio's mesh ALPNs) or plaintext. */
    private static String inboundHttpChain(int port, String cluster, boolean mtls) {
        String match = mtls
                ? "{ destination_port: %d, transport_protocol: tls, application_protocols: [istio, istio-peer-exchange, istio-http/1.0, istio-http/1.1, istio-h2] }"
                .formatted(port)
                : "{ destination_port: %d, transport_protocol: raw_buffer }".formatted(port);
        return """
                    - name: 0.0.0.0_%1$d
                      filter_chain_match: %2$s
                      filters:
                %3$s      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inbound_0.0.0.0_%1$d
                          forward_client_cert_details: APPEND_FORWARD
                          set_current_client_cert_details: { subject: true, dns: true, uri: true }
                          route_config:
                            name: "%4$s"
                            virtual_hosts:
                            - name: inbound|http|%1$d
                              domains: ["*"]
                              routes:
                              - name: default
                                match: { prefix: / }
                                route: { cluster: "%4$s", timeout: 0s }
                          http_filters:
                %6$s          - name: istio.stats
                            typed_config: { "@type": type.googleapis.com/stats.PluginConfig, disable_host_header_fallback: true }
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                %5$s""".formatted(port, match, AUTHN_AND_EXCHANGE, cluster,
                mtls ? downstreamTls("h2, http/1.1") : "", WASM_METADATA_EXCHANGE);
    }

    /** The peer pod's sidecar: virtualInbound, 9080 PERMISSIVE, 9092 and 9090 STRICT. */
    static String server(Path certs) {
        return node(PEER_IP, SERVER_WORKLOAD, "peer") + """
                static_resources:
                %1$s  listeners:
                  - name: virtualInbound
                    address: { socket_address: { address: 0.0.0.0, port_value: 15006 } }
                    traffic_direction: INBOUND
                    listener_filters:
                    - name: envoy.filters.listener.original_dst
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst }
                    - name: envoy.filters.listener.tls_inspector
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
                      filter_disabled: { destination_port_range: { start: 15006, end: 15007 } }
                    - name: envoy.filters.listener.http_inspector
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector }
                      filter_disabled: { destination_port_range: { start: 15006, end: 15007 } }
                    filter_chains:
                    - name: virtualInbound-blackhole
                      filter_chain_match: { destination_port: 15006 }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: %2$s
                %3$s%4$s%5$s    - name: 0.0.0.0_%6$d
                      filter_chain_match: { destination_port: %6$d, transport_protocol: tls }
                      filters:
                %7$s      - name: istio.stats
                        typed_config: { "@type": type.googleapis.com/stats.PluginConfig }
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: %8$s
                %9$s    - name: virtualInbound
                      filter_chain_match: { prefix_ranges: [{ address_prefix: 0.0.0.0, prefix_len: 0 }], transport_protocol: raw_buffer }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config: %10$s
                  clusters:
                  - name: BlackHoleCluster
                    type: STATIC
                    connect_timeout: 10s
                  - name: InboundPassthroughClusterIpv4
                    type: ORIGINAL_DST
                    lb_policy: CLUSTER_PROVIDED
                    connect_timeout: 10s
                    upstream_bind_config: { source_address: { address: 127.0.0.6, port_value: 0 } }
                %11$s%12$s%13$s""".formatted(secrets(certs, "peer"), tcpProxy("BlackHoleCluster"),
                inboundHttpChain(PEER_HTTP, IN_HTTP, true), inboundHttpChain(PEER_HTTP, IN_HTTP, false),
                inboundHttpChain(PEER_GRPC, IN_GRPC, true),
                PEER_TCP, AUTHN_AND_EXCHANGE, tcpProxy(IN_TCP), downstreamTls("istio-peer-exchange, h2, http/1.1"),
                tcpProxy("InboundPassthroughClusterIpv4"),
                inboundCluster(IN_HTTP), inboundCluster(IN_GRPC), inboundCluster(IN_TCP));
    }
}

package io.remora.e2e;

import io.remora.extensions.filters.istio.common.PeerMetadataCodec;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio's telemetry between two Remora sidecars over real sockets, with node metadata as Istio's
 * bootstraps carry it: a client sidecar (productpage, outbound listeners) in front of a server
 * sidecar (ratings, inbound listeners) in front of the apps. HTTP requests exchange workloads in
 * {@code x-envoy-peer-metadata} headers (the client in Istio ≥ 1.22's {@code peer_metadata} form,
 * the server in the older null-VM Wasm form) and both sides count {@code istio_requests_total}
 * with each other's labels; TCP connections are counted with their bytes; and a TLS client
 * speaking Istio's TCP exchange over ALPN {@code istio-peer-exchange} is identified by its
 * metadata and its SPIFFE certificate.
 */
class IstioTelemetryE2ETest {

    static final String HOST = "server.default.svc.cluster.local";
    static final String CLIENT_SA = "spiffe://cluster.local/ns/default/sa/productpage";
    static final String SERVER_SA = "spiffe://cluster.local/ns/default/sa/ratings";

    @TempDir
    static Path dir;

    static TestUpstream app;
    static ServerSocket echo;
    static ProxyProcess client;
    static ProxyProcess server;
    static int clientHttp;
    static int clientTcp;
    static int serverTls;
    static TestCerts.Ca ca;
    static io.grpc.Server grpc;
    static int clientGrpc;
    static final io.grpc.MethodDescriptor<String, String> SAY = io.remora.testing.GrpcText.unary("demo.Echo/Say");
    static final io.grpc.MethodDescriptor<String, String> FAIL = io.remora.testing.GrpcText.unary("demo.Echo/Fail");
    static final io.grpc.MethodDescriptor<String, String> CHAT = io.remora.testing.GrpcText.bidi("demo.Echo/Chat");
    static TestCerts.Leaf clientLeaf;
    static int clientMtls;

    static String node(String name, String workload, String app, String canonical, String cluster) {
        return """
                node:
                  id: sidecar~10.0.0.1~%1$s.default~default.svc.cluster.local
                  cluster: %3$s.default
                  metadata:
                    NAME: %1$s
                    NAMESPACE: default
                    CLUSTER_ID: %5$s
                    WORKLOAD_NAME: %2$s
                    OWNER: kubernetes://apis/apps/v1/namespaces/default/deployments/%2$s
                    ISTIO_VERSION: 1.22.3
                    MESH_ID: cluster.local
                    INTERCEPTION_MODE: REDIRECT
                    LABELS:
                      app: %3$s
                      version: v1
                      service.istio.io/canonical-name: %4$s
                      service.istio.io/canonical-revision: version-1
                """.formatted(name, workload, app, canonical, cluster);
    }

    @BeforeAll
    static void start() throws Exception {
        app = TestUpstream.text("ratings says hi");
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread c = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            byte[] buf = new byte[4096];
                            for (int n; (n = in.read(buf)) > 0; ) {
                                out.write(buf, 0, n);
                            }
                        } catch (Exception e) {
                            // the test fails on its side
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (Exception e) {
                    // closed
                }
            }
        }, "echo");
        t.setDaemon(true);
        t.start();

        grpc = io.grpc.netty.NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
                .addService(io.grpc.ServerServiceDefinition.builder("demo.Echo")
                        .addMethod(SAY, io.grpc.stub.ServerCalls.asyncUnaryCall((String req,
                                io.grpc.stub.StreamObserver<String> out) -> {
                            out.onNext("hello " + req);
                            out.onCompleted();
                        }))
                        .addMethod(FAIL, io.grpc.stub.ServerCalls.asyncUnaryCall((String req,
                                io.grpc.stub.StreamObserver<String> out) ->
                                out.onError(io.grpc.Status.NOT_FOUND.asRuntimeException())))
                        .addMethod(CHAT, io.grpc.stub.ServerCalls.asyncBidiStreamingCall(out ->
                                new io.grpc.stub.StreamObserver<String>() {
                                    @Override
                                    public void onNext(String m) {
                                        out.onNext("hello " + m);
                                    }

                                    @Override
                                    public void onError(Throwable t) {
                                    }

                                    @Override
                                    public void onCompleted() {
                                        out.onCompleted();
                                    }
                                }))
                        .build())
                .build().start();
        ca = TestCerts.ca("mesh-ca");
        ca.issue("ratings", SERVER_SA, "127.0.0.1").write(dir, "server");
        clientLeaf = ca.issue("productpage", CLIENT_SA);
        clientLeaf.write(dir, "client");

        int serverAdmin = ProxyProcess.freePort();
        int serverHttp = ProxyProcess.freePort();
        int serverTcp = ProxyProcess.freePort();
        serverTls = ProxyProcess.freePort();
        int serverGrpc = ProxyProcess.freePort();
        String tcpFilters = """
                - name: istio_authn
                  typed_config:
                    "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                    type_url: type.googleapis.com/io.istio.network.authn.Config
                - name: istio.metadata_exchange
                  typed_config:
                    "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange
                    protocol: istio-peer-exchange
                - name: istio.stats
                  typed_config:
                    "@type": type.googleapis.com/stats.PluginConfig
                - name: envoy.filters.network.tcp_proxy
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                    stat_prefix: inbound|9000||
                    cluster: inbound|9000||
                """;
        String serverYaml = node("ratings-v1-84975bc778-pxz2w", "ratings-v1", "ratings", "ratings", "server-cluster") + """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                static_resources:
                  listeners:
                  - name: inbound_http
                    address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                    traffic_direction: INBOUND
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inbound_0.0.0.0_9080
                          route_config:
                            name: inbound|9080||
                            virtual_hosts:
                            - name: inbound|http|9080
                              domains: ["*"]
                              routes: [{ name: default, match: { prefix: / }, route: { cluster: "inbound|9080||" } }]
                          http_filters:
                          - name: istio.metadata_exchange
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                              config:
                                vm_config:
                                  runtime: envoy.wasm.runtime.null
                                  code: { local: { inline_string: envoy.wasm.metadata_exchange } }
                                configuration:
                                  "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange
                          - name: istio.stats
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                              config:
                                root_id: stats_inbound
                                vm_config:
                                  vm_id: stats_inbound
                                  runtime: envoy.wasm.runtime.null
                                  code: { local: { inline_string: envoy.wasm.stats } }
                                configuration:
                                  "@type": type.googleapis.com/google.protobuf.StringValue
                                  value: '{"debug": "false", "stat_prefix": "istio", "metrics": [{"dimensions": {}}]}'
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  - name: inbound_tcp
                    address: { socket_address: { address: 127.0.0.1, port_value: %3$d } }
                    traffic_direction: INBOUND
                    filter_chains:
                    - filters:
                %5$s
                  - name: inbound_mtls
                    address: { socket_address: { address: 127.0.0.1, port_value: %4$d } }
                    traffic_direction: INBOUND
                    filter_chains:
                    - transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                          require_client_certificate: true
                          common_tls_context:
                            alpn_protocols: [istio-peer-exchange, h2, http/1.1]
                            tls_certificates:
                            - certificate_chain: { filename: "%6$s/server-cert.pem" }
                              private_key: { filename: "%6$s/server-key.pem" }
                            validation_context:
                              trusted_ca: { filename: "%6$s/server-ca.pem" }
                      filters:
                %5$s
                  - name: inbound_grpc
                    address: { socket_address: { address: 127.0.0.1, port_value: %9$d } }
                    traffic_direction: INBOUND
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inbound_0.0.0.0_7070
                          route_config:
                            virtual_hosts:
                            - name: grpc
                              domains: ["*"]
                              routes: [{ match: { prefix: / }, route: { cluster: "inbound|7070||", timeout: 0s } }]
                          http_filters:
                          - name: istio.metadata_exchange
                            typed_config:
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/io.istio.http.peer_metadata.Config
                              value:
                                downstream_discovery: [{ istio_headers: {} }, { workload_discovery: {} }]
                                downstream_propagation: [{ istio_headers: {} }]
                          - name: envoy.filters.http.grpc_stats
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig
                              emit_filter_state: true
                          - name: istio.stats
                            typed_config:
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/stats.PluginConfig
                              value: { tcp_reporting_duration: 1s }
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  clusters:
                %7$s
                %8$s
                %10$s
                """.formatted(serverAdmin, serverHttp, serverTcp, serverTls, Bootstraps.indent(tcpFilters, 6), dir,
                Bootstraps.indent(Bootstraps.cluster("inbound|9080||", false, null, app.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("inbound|9000||", false, null, echo.getLocalPort()), 2),
                serverGrpc, Bootstraps.indent(Bootstraps.cluster("inbound|7070||", true, null, grpc.getPort()), 2));
        server = ProxyProcess.start(serverYaml, serverAdmin);

        int clientAdmin = ProxyProcess.freePort();
        clientHttp = ProxyProcess.freePort();
        clientTcp = ProxyProcess.freePort();
        clientGrpc = ProxyProcess.freePort();
        clientMtls = ProxyProcess.freePort();
        String clientYaml = node("productpage-v1-84975bc778-pxz2w", "productpage-v1", "productpage", "productpage-v1",
                "client-cluster") + """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %1$d } }
                static_resources:
                  listeners:
                  - name: 0.0.0.0_9080
                    address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                    traffic_direction: OUTBOUND
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: outbound_0.0.0.0_9080
                          access_log:
                          - name: envoy.access_loggers.stdout
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                              log_format: { text_format_source: { inline_string: "upstream_peer=%%FILTER_STATE(wasm.upstream_peer)%%\n" } }
                          route_config:
                            name: "9080"
                            virtual_hosts:
                            - name: server.default.svc.cluster.local:9080
                              domains: ["*"]
                              routes: [{ name: default, match: { prefix: / }, route: { cluster: "outbound|9080||%5$s" } }]
                          http_filters:
                          - name: istio.metadata_exchange
                            typed_config:
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/io.istio.http.peer_metadata.Config
                              value:
                                upstream_discovery: [{ istio_headers: {} }, { workload_discovery: {} }]
                                upstream_propagation: [{ istio_headers: { skip_external_clusters: true } }]
                          - name: istio.alpn
                            typed_config:
                              "@type": type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig
                              alpn_override:
                              - { upstream_protocol: HTTP11, alpn_override: [istio-http/1.1, istio, http/1.1] }
                          - name: istio.stats
                            typed_config:
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/stats.PluginConfig
                              value: { metrics: [{ name: request_messages_total, drop: true }] }
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  - name: 0.0.0.0_9000
                    address: { socket_address: { address: 127.0.0.1, port_value: %3$d } }
                    traffic_direction: OUTBOUND
                    filter_chains:
                    - filters:
                      - name: istio.stats
                        typed_config:
                          "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                          type_url: type.googleapis.com/stats.PluginConfig
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: outbound|9000||echo.default.svc.cluster.local
                          cluster: outbound|9000||echo.default.svc.cluster.local
                  - name: 0.0.0.0_9443
                    address: { socket_address: { address: 127.0.0.1, port_value: %9$d } }
                    traffic_direction: OUTBOUND
                    filter_chains:
                    - filters:
                      - name: istio.stats
                        typed_config:
                          "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                          type_url: type.googleapis.com/stats.PluginConfig
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: mtls-ratings
                          cluster: mtls-ratings
                  - name: 0.0.0.0_7070
                    address: { socket_address: { address: 127.0.0.1, port_value: %7$d } }
                    traffic_direction: OUTBOUND
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: outbound_0.0.0.0_7070
                          route_config:
                            virtual_hosts:
                            - name: grpc
                              domains: ["*"]
                              routes: [{ match: { prefix: / }, route: { cluster: "outbound|7070||grpc.default.svc.cluster.local", timeout: 0s } }]
                          http_filters:
                          - name: istio.metadata_exchange
                            typed_config:
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/io.istio.http.peer_metadata.Config
                              value:
                                upstream_discovery: [{ istio_headers: {} }]
                                upstream_propagation: [{ istio_headers: {} }]
                          - name: envoy.filters.http.grpc_stats
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig
                              emit_filter_state: true
                          - name: istio.stats
                            typed_config: { "@type": type.googleapis.com/stats.PluginConfig, tcp_reporting_duration: 1s }
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  clusters:
                %4$s
                %6$s
                %8$s
                  - name: mtls-ratings
                    type: STATIC
                    connect_timeout: 1s
                    metadata:
                      filter_metadata:
                        istio:
                          services: [{ host: ratings.default.svc.cluster.local, name: ratings, namespace: default }]
                    load_assignment:
                      cluster_name: mtls-ratings
                      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %10$d } } } }] }]
                    filters:
                    - name: istio.metadata_exchange
                      typed_config:
                        "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange
                        protocol: istio-peer-exchange
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        sni: outbound_.9443_._.ratings.default.svc.cluster.local
                        common_tls_context:
                          alpn_protocols: [istio-peer-exchange, istio]
                          tls_certificates:
                          - certificate_chain: { filename: "%11$s/client-cert.pem" }
                            private_key: { filename: "%11$s/client-key.pem" }
                          validation_context:
                            trusted_ca: { filename: "%11$s/client-ca.pem" }
                            match_typed_subject_alt_names:
                            - { san_type: URI, matcher: { exact: "%12$s" } }
                """.formatted(clientAdmin, clientHttp, clientTcp,
                Bootstraps.indent(Bootstraps.cluster("outbound|9080||" + HOST, false, null, serverHttp), 2), HOST,
                Bootstraps.indent(Bootstraps.cluster("outbound|9000||echo.default.svc.cluster.local", false, null,
                        serverTcp), 2), clientGrpc,
                Bootstraps.indent(Bootstraps.cluster("outbound|7070||grpc.default.svc.cluster.local", true, null,
                        serverGrpc), 2), clientMtls, serverTls, dir, SERVER_SA);
        client = ProxyProcess.start(clientYaml, clientAdmin);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ProxyProcess p : new ProxyProcess[]{client, server}) {
            if (p != null) {
                p.closeCheckingLeaks();
            }
        }
        if (app != null) {
            app.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (grpc != null) {
            grpc.shutdownNow();
        }
    }

    /** The labels both sides agree on for an HTTP request from productpage to ratings. */
    static Map<String, String> httpLabels(String reporter) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("reporter", reporter);
        m.put("source_workload", "productpage-v1");
        m.put("source_canonical_service", "productpage-v1");
        m.put("source_canonical_revision", "version-1");
        m.put("source_workload_namespace", "default");
        m.put("source_principal", "unknown");
        m.put("source_app", "productpage");
        m.put("source_version", "v1");
        m.put("source_cluster", "client-cluster");
        m.put("destination_workload", "ratings-v1");
        m.put("destination_workload_namespace", "default");
        m.put("destination_principal", "unknown");
        m.put("destination_app", "ratings");
        m.put("destination_version", "v1");
        m.put("destination_service", HOST);
        m.put("destination_canonical_service", "ratings");
        m.put("destination_canonical_revision", "version-1");
        m.put("destination_service_namespace", "default");
        m.put("destination_cluster", "server-cluster");
        m.put("request_protocol", "http");
        m.put("response_code", "200");
        m.put("grpc_response_status", "");
        m.put("response_flags", "-");
        return m;
    }

    @Test
    void httpRequestsCountedOnBothSidesWithEachOthersWorkload() throws Exception {
        for (int i = 0; i < 3; i++) {
            Curl r = Curl.run("-H", "Host: " + HOST, "http://127.0.0.1:" + clientHttp + "/ratings/" + i);
            assertEquals(200, r.status());
            assertEquals("ratings says hi", new String(r.body()));
            // The exchange headers never reach the application, on either end.
            assertFalse(r.headers().containsKey("x-envoy-peer-metadata"), r.headers().toString());
            assertFalse(r.headers().containsKey("x-envoy-peer-metadata-id"), r.headers().toString());
        }
        assertFalse(app.lastHeaders.containsKey("x-envoy-peer-metadata"), app.lastHeaders.toString());

        Map<String, String> source = httpLabels("source");
        // Outbound: the service comes from the cluster (Istio reads the cluster's istio.services metadata).
        source.put("destination_service_name", "server");
        source.put("connection_security_policy", "unknown");
        assertEquals(3, PrometheusSamples.sample(client, "istio_requests_total", source), client.admin("/stats/prometheus"));
        assertEquals(3, PrometheusSamples.sample(client, "istio_request_duration_milliseconds_count", source));
        assertEquals(3, PrometheusSamples.sample(client, "istio_response_bytes_count", source));
        // Wire bytes, as istio-proxy reads the downstream bytes meter: each response's head as well as its body.
        assertTrue(PrometheusSamples.sample(client, "istio_response_bytes_sum", source)
                >= 3 * ("HTTP/1.1 200 OK\r\n\r\n".length() + "ratings says hi".length()),
                client.admin("/stats/prometheus"));

        Map<String, String> destination = httpLabels("destination");
        // Inbound without cluster metadata: the Host header names the service, as Istio falls back to.
        destination.put("destination_service_name", HOST);
        destination.put("connection_security_policy", "none");
        assertEquals(3, PrometheusSamples.sample(server, "istio_requests_total", destination), server.admin("/stats/prometheus"));
        assertEquals(3, PrometheusSamples.sample(server, "istio_request_bytes_count", destination));

        String prom = client.admin("/stats/prometheus");
        assertTrue(prom.contains("# TYPE istio_requests_total counter"), prom);
        assertTrue(prom.contains("# TYPE istio_request_duration_milliseconds histogram"), prom);
        // Envoy's default buckets, as Istio's dashboards expect them.
        assertTrue(prom.contains("istio_request_duration_milliseconds_bucket{") && prom.contains("le=\"0.5\"")
                && prom.contains("le=\"3600000\""), prom);
        assertTrue(prom.contains("istio_build{component=\"proxy\",tag=\"1.22.3\"} 1"), prom);
        assertFalse(prom.contains("envoy_istio"), prom);
        // The peer in filter state, printed as istio-proxy serializes it.
        String logged = "upstream_peer=type=deployment,workload=ratings-v1,name=ratings-v1-84975bc778-pxz2w,"
                + "cluster=server-cluster,namespace=default,service=ratings,revision=version-1,app=ratings,version=v1";
        long deadline = System.nanoTime() + 10_000_000_000L; // access logs are flushed every second
        while (!client.log().contains(logged) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(client.log().contains(logged), client.log());
        assertTrue(client.admin("/stats").contains("istio_requests_total"));
    }

    /** The labels of a gRPC call from productpage to ratings, as {@code reporter} counts it. */
    static Map<String, String> grpcOk(ProxyProcess p) {
        Map<String, String> ok = new HashMap<>();
        ok.put("reporter", p == client ? "source" : "destination");
        ok.put("source_workload", "productpage-v1");
        ok.put("destination_workload", "ratings-v1");
        ok.put("request_protocol", "grpc");
        ok.put("response_code", "200");
        ok.put("grpc_response_status", "0");
        return ok;
    }

    /** The labels of its message counters: the peers only. */
    static Map<String, String> grpcPeers(ProxyProcess p) {
        Map<String, String> peers = grpcOk(p);
        peers.remove("request_protocol");
        peers.remove("response_code");
        peers.remove("grpc_response_status");
        return peers;
    }

    /** Per proxy (client, server): istio_requests_total (OK calls), request and response messages so far. */
    static double[][] grpcCounts() throws Exception {
        double[][] out = new double[2][];
        ProxyProcess[] proxies = {client, server};
        for (int i = 0; i < 2; i++) {
            ProxyProcess p = proxies[i];
            out[i] = new double[]{PrometheusSamples.sampleSubset(p, "istio_requests_total", grpcOk(p)),
                    PrometheusSamples.sampleSubset(p, "istio_request_messages_total", grpcPeers(p)),
                    PrometheusSamples.sampleSubset(p, "istio_response_messages_total", grpcPeers(p))};
        }
        return out;
    }

    @Test
    void grpcCallsCountedWithTheirStatusAndMessages() throws Exception {
        double[][] before = grpcCounts();
        Map<String, String> outboundGrpc = Map.of("reporter", "source", "request_protocol", "grpc",
                "destination_service", "grpc.default.svc.cluster.local", "destination_service_name", "grpc");
        double outboundBefore = PrometheusSamples.sampleSubset(client, "istio_requests_total", outboundGrpc);
        double[] notFoundBefore = new double[2];
        ProxyProcess[] proxies = {client, server};
        for (int i = 0; i < 2; i++) {
            Map<String, String> notFound = grpcOk(proxies[i]);
            notFound.put("grpc_response_status", "5");
            notFoundBefore[i] = PrometheusSamples.sampleSubset(proxies[i], "istio_requests_total", notFound);
        }
        io.grpc.ManagedChannel channel = io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", clientGrpc)
                .overrideAuthority("grpc.default.svc.cluster.local:7070").usePlaintext().build();
        try {
            for (int i = 0; i < 2; i++) {
                assertEquals("hello " + i, io.grpc.stub.ClientCalls.blockingUnaryCall(channel, SAY,
                        io.grpc.CallOptions.DEFAULT, Integer.toString(i)));
            }
            io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                    io.grpc.StatusRuntimeException.class, () -> io.grpc.stub.ClientCalls.blockingUnaryCall(channel,
                            FAIL, io.grpc.CallOptions.DEFAULT, "x"));
            assertEquals(io.grpc.Status.Code.NOT_FOUND, e.getStatus().getCode());
        } finally {
            channel.shutdownNow();
        }
        for (int i = 0; i < 2; i++) {
            ProxyProcess p = proxies[i];
            String reporter = p == client ? "source" : "destination";
            PrometheusSamples.awaitSample(p, "istio_requests_total", grpcOk(p), before[i][0] + 2);
            Map<String, String> notFound = grpcOk(p);
            notFound.put("grpc_response_status", "5");
            assertEquals(notFoundBefore[i] + 1, PrometheusSamples.sampleSubset(p, "istio_requests_total", notFound),
                    reporter);
            assertEquals(before[i][1] + 3, PrometheusSamples.sampleSubset(p, "istio_request_messages_total",
                    grpcPeers(p)), reporter);
            assertEquals(before[i][2] + 2, PrometheusSamples.sampleSubset(p, "istio_response_messages_total",
                    grpcPeers(p)), reporter);
        }
        assertEquals(outboundBefore + 3, PrometheusSamples.sampleSubset(client, "istio_requests_total", outboundGrpc));
    }

    @Test
    void longGrpcStreamsReportTheirMessagesWhileOpen() throws Exception {
        double[][] before = grpcCounts();
        io.grpc.ManagedChannel channel = io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", clientGrpc)
                .overrideAuthority("grpc.default.svc.cluster.local:7070").usePlaintext().build();
        java.util.concurrent.BlockingQueue<String> answers = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        try {
            io.grpc.stub.StreamObserver<String> requests = io.grpc.stub.ClientCalls.asyncBidiStreamingCall(
                    channel.newCall(CHAT, io.grpc.CallOptions.DEFAULT), new io.grpc.stub.StreamObserver<>() {
                        @Override
                        public void onNext(String m) {
                            answers.add(m);
                        }

                        @Override
                        public void onError(Throwable t) {
                            answers.add("error " + t);
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            done.countDown();
                        }
                    });
            for (int i = 0; i < 3; i++) {
                requests.onNext("m" + i);
                assertEquals("hello m" + i, answers.poll(10, java.util.concurrent.TimeUnit.SECONDS));
            }
            // The stream is still open: istio-proxy's report timer (tcp_reporting_duration, 1 s here)
            // has already counted its messages on both sides, and the request not yet.
            ProxyProcess[] proxies = {client, server};
            for (int i = 0; i < 2; i++) {
                ProxyProcess p = proxies[i];
                PrometheusSamples.awaitSample(p, "istio_request_messages_total", grpcPeers(p), before[i][1] + 3);
                PrometheusSamples.awaitSample(p, "istio_response_messages_total", grpcPeers(p), before[i][2] + 3);
                assertEquals(before[i][0], PrometheusSamples.sampleSubset(p, "istio_requests_total", grpcOk(p)));
            }
            requests.onNext("m3");
            assertEquals("hello m3", answers.poll(10, java.util.concurrent.TimeUnit.SECONDS));
            requests.onCompleted();
            assertTrue(done.await(10, java.util.concurrent.TimeUnit.SECONDS));
            // At the end, only what was not reported yet is added.
            for (int i = 0; i < 2; i++) {
                ProxyProcess p = proxies[i];
                PrometheusSamples.awaitSample(p, "istio_requests_total", grpcOk(p), before[i][0] + 1);
                assertEquals(before[i][1] + 4, PrometheusSamples.sampleSubset(p, "istio_request_messages_total",
                        grpcPeers(p)));
                assertEquals(before[i][2] + 4, PrometheusSamples.sampleSubset(p, "istio_response_messages_total",
                        grpcPeers(p)));
            }
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void tcpConnectionsAndBytesCountedOnBothSides() throws Exception {
        byte[] payload = new byte[1000];
        new java.util.Random(7).nextBytes(payload);
        try (Socket s = new Socket("127.0.0.1", clientTcp)) {
            s.getOutputStream().write(payload);
            byte[] back = new DataInputStream(s.getInputStream()).readNBytes(payload.length);
            assertArrayEquals(payload, back);
        }
        Map<String, String> source = new HashMap<>();
        source.put("reporter", "source");
        source.put("source_workload", "productpage-v1");
        source.put("source_principal", "unknown");
        source.put("destination_service", "echo.default.svc.cluster.local");
        source.put("destination_service_name", "echo");
        // No upstream exchange on this plaintext connection: the peer is unknown, as in Istio.
        source.put("destination_workload", "unknown");
        source.put("destination_canonical_revision", "latest");
        source.put("request_protocol", "tcp");
        source.put("connection_security_policy", "unknown");
        PrometheusSamples.awaitSample(client, "istio_tcp_connections_closed_total", source, 1);
        assertEquals(1, PrometheusSamples.sampleSubset(client, "istio_tcp_connections_opened_total", source));
        assertEquals(1000, PrometheusSamples.sampleSubset(client, "istio_tcp_sent_bytes_total", source));
        assertEquals(1000, PrometheusSamples.sampleSubset(client, "istio_tcp_received_bytes_total", source));

        Map<String, String> destination = new HashMap<>();
        destination.put("reporter", "destination");
        destination.put("source_workload", "unknown");
        destination.put("source_canonical_revision", "latest");
        destination.put("destination_workload", "ratings-v1");
        destination.put("destination_canonical_service", "ratings");
        destination.put("request_protocol", "tcp");
        destination.put("connection_security_policy", "none");
        PrometheusSamples.awaitSample(server, "istio_tcp_connections_closed_total", destination, 1);
        assertEquals(1, PrometheusSamples.sampleSubset(server, "istio_tcp_connections_opened_total", destination));
        assertEquals(1000, PrometheusSamples.sampleSubset(server, "istio_tcp_received_bytes_total", destination));
        assertEquals(1000, PrometheusSamples.sampleSubset(server, "istio_tcp_sent_bytes_total", destination));
    }

    @Test
    void tcpMetadataExchangeOverAlpnIdentifiesThePeer() throws Exception {
        var ctx = RbacMtlsE2ETest.client(clientLeaf, ca);
        Map<String, String> destination = new HashMap<>();
        destination.put("reporter", "destination");
        destination.put("source_workload", "productpage-v1");
        destination.put("source_canonical_service", "productpage-v1");
        destination.put("source_canonical_revision", "version-1");
        destination.put("source_app", "productpage");
        destination.put("source_cluster", "client-cluster");
        destination.put("source_principal", CLIENT_SA);
        destination.put("source_workload_namespace", "default");
        destination.put("destination_principal", SERVER_SA);
        destination.put("destination_workload", "ratings-v1");
        destination.put("connection_security_policy", "mutual_tls");
        destination.put("request_protocol", "tcp");
        // (shared with the test whose client sidecar speaks the exchange: counted from here)
        double opened = PrometheusSamples.sampleSubset(server, "istio_tcp_connections_opened_total", destination);
        double closed = PrometheusSamples.sampleSubset(server, "istio_tcp_connections_closed_total", destination);
        double received = PrometheusSamples.sampleSubset(server, "istio_tcp_received_bytes_total", destination);
        double sent = PrometheusSamples.sampleSubset(server, "istio_tcp_sent_bytes_total", destination);
        Map<String, Object> md = new LinkedHashMap<>();
        md.put("NAME", "productpage-v1-84975bc778-pxz2w");
        md.put("NAMESPACE", "default");
        md.put("WORKLOAD_NAME", "productpage-v1");
        md.put("CLUSTER_ID", "client-cluster");
        md.put("LABELS", Map.of("app", "productpage", "version", "v1",
                "service.istio.io/canonical-name", "productpage-v1",
                "service.istio.io/canonical-revision", "version-1"));
        byte[] mine = PeerMetadataCodec.tcpPayload(md, "sidecar~10.0.0.1~productpage");
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", serverTls)) {
            SSLParameters p = s.getSSLParameters();
            p.setApplicationProtocols(new String[]{"istio-peer-exchange", "istio"});
            s.setSSLParameters(p);
            s.startHandshake();
            assertEquals("istio-peer-exchange", s.getApplicationProtocol());
            OutputStream out = s.getOutputStream();
            out.write(ByteBuffer.allocate(8).putInt(PeerMetadataCodec.MAGIC).putInt(mine.length).array());
            out.write(mine);
            out.write("hello".getBytes());
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertEquals(PeerMetadataCodec.MAGIC, in.readInt(), "the server sends its metadata first");
            byte[] theirs = in.readNBytes(in.readInt());
            var peer = PeerMetadataCodec.fromTcpPayload(theirs);
            assertEquals("ratings-v1", peer.workload().workloadName());
            assertEquals("server-cluster", peer.workload().clusterName());
            assertEquals("sidecar~10.0.0.1~ratings-v1-84975bc778-pxz2w.default~default.svc.cluster.local", peer.id());
            assertEquals("hello", new String(in.readNBytes(5)), "the exchange never reaches the application");
        }
        PrometheusSamples.awaitSample(server, "istio_tcp_connections_closed_total", destination, closed + 1);
        assertEquals(opened + 1, PrometheusSamples.sampleSubset(server, "istio_tcp_connections_opened_total", destination));
        assertEquals(received + 5, PrometheusSamples.sampleSubset(server, "istio_tcp_received_bytes_total", destination));
        assertEquals(sent + 5, PrometheusSamples.sampleSubset(server, "istio_tcp_sent_bytes_total", destination));
        assertTrue(server.metric("envoy_metadata_exchange_alpn_protocol_found") >= 1);
    }

    @Test
    void clusterMetadataExchangeIdentifiesTheServerToTheClient() throws Exception {
        byte[] payload = "ping over mutual TLS".getBytes();
        // The server side's series are shared with the test that speaks the exchange itself.
        Map<String, String> destination = new HashMap<>();
        destination.put("reporter", "destination");
        destination.put("source_workload", "productpage-v1");
        destination.put("source_cluster", "client-cluster");
        destination.put("source_principal", CLIENT_SA);
        destination.put("destination_workload", "ratings-v1");
        destination.put("connection_security_policy", "mutual_tls");
        double closedBefore = PrometheusSamples.sampleSubset(server, "istio_tcp_connections_closed_total", destination);
        double receivedBefore = PrometheusSamples.sampleSubset(server, "istio_tcp_received_bytes_total", destination);
        try (Socket s = new Socket("127.0.0.1", clientMtls)) {
            s.getOutputStream().write(payload);
            byte[] back = new DataInputStream(s.getInputStream()).readNBytes(payload.length);
            assertArrayEquals(payload, back, "the exchange's bytes never reach either application");
        }
        // The client side learned the server's workload from the cluster's exchange filter...
        Map<String, String> source = new HashMap<>();
        source.put("reporter", "source");
        source.put("source_workload", "productpage-v1");
        source.put("destination_workload", "ratings-v1");
        source.put("destination_cluster", "server-cluster");
        source.put("destination_principal", SERVER_SA);
        source.put("request_protocol", "tcp");
        // The cluster's name says nothing: the service comes from its istio.services metadata.
        source.put("destination_service", "ratings.default.svc.cluster.local");
        source.put("destination_service_name", "ratings");
        PrometheusSamples.awaitSample(client, "istio_tcp_connections_closed_total", source, 1);
        assertEquals(1, PrometheusSamples.sampleSubset(client, "istio_tcp_connections_opened_total", source));
        assertEquals(payload.length, PrometheusSamples.sampleSubset(client, "istio_tcp_sent_bytes_total", source));
        // ... and the server side the client's, from the same exchange.
        PrometheusSamples.awaitSample(server, "istio_tcp_connections_closed_total", destination, closedBefore + 1);
        assertEquals(receivedBefore + payload.length,
                PrometheusSamples.sampleSubset(server, "istio_tcp_received_bytes_total", destination));
        assertTrue(client.metric("envoy_metadata_exchange_alpn_protocol_found") >= 1);
    }
}

package io.remora.e2e;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.remora.xds.TestResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * istio.stats on the client side when no metadata exchange names the peer (an upstream outside
 * the mesh, no x-envoy-peer-metadata answer, no istio-peer-exchange ALPN): as istio-proxy, the
 * destination workload comes from the upstream host's {@code istio.workload} endpoint metadata
 * ({@code name;namespace;canonical-service;canonical-revision;cluster}), which carries no app,
 * version or identity. Outbound HTTP and TCP, through real sockets to plain upstreams.
 */
class IstioEndpointMetadataE2ETest {

    static TestUpstream app;
    static ServerSocket echo;
    static ProxyProcess proxy;
    static int http;
    static int tcp;
    static int tcpPlain;

    @BeforeAll
    static void start() throws Exception {
        app = TestUpstream.text("ratings says hi");
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try (Socket s = echo.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    byte[] buf = new byte[4096];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                    }
                } catch (Exception e) {
                    // closed, or the client went away: the test fails on its side
                }
            }
        }, "echo");
        t.setDaemon(true);
        t.start();
        int admin = ProxyProcess.freePort();
        http = ProxyProcess.freePort();
        tcp = ProxyProcess.freePort();
        tcpPlain = ProxyProcess.freePort();
        String yaml = IstioTelemetryE2ETest.node("productpage-v1-84975bc778-pxz2w", "productpage-v1", "productpage",
                "productpage", "Kubernetes") + """
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
                          route_config:
                            name: "9080"
                            virtual_hosts:
                            - name: ratings.default.svc.cluster.local:9080
                              domains: ["*"]
                              routes:
                              - { match: { prefix: /details }, route: { cluster: "outbound|9080||details.default.svc.cluster.local" } }
                              - { match: { prefix: /httpbin }, route: { cluster: "outbound|8000||httpbin.default.svc.cluster.local" } }
                              - { name: default, match: { prefix: / }, route: { cluster: "outbound|9080||ratings.default.svc.cluster.local" } }
                          http_filters:
                          - name: istio.metadata_exchange
                            typed_config:
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/io.istio.http.peer_metadata.Config
                              value:
                                upstream_discovery: [{ istio_headers: {} }]
                                upstream_propagation: [{ istio_headers: {} }]
                          - name: istio.stats
                            typed_config: { "@type": type.googleapis.com/stats.PluginConfig }
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(admin, http)
                + Bootstraps.indent(outboundTcp(9000, tcp, "echo.backend") + outboundTcp(9001, tcpPlain, "plain.backend"), 2)
                + """

                  clusters:
                """ + Bootstraps.indent(
                Bootstraps.cluster("outbound|9080||details.default.svc.cluster.local", false, "", app.port())
                + Bootstraps.cluster("outbound|8000||httpbin.default.svc.cluster.local", "", app.port(),
                        dumpedEndpointMetadata())
                + Bootstraps.cluster("outbound|9001||plain.backend.svc.cluster.local", false, "", echo.getLocalPort())
                + Bootstraps.cluster("outbound|9080||ratings.default.svc.cluster.local", "", app.port(),
                        "{ filter_metadata: { istio: { workload: \"ratings-v1;default;ratings;v1;Kubernetes\" } } }")
                + Bootstraps.cluster("outbound|9000||echo.backend.svc.cluster.local", """
                          filters:
                          - name: istio.metadata_exchange
                            typed_config: { "@type": type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange, protocol: istio-peer-exchange }
                        """, echo.getLocalPort(),
                        "{ filter_metadata: { istio: { workload: \"echo-v2;backend;echo;v2;cluster-2\" } } }"), 2) + "\n";
        proxy = ProxyProcess.start(yaml, admin);
    }

    /** An outbound TCP listener item (istio.stats, tcp_proxy) to Istio's cluster for {@code <service>:<servicePort>}. */
    private static String outboundTcp(int servicePort, int port, String service) {
        String cluster = "outbound|" + servicePort + "||" + service + ".svc.cluster.local";
        return """
                - name: 0.0.0.0_%1$d
                  address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                  traffic_direction: OUTBOUND
                  filter_chains:
                  - filters:
                    - name: istio.stats
                      typed_config: { "@type": type.googleapis.com/stats.PluginConfig }
                    - name: envoy.filters.network.tcp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        stat_prefix: %3$s
                        cluster: %3$s
                """.formatted(servicePort, port, cluster);
    }

    /**
     * The metadata of the endpoint in a real istiod-generated dump that carries {@code istio.workload}
     * ({@code istio/sidecar-config-dump.json}: {@code httpbin;default;httpbin;v1;snorlax}, beside
     * {@code envoy.filters.listener.original_dst}), as a YAML flow mapping.
     */
    static String dumpedEndpointMetadata() {
        JsonElement dump = JsonParser.parseString(TestResources.text("istio/sidecar-config-dump.json"));
        JsonObject metadata = findWorkloadMetadata(dump);
        if (metadata == null) {
            throw new IllegalStateException("no endpoint with istio.workload metadata in the dump");
        }
        return flow(metadata);
    }

    private static JsonObject findWorkloadMetadata(JsonElement e) {
        if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            if (o.get("metadata") instanceof JsonObject md && md.get("filter_metadata") instanceof JsonObject fm
                    && fm.get("istio") instanceof JsonObject istio && istio.has("workload")) {
                return md;
            }
            for (var entry : o.entrySet()) {
                JsonObject found = findWorkloadMetadata(entry.getValue());
                if (found != null) {
                    return found;
                }
            }
        } else if (e.isJsonArray()) {
            for (JsonElement item : e.getAsJsonArray()) {
                JsonObject found = findWorkloadMetadata(item);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** JSON as YAML flow style on one line (snakeyaml wants a space after each key's colon). */
    private static String flow(JsonElement e) {
        if (!e.isJsonObject()) {
            return e.toString();
        }
        StringBuilder sb = new StringBuilder("{ ");
        for (var entry : e.getAsJsonObject().entrySet()) {
            sb.append(sb.length() > 2 ? ", " : "").append(new JsonPrimitive(entry.getKey())).append(": ")
                    .append(flow(entry.getValue()));
        }
        return sb.append(" }").toString();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (app != null) {
            app.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    private static Map<String, String> destination(String workload, String namespace, String canonical, String revision,
                                                   String cluster) {
        Map<String, String> m = new HashMap<>(Map.of("reporter", "source", "source_workload", "productpage-v1",
                "destination_workload", workload, "destination_workload_namespace", namespace,
                "destination_canonical_service", canonical, "destination_canonical_revision", revision,
                "destination_cluster", cluster));
        // the endpoint encoding carries no app, version or identity
        m.putAll(Map.of("destination_app", "unknown", "destination_version", "unknown", "destination_principal", "unknown"));
        return m;
    }

    @Test
    void httpWithoutAPeerExchangeNamesTheDestinationFromTheEndpoint() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/ratings")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("ratings says hi", r.body());
        Map<String, String> labels = destination("ratings-v1", "default", "ratings", "v1", "Kubernetes");
        labels.putAll(Map.of("request_protocol", "http", "response_code", "200",
                "destination_service", "ratings.default.svc.cluster.local", "destination_service_name", "ratings"));
        assertEquals(1, PrometheusSamples.sampleSubset(proxy, "istio_requests_total", labels),
                proxy.admin("/stats/prometheus"));
    }

    @Test
    void tcpWithoutAPeerExchangeNamesTheDestinationFromTheEndpoint() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tcp)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
            byte[] back = s.getInputStream().readNBytes(6);
            assertEquals("hello\n", new String(back, StandardCharsets.UTF_8));
        }
        Map<String, String> labels = destination("echo-v2", "backend", "echo", "v2", "cluster-2");
        labels.put("request_protocol", "tcp");
        for (String metric : List.of("istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total")) {
            PrometheusSamples.awaitSample(proxy, metric, labels, 1);
        }
    }

    @Test
    void httpEndpointMetadataAsIstiodWritesItInARealDump() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/httpbin/get")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        Map<String, String> labels = destination("httpbin", "default", "httpbin", "v1", "snorlax");
        labels.putAll(Map.of("request_protocol", "http", "response_code", "200",
                "destination_service", "httpbin.default.svc.cluster.local", "destination_service_name", "httpbin",
                "destination_service_namespace", "default"));
        assertEquals(1, PrometheusSamples.sampleSubset(proxy, "istio_requests_total", labels),
                proxy.admin("/stats/prometheus"));
    }

    @Test
    void httpHostWithoutEndpointMetadataKeepsTheDestinationUnknown() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/details/0")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        Map<String, String> labels = unknownDestination();
        labels.putAll(Map.of("request_protocol", "http", "response_code", "200",
                "destination_service", "details.default.svc.cluster.local", "destination_service_name", "details"));
        assertEquals(1, PrometheusSamples.sampleSubset(proxy, "istio_requests_total", labels),
                proxy.admin("/stats/prometheus"));
    }

    @Test
    void tcpHostWithoutEndpointMetadataKeepsTheDestinationUnknown() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tcpPlain)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("plain\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("plain\n", new String(s.getInputStream().readNBytes(6), StandardCharsets.UTF_8));
        }
        Map<String, String> labels = unknownDestination();
        labels.putAll(Map.of("request_protocol", "tcp", "destination_service", "plain.backend.svc.cluster.local",
                "destination_service_name", "plain"));
        PrometheusSamples.awaitSample(proxy, "istio_tcp_connections_closed_total", labels, 1);
    }

    private static Map<String, String> unknownDestination() {
        Map<String, String> m = new HashMap<>(Map.of("reporter", "source", "source_workload", "productpage-v1",
                "destination_workload", "unknown", "destination_workload_namespace", "unknown",
                "destination_canonical_service", "unknown", "destination_canonical_revision", "latest",
                "destination_cluster", "unknown", "destination_service_namespace", "unknown"));
        m.putAll(Map.of("destination_app", "unknown", "destination_version", "unknown", "destination_principal", "unknown"));
        return m;
    }
}

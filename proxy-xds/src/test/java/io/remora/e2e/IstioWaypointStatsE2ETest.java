package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * istio.stats with {@code reporter: SERVER_GATEWAY} (a waypoint): as istio-proxy, the destination
 * labels name the upstream peer the exchange found (here a real server sidecar answering with its
 * x-envoy-peer-metadata), not the waypoint itself, and are {@code unknown} when the upstream sent
 * none; the destination service namespace and cluster stay the waypoint's own.
 */
class IstioWaypointStatsE2ETest {

    static TestUpstream app;
    static ProxyProcess sidecar;
    static ProxyProcess waypoint;
    static int waypointHttp;

    @BeforeAll
    static void start() throws Exception {
        app = TestUpstream.text("reviews says hi");
        int sidecarAdmin = ProxyProcess.freePort();
        int sidecarHttp = ProxyProcess.freePort();
        String sidecarYaml = IstioTelemetryE2ETest.node("reviews-v1-5b9c8f7d9-abcde", "reviews-v1", "reviews",
                "reviews", "Kubernetes") + inboundHttp(sidecarAdmin, sidecarHttp,
                "- { match: { prefix: / }, route: { cluster: \"inbound|9080||\" } }",
                "downstream_discovery: [{ istio_headers: {} }]\ndownstream_propagation: [{ istio_headers: {} }]", "",
                Bootstraps.cluster("inbound|9080||", false, "", app.port()));
        sidecar = ProxyProcess.start(sidecarYaml, sidecarAdmin);

        int waypointAdmin = ProxyProcess.freePort();
        waypointHttp = ProxyProcess.freePort();
        String waypointYaml = IstioTelemetryE2ETest.node("waypoint-7d8f9c6b5-xyz12", "waypoint", "waypoint",
                "waypoint", "Kubernetes") + inboundHttp(waypointAdmin, waypointHttp, """
                - { match: { prefix: /direct }, route: { cluster: "inbound-vip|9080|http|direct.default.svc.cluster.local" } }
                - { match: { prefix: / }, route: { cluster: "inbound-vip|9080|http|reviews.default.svc.cluster.local" } }
                """, "upstream_discovery: [{ istio_headers: {} }]\nupstream_propagation: [{ istio_headers: {} }]", """
                - name: istio.stats
                  typed_config:
                    "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                    type_url: type.googleapis.com/stats.PluginConfig
                    value: { reporter: SERVER_GATEWAY }
                """,
                Bootstraps.cluster("inbound-vip|9080|http|reviews.default.svc.cluster.local", false,
                        services("reviews"), sidecarHttp)
                + Bootstraps.cluster("inbound-vip|9080|http|direct.default.svc.cluster.local", false,
                        services("direct"), app.port()));
        waypoint = ProxyProcess.start(waypointYaml, waypointAdmin);
    }

    /**
     * An INBOUND HTTP listener with these routes, Istio's HTTP metadata exchange with these
     * {@code peer_metadata.Config} fields, then {@code filters} and the router, and these clusters
     * (each block YAML, unindented).
     */
    private static String inboundHttp(int admin, int port, String routes, String exchange, String filters,
                                      String clusters) {
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                  - name: inbound_http
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    traffic_direction: INBOUND
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: inbound_http
                          route_config:
                            virtual_hosts:
                            - name: inbound
                              domains: ["*"]
                              routes:
                %s
                          http_filters:
                          - name: istio.metadata_exchange
                            typed_config:
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/io.istio.http.peer_metadata.Config
                              value:
                %s
                %s
                          - name: envoy.filters.http.router
                            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                  clusters:
                %s
                """.formatted(admin, port, Bootstraps.indent(routes, 14), Bootstraps.indent(exchange, 16),
                Bootstraps.indent(filters, 10), Bootstraps.indent(clusters, 2));
    }

    /** The cluster metadata where istiod names the Service behind a cluster. */
    private static String services(String name) {
        return "  metadata: { filter_metadata: { istio: { services: [{ host: " + name + ".default.svc.cluster.local, name: "
                + name + ", namespace: default }] } } }\n";
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[]{waypoint, sidecar, app}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + waypointHttp + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void destinationIsTheExchangedUpstreamPeer() throws Exception {
        HttpResponse<String> r = get("/reviews/1");
        assertEquals(200, r.statusCode());
        assertEquals("reviews says hi", r.body());
        Map<String, String> labels = new HashMap<>(Map.of("reporter", "waypoint", "source_workload", "unknown",
                "destination_workload", "reviews-v1", "destination_workload_namespace", "default",
                "destination_app", "reviews", "destination_version", "v1",
                "destination_canonical_service", "reviews", "destination_canonical_revision", "version-1",
                "destination_service", "reviews.default.svc.cluster.local", "destination_service_name", "reviews"));
        // the exchange carries no identity: istio-proxy labels the principal with the peer's empty one
        labels.putAll(Map.of("destination_principal", "", "destination_service_namespace", "default",
                "destination_cluster", "Kubernetes", "response_code", "200"));
        assertEquals(1, PrometheusSamples.sampleSubset(waypoint, "istio_requests_total", labels),
                waypoint.admin("/stats/prometheus"));
    }

    @Test
    void withoutAnUpstreamPeerTheDestinationIsUnknownNotTheWaypoint() throws Exception {
        HttpResponse<String> r = get("/direct");
        assertEquals(200, r.statusCode());
        Map<String, String> labels = new HashMap<>(Map.of("reporter", "waypoint",
                "destination_workload", "unknown", "destination_workload_namespace", "unknown",
                "destination_principal", "unknown", "destination_app", "unknown", "destination_version", "unknown",
                "destination_canonical_service", "unknown", "destination_canonical_revision", "unknown",
                "destination_service", "direct.default.svc.cluster.local", "destination_service_name", "direct"));
        labels.putAll(Map.of("destination_service_namespace", "default", "destination_cluster", "Kubernetes",
                "response_code", "200"));
        assertEquals(1, PrometheusSamples.sampleSubset(waypoint, "istio_requests_total", labels),
                waypoint.admin("/stats/prometheus"));
    }
}

package io.remora.e2e.xds;

import io.remora.e2e.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.remora.e2e.xds.XdsFileConfigE2ETest.moveIntoPlace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EDS and RDS from files (path_config_source), as Envoy's filesystem subscription: the file is read at start,
 * re-read when a new one is moved into place, and an update that fails the subscription's checks is rejected
 * with the previous config kept.
 */
class XdsFileEdsRdsE2ETest {
    @TempDir
    Path dir;

    @Test
    void staticEdsClusterFromAFileServesMovesAndKeepsItsHostsOnABadFile() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b")) {
            int port = XdsProxy.freePort();
            Path eds = dir.resolve("eds.yaml");
            Files.writeString(eds, cla("1", "svc", a.port()));
            try (XdsProxy proxy = XdsProxy.start(staticEdsBootstrap(port, eds))) {
                proxy.awaitReply("the endpoints of the file", port, "/", r -> r.body().equals("u-a"));

                moveIntoPlace(eds, cla("2", "svc", b.port()));
                proxy.awaitReply("the moved EDS file", port, "/", r -> r.body().equals("u-b"));
                assertEquals(2.0, proxy.metric("envoy_cluster_update_success", "envoy_cluster_name=\"from-file\""));

                // Envoy's EdsClusterImpl: a load assignment for another cluster is rejected, the hosts stay
                moveIntoPlace(eds, cla("3", "other", a.port()));
                awaitMetric(proxy, "envoy_cluster_update_rejected", "envoy_cluster_name=\"from-file\"", 1.0);
                proxy.awaitReply("the hosts kept", port, "/", r -> r.body().equals("u-b"));

                // the cluster's own load assignment twice: no gRPC mux keeps the first, EdsClusterImpl counts two
                String twice = cla("4", "from-file-twice", a.port());
                moveIntoPlace(eds, cla("4", "svc", a.port()) + twice.substring(twice.indexOf("- \"@type\""))
                        .replace("from-file-twice", "svc"));
                awaitMetric(proxy, "envoy_cluster_update_rejected", "envoy_cluster_name=\"from-file\"", 2.0);
                proxy.awaitReply("the hosts kept", port, "/", r -> r.body().equals("u-b"));

                // a file that does not parse: update_failure, the hosts stay
                moveIntoPlace(eds, "resources: [ {");
                awaitMetric(proxy, "envoy_cluster_update_failure", "envoy_cluster_name=\"from-file\"", 1.0);
                proxy.awaitReply("the hosts kept", port, "/", r -> r.body().equals("u-b"));

                String dump = proxy.admin("/config_dump?include_eds");
                assertTrue(dump.contains("\"version_info\": \"2\""), dump);
            }
        }
    }

    @Test
    void cdsAndLdsFromFilesWithEdsAndRdsFromFiles() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b")) {
            int port = XdsProxy.freePort();
            Path lds = dir.resolve("lds.yaml");
            Path cds = dir.resolve("cds.yaml");
            Path eds = dir.resolve("eds.yaml");
            Path rds = dir.resolve("rds.yaml");
            Files.writeString(eds, cla("1", "svc-a", a.port()));
            Files.writeString(rds, routes("1", "routes", "cluster-a"));
            Files.writeString(cds, cds(eds, b.port()));
            Files.writeString(lds, lds(port, rds));
            try (XdsProxy proxy = XdsProxy.start(XdsFileConfigE2ETest.bootstrap(lds, cds))) {
                proxy.awaitReply("RDS and EDS from files", port, "/", r -> r.body().equals("u-a"));

                moveIntoPlace(rds, routes("2", "routes", "cluster-b"));
                proxy.awaitReply("the moved RDS file", port, "/", r -> r.body().equals("u-b"));
                assertEquals(2.0, proxy.metric("envoy_http_rds_update_success", "envoy_rds_route_config=\"routes\""));

                // Envoy's RdsRouteConfigSubscription: a route configuration of another name is rejected
                moveIntoPlace(rds, routes("3", "elsewhere", "cluster-a"));
                awaitMetric(proxy, "envoy_http_rds_update_rejected", "envoy_rds_route_config=\"routes\"", 1.0);
                proxy.awaitReply("the routes kept", port, "/", r -> r.body().equals("u-b"));

                moveIntoPlace(rds, routes("4", "routes", "cluster-a"));
                proxy.awaitReply("back to the EDS cluster", port, "/", r -> r.body().equals("u-a"));
                moveIntoPlace(eds, cla("2", "svc-a", b.port()));
                proxy.awaitReply("the CDS cluster's moved EDS file", port, "/", r -> r.body().equals("u-b"));

                String dump = proxy.admin("/config_dump");
                assertTrue(dump.contains("dynamic_route_configs"), dump);
            }
        }
    }

    @Test
    void aFileTwoClustersReadIsEachOnesOwnSubscription() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a")) {
            int port = XdsProxy.freePort();
            Path eds = dir.resolve("eds.yaml");
            Files.writeString(eds, cla("1", "svc", a.port()));
            String bootstrap = staticEdsBootstrap(port, eds) + """
                      - name: other
                        type: EDS
                        connect_timeout: 1s
                        eds_cluster_config:
                          service_name: svc-other
                          eds_config: { path_config_source: { path: "%s" } }
                    """.formatted(eds);
            try (XdsProxy proxy = XdsProxy.start(bootstrap)) {
                proxy.awaitReply("the endpoints of the file", port, "/", r -> r.body().equals("u-a"));
                // Envoy's subscription of the other cluster reads the same file and refuses what it holds
                awaitMetric(proxy, "envoy_cluster_update_rejected", "envoy_cluster_name=\"other\"", 1.0);
                assertEquals(0.0, proxy.metric("envoy_cluster_update_rejected", "envoy_cluster_name=\"from-file\""));
            }
        }
    }

    @Test
    void aStaticListenersRdsFromAFileRoutesAndReloads() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b")) {
            int port = XdsProxy.freePort();
            Path rds = dir.resolve("rds.yaml");
            Files.writeString(rds, routes("1", "routes", "cluster-a"));
            try (XdsProxy proxy = XdsProxy.start(staticRdsBootstrap(port, rds, a.port(), b.port()))) {
                proxy.awaitReply("the routes of the file", port, "/", r -> r.body().equals("u-a"));
                moveIntoPlace(rds, routes("2", "routes", "cluster-b"));
                proxy.awaitReply("the moved RDS file", port, "/", r -> r.body().equals("u-b"));
                moveIntoPlace(rds, "resources: [ {");
                awaitMetric(proxy, "envoy_http_rds_update_failure", "envoy_rds_route_config=\"routes\"", 1.0);
                proxy.awaitReply("the routes kept", port, "/", r -> r.body().equals("u-b"));
                String dump = proxy.admin("/config_dump?resource=dynamic_route_configs");
                assertTrue(dump.contains("\"version_info\": \"2\""), dump);
            }
        }
    }

    @Test
    void aStaticEdsFileThatIsNotThereIsRefusedAtStart() throws Exception {
        String bootstrap = staticEdsBootstrap(XdsProxy.freePort(), dir.resolve("missing-eds.yaml"));
        var e = assertThrows(IllegalArgumentException.class, () -> XdsProxy.start(bootstrap));
        assertTrue(e.getMessage().contains("missing-eds.yaml' does not exist"), e.getMessage());
    }

    static void awaitMetric(XdsProxy proxy, String name, String label, double value) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        double last = Double.NaN;
        while (System.nanoTime() < deadline) {
            last = proxy.metric(name, label);
            if (last == value) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(name + "{" + label + "}: " + last + ", expected " + value);
    }

    static String cla(String version, String name, int port) {
        return """
                version_info: "%s"
                resources:
                - "@type": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment
                  cluster_name: %s
                  endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } } } ] } ]
                """.formatted(version, name, port);
    }

    static String routes(String version, String name, String cluster) {
        return """
                version_info: "%s"
                resources:
                - "@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
                  name: %s
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: { prefix: "/" }
                      route: { cluster: %s }
                """.formatted(version, name, cluster);
    }

    static String staticEdsBootstrap(int port, Path eds) {
        return """
                node: { id: standalone, cluster: local }
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                static_resources:
                  listeners:
                  - name: ingress
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: ingress
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { prefix: "/" }
                                route: { cluster: from-file }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  clusters:
                  - name: from-file
                    type: EDS
                    connect_timeout: 1s
                    eds_cluster_config:
                      service_name: svc
                      eds_config: { path_config_source: { path: "%s" }, resource_api_version: V3 }
                """.formatted(port, eds);
    }

    private static String staticRdsBootstrap(int port, Path rds, int portA, int portB) {
        return """
                node: { id: standalone, cluster: local }
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                static_resources:
                  listeners:
                  - name: ingress
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: ingress
                          rds:
                            route_config_name: routes
                            config_source: { path_config_source: { path: "%s" }, resource_api_version: V3 }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  clusters:
                  - name: cluster-a
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: cluster-a
                      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } } } ] } ]
                  - name: cluster-b
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: cluster-b
                      endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } } } ] } ]
                """.formatted(port, rds, portA, portB);
    }

    private static String cds(Path eds, int portB) {
        return """
                version_info: "1"
                resources:
                - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                  name: cluster-a
                  type: EDS
                  connect_timeout: 1s
                  eds_cluster_config:
                    service_name: svc-a
                    eds_config: { path_config_source: { path: "%s" }, resource_api_version: V3 }
                - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                  name: cluster-b
                  type: STATIC
                  connect_timeout: 1s
                  load_assignment:
                    cluster_name: cluster-b
                    endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } } } ] } ]
                """.formatted(eds, portB);
    }

    private static String lds(int port, Path rds) {
        return """
                version_info: "1"
                resources:
                - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
                  name: listener-0
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: ingress
                        rds:
                          route_config_name: routes
                          config_source: { path_config_source: { path: "%s" }, resource_api_version: V3 }
                        http_filters:
                        - name: envoy.filters.http.router
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                """.formatted(port, rds);
    }
}

package io.remora.e2e.xds;

import io.remora.e2e.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A standalone proxy: LDS and CDS from files (path_config_source). Writing a new file beside the
 * watched one and moving it into place (Envoy's documented way) changes routing without a restart.
 */
class XdsFileConfigE2ETest {
    @TempDir
    Path dir;

    @Test
    void atomicMoveOfNewFilesChangesRouting() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b")) {
            int port = XdsProxy.freePort();
            Path lds = dir.resolve("lds.yaml");
            Path cds = dir.resolve("cds.yaml");
            Files.writeString(cds, cds("1", a.port(), b.port()));
            Files.writeString(lds, lds("1", port, "cluster-a", "file-1"));
            try (XdsProxy proxy = XdsProxy.start(bootstrap(lds, cds))) {
                proxy.awaitReply("the first files", port, "/", r -> r.body().equals("u-a") && r.server().equals("file-1"));
                int aBefore = a.requests.get();

                // a route change: the listener (inline route_config) now sends "/" to cluster-b
                moveIntoPlace(lds, lds("2", port, "cluster-b", "file-2"));
                proxy.awaitReply("the moved LDS file", port, "/", r -> r.body().equals("u-b") && r.server().equals("file-2"));

                // a CDS-only change: cluster-b now points at a's port
                moveIntoPlace(cds, cds("2", a.port(), a.port()));
                proxy.awaitReply("the moved CDS file", port, "/", r -> r.body().equals("u-a"));
                assertEquals(2.0, proxy.metric("envoy_listener_manager_lds_update_success"));
                // counted once the applied clusters serve: a request may see them first
                io.remora.xds.ads.TestControlPlane.await("the CDS file's update counted",
                        () -> proxy.metric("envoy_cluster_manager_cds_update_success") == 2.0);
                assertEquals(true, a.requests.get() > aBefore);
            }
        }
    }

    @Test
    void aFileThatIsNotThereIsRefusedAtStart() throws Exception {
        Path cds = dir.resolve("cds.yaml");
        Files.writeString(cds, cds("1", 1, 2));
        String bootstrap = bootstrap(dir.resolve("missing-lds.yaml"), cds);
        // Envoy refuses it too: a file subscription watches its file, it never waits for one to appear.
        var e = assertThrows(IllegalArgumentException.class, () -> XdsProxy.start(bootstrap));
        assertTrue(e.getMessage().startsWith("dynamic_resources.lds_config.path_config_source.path:"), e.getMessage());
        assertTrue(e.getMessage().contains("missing-lds.yaml' does not exist"), e.getMessage());
    }

    /** A standalone proxy's bootstrap: LDS and CDS from these files. */
    static String bootstrap(Path lds, Path cds) {
        return """
                node: { id: standalone, cluster: local }
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                dynamic_resources:
                  lds_config: { path_config_source: { path: "%s" }, resource_api_version: V3 }
                  cds_config: { path_config_source: { path: "%s" }, resource_api_version: V3 }
                """.formatted(lds, cds);
    }

    static void moveIntoPlace(Path target, String content) throws Exception {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static String lds(String version, int port, String cluster, String serverName) {
        return """
                version_info: "%s"
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
                        server_name: %s
                        route_config:
                          name: local
                          virtual_hosts:
                          - name: all
                            domains: ["*"]
                            routes:
                            - match: { prefix: "/" }
                              route: { cluster: %s }
                        http_filters:
                        - name: envoy.filters.http.router
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                """.formatted(version, port, serverName, cluster);
    }

    static String cds(String version, int portA, int portB) {
        return """
                version_info: "%s"
                resources:
                - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                  name: cluster-a
                  type: STATIC
                  connect_timeout: 1s
                  load_assignment:
                    cluster_name: cluster-a
                    endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } } } ] } ]
                - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                  name: cluster-b
                  type: STATIC
                  connect_timeout: 1s
                  load_assignment:
                    cluster_name: cluster-b
                    endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } } } ] } ]
                """.formatted(version, portA, portB);
    }
}

package io.remora.xds.ads;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Set;

import static io.remora.xds.ads.XdsTestResources.NODE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** path_config_source: LDS from a YAML DiscoveryResponse, CDS from a JSON one, replaced by an atomic move. */
class FileConfigWatcherTest {
    @TempDir
    Path dir;

    private static String lds(String version, String listener, int port) {
        return """
                version_info: "%s"
                resources:
                - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
                  name: %s
                  address: {socket_address: {address: 127.0.0.1, port_value: %d}}
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: file
                        route_config:
                          name: local
                          virtual_hosts:
                          - name: all
                            domains: ["*"]
                            routes:
                            - match: {prefix: /}
                              direct_response: {status: 200}
                        http_filters:
                        - name: envoy.filters.http.router
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                """.formatted(version, listener, port);
    }

    private static final String CDS = """
            {"version_info": "c1", "resources": [{"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
              "name": "static-a", "type": "STATIC", "connect_timeout": "1s",
              "load_assignment": {"cluster_name": "static-a", "endpoints": [{"lb_endpoints": [
                {"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 8080}}}}]}]}}]}
            """;

    @Test
    void appliesTheFilesAndTheirReplacement() throws Exception {
        Path ldsFile = dir.resolve("lds.yaml");
        Path cdsFile = dir.resolve("cds.json");
        Files.writeString(ldsFile, lds("1", "from-file", 15010));
        Files.writeString(cdsFile, CDS);
        RecordingApplier applier = new RecordingApplier();
        XdsClientOptions options = XdsClientOptions.ads(null, false, NODE)
                .withFileSources(Set.of(), Map.of(XdsResourceType.LISTENER, ldsFile, XdsResourceType.CLUSTER, cdsFile));
        try (XdsClient client = new XdsClient(options, applier, new SimpleMeterRegistry())) {
            client.start();
            // LDS is read once the clusters of CDS are in, as Envoy's server starts LDS after the cluster manager
            XdsSnapshot first = applier.await("the files", s -> !s.listeners().isEmpty());
            assertEquals(Set.of("from-file"), first.listeners().keySet());
            assertEquals(Set.of("static-a"), first.clusters().keySet());
            assertEquals("1", first.versionInfo(XdsResourceType.LISTENER));
            Listener l = first.listeners().get("from-file");
            assertEquals("file", l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class).getStatPrefix());

            // Envoy's documented way to update: write elsewhere, move into place
            Path tmp = dir.resolve(".lds.yaml.tmp");
            Files.writeString(tmp, lds("2", "moved-in", 15011));
            Files.move(tmp, ldsFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            XdsSnapshot second = applier.await("the replaced file", s -> s.listeners().containsKey("moved-in"));
            assertEquals(Set.of("moved-in"), second.listeners().keySet());
            assertEquals("2", second.versionInfo(XdsResourceType.LISTENER));
            assertEquals(Set.of("static-a"), second.clusters().keySet());

            // a broken file is rejected and the last good listeners stay
            Path broken = dir.resolve(".broken.tmp");
            Files.writeString(broken, "version_info: \"3\"\nresources: [{\"@type\": \"type.googleapis.com/envoy.config.listener.v3.Listener\", nme: x}]\n");
            Files.move(broken, ldsFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            TestControlPlane.await("the broken file rejected", () -> client.stats().ldsUpdateRejected() >= 1);
            assertEquals(Set.of("moved-in"), client.current().listeners().keySet());
        }
    }

    /**
     * A Kubernetes ConfigMap volume: lds.yaml links to ..data/lds.yaml and ..data to a timestamped
     * directory; an update swaps ..data by a rename (the move into place that
     * path_config_source.watched_directory names), and the listeners reload.
     */
    @Test
    void aConfigMapSwapOfTheWatchedDirectoryReloads() throws Exception {
        Files.createDirectory(dir.resolve("..v1"));
        Files.writeString(dir.resolve("..v1/lds.yaml"), lds("1", "first", 15012));
        Files.createSymbolicLink(dir.resolve("..data"), Path.of("..v1"));
        Path ldsFile = dir.resolve("lds.yaml");
        Files.createSymbolicLink(ldsFile, Path.of("..data/lds.yaml"));
        io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.Builder b = io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap
                .newBuilder().setNode(NODE);
        b.getDynamicResourcesBuilder().getLdsConfigBuilder().getPathConfigSourceBuilder().setPath(ldsFile.toString())
                .getWatchedDirectoryBuilder().setPath(dir.toString());
        RecordingApplier applier = new RecordingApplier();
        try (XdsClient client = XdsClientFactory.fromBootstrap(b.build(), applier, new SimpleMeterRegistry(), null)) {
            client.start();
            applier.await("the first version", s -> s.listeners().containsKey("first"));
            Files.createDirectory(dir.resolve("..v2"));
            Files.writeString(dir.resolve("..v2/lds.yaml"), lds("2", "second", 15013));
            Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of("..v2"));
            Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
            assertEquals(Set.of("second"), applier.await("the swapped directory",
                    s -> s.listeners().containsKey("second")).listeners().keySet());
        }
        b.getDynamicResourcesBuilder().getLdsConfigBuilder().getPathConfigSourceBuilder().getWatchedDirectoryBuilder()
                .setPath(dir.resolve("missing").toString());
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> XdsClientFactory.check(b.build()));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(
                "dynamic_resources.lds_config.path_config_source.watched_directory.path"), e.getMessage());
    }
}

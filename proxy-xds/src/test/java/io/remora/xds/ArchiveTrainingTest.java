package io.remora.xds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.remora.testing.TempPaths;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.bootstrap.BootstrapLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * bin/remora's training run ({@code -Dremora.cds.training=true}): it reads the user's config but
 * binds none of its listeners (here held by the test: a bind would fail the run), and a bad
 * config still fails it, naming the field.
 */
class ArchiveTrainingTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void clear() {
        System.clearProperty(ArchiveTraining.PROPERTY);
        System.clearProperty(NativeLibraries.PROPERTY);
        io.remora.log.Logging.uninstall(); // the training set the JVM's log level to off
    }

    private int train(String yaml) {
        System.setProperty(ArchiveTraining.PROPERTY, "true");
        return new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(new String[] {"--config-yaml", yaml});
    }

    @Test
    void readsTheConfigAndBindsNoneOfItsListeners() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket admin = new ServerSocket(0, 50, lo); ServerSocket listener = new ServerSocket(0, 50, lo)) {
            String yaml = """
                    admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                    static_resources:
                      listeners:
                      - name: l
                        address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                        filter_chains:
                        - filters:
                          - name: envoy.filters.network.tcp_proxy
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                              stat_prefix: t
                              cluster: c
                      clusters:
                      - name: c
                        load_assignment:
                          cluster_name: c
                          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }]
                    """.formatted(admin.getLocalPort(), listener.getLocalPort());
            assertEquals(0, train(yaml), err.toString(StandardCharsets.UTF_8));
            assertEquals("", out.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * REMORA_CDS_TRAINING_DUMP's file: every resource of a real sidecar's dumps translates, as over xDS
     * (the listeners' dump: two static listeners and 27 dynamic ones).
     */
    @Test
    void aConfigDumpsListenersClustersAndRoutesAreTranslated() throws Exception {
        assertEquals(2 + 27, TrainingDump.translate(TestResources.path("istio/sidecar-listeners.json")));
        // an outbound route configuration and its cluster (transport_socket_matches); its listeners are empty
        assertEquals(2, TrainingDump.translate(TestResources.path("istio/sidecar-http-config.json")));
    }

    @Test
    void leavesTheJarsNativeLibrariesWhereTheLauncherAsks() throws Exception {
        Path dir = TempPaths.directory("remora-native").resolve("remora-1.jsa.7.native");
        System.setProperty(NativeLibraries.PROPERTY, dir.toString());
        assertEquals(0, train("admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }"),
                err.toString(StandardCharsets.UTF_8));
        String arch = io.netty.util.internal.PlatformDependent.normalizedArch();
        // the names Netty's loader asks the library path for, each the jar's copy byte for byte
        for (String name : List.of("netty_transport_native_epoll_" + arch, "netty_tcnative_linux_" + arch)) {
            Path lib = dir.resolve(System.mapLibraryName(name));
            try (var in = getClass().getClassLoader().getResourceAsStream("META-INF/native/" + lib.getFileName())) {
                assertTrue(in != null, "the test classpath holds " + lib.getFileName());
                assertArrayEquals(in.readAllBytes(), Files.readAllBytes(lib));
            }
        }
        // brotli4j's (asked for as "brotli") and zstd-jni's (by file: ZstdNativePath)
        for (String file : List.of(System.mapLibraryName("brotli"),
                "libzstd-jni-" + com.github.luben.zstd.util.ZstdVersion.VERSION + ".so")) {
            assertTrue(Files.size(dir.resolve(file)) > 100_000, file);
        }
        try (var files = Files.list(dir)) {
            assertEquals(4, files.count(), "nothing else");
        }
    }

    @Test
    void aBadConfigFailsNamingTheField() {
        assertEquals(1, train("static_resources: { clusters: [ { name: c, lb_policy: FASTEST } ] }"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("static_resources.clusters[0].lb_policy"), e);
    }

    /**
     * An Istio sidecar's bootstrap (listeners and clusters over delta ADS through a Unix socket): the
     * training opens its ADS stream to a control plane of its own, over the same kind of socket, and
     * gets ready on its empty responses; the user's control plane is never reached.
     */
    @Test
    void anIstioBootstrapTrainsTheXdsClientOnItsOwnControlPlane() throws Exception {
        Path dir = TempPaths.directory("training-xds");
        String path = dir.resolve("XDS").toString();
        try (TestControlPlane users = new TestControlPlane().startUds(path)) {
            Bootstrap.Builder b = new BootstrapLoader().loadString(TestResources.text("istio/bootstrap-running.json"),
                    "bootstrap-running.json").proto().toBuilder();
            for (var c : b.getStaticResourcesBuilder().getClustersBuilderList()) {
                if (c.getName().equals("xds-grpc")) {
                    c.getLoadAssignmentBuilder().getEndpointsBuilder(0).getLbEndpointsBuilder(0).getEndpointBuilder()
                            .getAddressBuilder().getPipeBuilder().setPath(path);
                }
            }
            ArchiveTraining.Outcome trained = ArchiveTraining.run(b.build());
            assertEquals(200, trained.ready());
            assertEquals(2, trained.adsResponses(), "CDS and LDS over the training's own ADS stream");
            assertEquals(0, users.connections.get());
        }
    }

    /** State-of-the-world ADS to a TCP control plane: the same, over loopback TCP. */
    @Test
    void aSotwBootstrapTrainsOverTcp() throws Exception {
        try (TestControlPlane users = new TestControlPlane().startTcp(0)) {
            String yaml = """
                    node: { id: n, cluster: c }
                    admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
                    dynamic_resources:
                      ads_config: { api_type: GRPC, transport_api_version: V3, grpc_services: [{ envoy_grpc: { cluster_name: xds } }] }
                      cds_config: { ads: {}, resource_api_version: V3 }
                    static_resources:
                      clusters:
                      - name: xds
                        type: STRICT_DNS
                        typed_extension_protocol_options:
                          envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                            "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                            explicit_http_config: { http2_protocol_options: {} }
                        load_assignment:
                          cluster_name: xds
                          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: localhost, port_value: %d } } } }] }]
                    """.formatted(users.port);
            ArchiveTraining.Outcome trained = ArchiveTraining.run(new BootstrapLoader().loadString(yaml, "ads.yaml").proto());
            assertEquals(200, trained.ready());
            assertEquals(1, trained.adsResponses(), "CDS over the training's own ADS stream");
            assertEquals(0, users.connections.get());
        }
    }
}

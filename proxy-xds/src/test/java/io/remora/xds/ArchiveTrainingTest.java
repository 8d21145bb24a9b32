package io.remora.xds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.testing.TempPaths;
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
}

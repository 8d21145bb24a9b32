package io.remora.e2e;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code layered_runtime} with a disk layer as Envoy's docs lay it out
 * ({@code symlink_root/subdirectory/<service cluster>}, one file per key): values steer a
 * runtime_fraction route, and an atomic swap of the symlink ({@code mv -T}) reloads them.
 */
class RuntimeDiskLayerE2ETest {

    private static void write(Path root, String version, String percent) throws Exception {
        Path dir = root.resolve(version).resolve("envoy").resolve("shop").resolve("canary");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("percent"), "# canary share\n" + percent + "\n");
    }

    /** ln -s target tmp && mv -T tmp current: rename(2) replaces the symlink in one step. */
    private static void swap(Path root, String version) throws Exception {
        Path tmp = root.resolve("current.tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, root.resolve(version));
        Files.move(tmp, root.resolve("current"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String get(int port) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void diskLayerValuesSteerRoutesAndReloadWhenTheSymlinkIsSwapped() throws Exception {
        Path root = TempPaths.directory("runtime");
        try (TestUpstream stable = TestUpstream.text("stable"); TestUpstream canary = TestUpstream.text("canary")) {
            write(root, "v1", "0");
            write(root, "v2", "100");
            swap(root, "v1");
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String routes = """
                    - match:
                        prefix: "/"
                        runtime_fraction:
                          default_value: { numerator: 0, denominator: HUNDRED }
                          runtime_key: canary.percent
                      route: { cluster: canary }
                    - match: { prefix: "/" }
                      route: { cluster: stable }
                    """;
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), routes,
                    Bootstraps.cluster("canary", false, null, canary.port()) + "\n"
                            + Bootstraps.cluster("stable", false, null, stable.port()))
                    + "node: { id: n1, cluster: shop }\n"
                    + "layered_runtime:\n  layers:\n"
                    + "  - name: disk\n    disk_layer: { symlink_root: " + root.resolve("current")
                    + ", subdirectory: envoy, append_service_cluster: true }\n"
                    + "  - name: admin\n    admin_layer: {}\n";
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                JsonObject entry = JsonParser.parseString(proxy.admin("/runtime")).getAsJsonObject()
                        .getAsJsonObject("entries").getAsJsonObject("canary.percent");
                assertEquals("0", entry.get("final_value").getAsString(), entry.toString());
                for (int i = 0; i < 5; i++) {
                    assertEquals("stable", get(port));
                }
                swap(root, "v2");
                long deadline = System.currentTimeMillis() + 15_000;
                while (!proxy.admin("/runtime").contains("\"final_value\":\"100\"")) {
                    assertTrue(System.currentTimeMillis() < deadline, "reloaded after the swap: " + proxy.admin("/runtime"));
                    Thread.sleep(100);
                }
                for (int i = 0; i < 5; i++) {
                    assertEquals("canary", get(port));
                }
                assertTrue(proxy.metric("envoy_runtime_load_success") >= 2);
                assertTrue(proxy.metric("envoy_runtime_override_dir_exists") >= 2);
            }
        } finally {
            try (Stream<Path> s = Files.walk(root)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener whose certificate comes from an SDS file (sds_config path_config_source with a watched_directory),
 * laid out as Kubernetes mounts a secret: {@code server.yaml -> ..data/server.yaml}, {@code ..data -> ..v1}.
 * Curl verifies the served certificate by its name; swapping {@code ..data} to a directory with a second
 * certificate makes new connections get the second one, without a restart.
 */
class SdsFileE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static Path certs;
    static Path mount;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        certs = TempPaths.directory("sds-file");
        TestCerts.Ca ca = TestCerts.ca("sds-file-ca");
        ca.issue("first", "first.test").write(certs, "first");
        ca.issue("second", "second.test").write(certs, "second");
        mount = certs.resolve("mount");
        publish("..v1", "first");
        Files.createSymbolicLink(mount.resolve("server.yaml"), Path.of("..data/server.yaml"));
        proxy = stack.start(bootstrap(stack.adminPort, stack.port, mount.resolve("server.yaml"), mount), List.of());
    }

    /**
     * A bootstrap of one TLS listener answering "ok", its certificate the secret "server" of {@code file}
     * (path_config_source, watching {@code watched}).
     */
    static String bootstrap(int adminPort, int port, Path file, Path watched) {
        return Bootstraps.listeners(adminPort, listener(file, watched), "", Map.of("tls", port));
    }

    /** That listener, a list item for {@link Bootstraps#listeners} (its port {@code ${tls}}). */
    static String listener(Path file, Path watched) {
        String tls = """
                transport_socket:
                  name: tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                    common_tls_context:
                      tls_certificate_sds_secret_configs:
                      - name: server
                        sds_config:
                          path_config_source:
                            path: FILE
                            watched_directory: { path: WATCHED }
                """.replace("FILE", file.toString()).replace("WATCHED", watched.toString());
        return Bootstraps.httpListener("tls", tls, "", """
                - match: { prefix: "/" }
                  direct_response: { status: 200, body: { inline_string: "ok" } }
                """);
    }

    /** An SDS file's text: the secret "server", the certificate {@code leaf} written into {@code certs}. */
    static String secretFile(Path certs, String leaf) {
        return """
                resources:
                - "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
                  name: server
                  tls_certificate:
                    certificate_chain: { filename: CERTS/LEAF-cert.pem }
                    private_key: { filename: CERTS/LEAF-key.pem }
                """.replace("CERTS", certs.toString()).replace("LEAF", leaf);
    }

    /** Writes the secret file for {@code leaf} into {@code dir} and points ..data at it, atomically. */
    static void publish(String dir, String leaf) throws IOException {
        Path version = Files.createDirectories(mount.resolve(dir));
        Files.writeString(version.resolve("server.yaml"), secretFile(certs, leaf));
        Path tmp = mount.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, Path.of(dir));
        Files.move(tmp, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static Curl get(String host) throws Exception {
        return get(certs, host, stack.port);
    }

    /** An HTTPS GET naming {@code host}, verified with the CA of {@code certs}' first certificate. */
    static Curl get(Path certs, String host, int port) throws Exception {
        return Curl.run("--cacert", certs.resolve("first-ca.pem").toString(),
                "--resolve", host + ":" + port + ":127.0.0.1", "https://" + host + ":" + port + "/");
    }

    @Test
    void servesTheFilesCertificateAndTheRotatedOneAfterASymlinkSwap() throws Exception {
        assertEquals("ok", get("first.test").text());
        assertThrows(IOException.class, () -> get("second.test"), "the first certificate does not name second.test");

        publish("..v2", "second");
        long deadline = System.nanoTime() + 20_000_000_000L;
        Curl rotated = null;
        while (rotated == null && System.nanoTime() < deadline) {
            try {
                rotated = get("second.test");
            } catch (IOException stillTheFirst) {
                Thread.sleep(200);
            }
        }
        assertEquals("ok", rotated == null ? "still the first certificate" : rotated.text());
        assertThrows(IOException.class, () -> get("first.test"), "new connections get the second certificate only");
        String dump = proxy.admin("/config_dump?resource=dynamic_active_secrets");
        assertTrue(dump.contains("\"name\": \"server\"") && dump.contains("tls_certificate"), dump);
    }

    @Test
    void rewritingTheCertificateFilesTheSecretNamesRotatesIt() throws Exception {
        // The SDS file stays as it is; the certificate and key it names are replaced in place.
        Path live = Files.createDirectories(certs.resolve("live"));
        Files.copy(certs.resolve("first-cert.pem"), live.resolve("live-cert.pem"));
        Files.copy(certs.resolve("first-key.pem"), live.resolve("live-key.pem"));
        Path sds = live.resolve("sds.yaml");
        Files.writeString(sds, secretFile(live, "live"));
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        try (ProxyProcess p = ProxyProcess.start(bootstrap(admin, port, sds, live), admin)) {
            assertEquals("ok", get(certs, "first.test", port).text(), p.log());
            for (String part : new String[] {"key", "cert"}) {
                Path tmp = live.resolve(part + ".tmp");
                Files.copy(certs.resolve("second-" + part + ".pem"), tmp);
                Files.move(tmp, live.resolve("live-" + part + ".pem"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            Curl rotated = null;
            while (rotated == null && System.nanoTime() < deadline) {
                try {
                    rotated = get(certs, "second.test", port);
                } catch (IOException stillTheFirst) {
                    Thread.sleep(200);
                }
            }
            assertEquals("ok", rotated == null ? "still the first certificate" : rotated.text(), p.log());
            assertThrows(IOException.class, () -> get(certs, "first.test", port), "new connections get the second");
        }
    }
}

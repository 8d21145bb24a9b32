package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.remora.e2e.SessionTicketsE2ETest.JVM;
import static io.remora.e2e.TlsOptionsE2ETest.listener;
import static io.remora.e2e.TlsOptionsE2ETest.sClient;
import static io.remora.e2e.TlsOptionsE2ETest.serverCert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS context options with real peers. Downstream, openssl s_client against the proxy:
 * {@code key_log} writes the same NSS lines s_client's {@code -keylogfile} does for the
 * connection (TLS 1.2 and 1.3), and nothing for a connection outside its address ranges;
 * {@code prefer_client_ciphers} lets the client's cipher order win. Upstream, openssl s_server
 * behind the proxy, on both TLS providers: an RSA server certificate without digitalSignature for
 * ECDHE_RSA is refused whatever {@code enforce_rsa_key_usage} says (Envoy 1.39 ignores it), and {@code system_root_certs} trusts the
 * JVM's trust store (a test CA put in it) and still refuses a stranger's certificate;
 * {@code allow_renegotiation} against s_server renegotiating mid-request. And {@code
 * watched_directory}: a Kubernetes-style {@code ..data} swap rotates an SDS certificate and CA.
 */
class MoreTlsOptionsE2ETest {
    static final String AES128 = "ECDHE-ECDSA-AES128-GCM-SHA256";
    static final String AES256 = "ECDHE-ECDSA-AES256-GCM-SHA384";

    @TempDir
    Path dir;

    @Test
    void keyLogAndClientCipherPreference() throws Exception {
        Path certs = dir.resolve("certs");
        TestCerts.ca("server-ca").issue("server", "server.test").write(certs, "server");
        String cert = serverCert(certs).stripTrailing();
        int admin = ProxyProcess.freePort();
        int logged = ProxyProcess.freePort();
        int elsewhere = ProxyProcess.freePort();
        int clientOrder = ProxyProcess.freePort();
        int serverOrder = ProxyProcess.freePort();
        Path keys = dir.resolve("keys.log");
        Path elsewhereKeys = dir.resolve("elsewhere.log");
        String ciphers = "tls_params: { cipher_suites: [ \"" + AES256 + "\", \"" + AES128 + "\" ] }";
        String orders = listener("client_order", clientOrder, """
                prefer_client_ciphers: true
                common_tls_context:
                %s
                  %s
                """.formatted(cert, ciphers)).stripTrailing() + "\n" + listener("server_order", serverOrder, """
                common_tls_context:
                %s
                  %s
                """.formatted(cert, ciphers)).stripTrailing();
        String yaml = Bootstraps.listeners(admin, String.join("\n",
                listener("logged", logged, """
                        common_tls_context:
                        %s
                          key_log:
                            path: "%s"
                            local_address_range: [{ address_prefix: 127.0.0.1, prefix_len: 32 }]
                            remote_address_range: [{ address_prefix: 127.0.0.0, prefix_len: 8 }]
                        """.formatted(cert, keys)).stripTrailing(),
                listener("elsewhere", elsewhere, """
                        common_tls_context:
                        %s
                          key_log:
                            path: "%s"
                            remote_address_range: [{ address_prefix: 10.0.0.0, prefix_len: 8 }]
                        """.formatted(cert, elsewhereKeys)).stripTrailing(), orders), "", Map.of());
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, JVM)) {
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                Path clientKeys = dir.resolve("client" + version + ".log");
                assertTrue(sClient(logged, certs, null, version, "-keylogfile", clientKeys.toString())
                        .contains("ok-logged"), proxy.log());
                List<String> clientLines = secretLines(clientKeys);
                String random = clientLines.get(0).split(" ")[1];
                List<String> proxyLines = Files.readAllLines(keys).stream()
                        .filter(l -> l.split(" ").length == 3 && l.split(" ")[1].equals(random)).toList();
                // TLS 1.2: the one CLIENT_RANDOM line; 1.3: the handshake and traffic secrets of both sides.
                assertEquals(version.equals("-tls1_2") ? 1 : 4, proxyLines.stream()
                        .filter(l -> !l.startsWith("EXPORTER_SECRET")).count(), proxyLines.toString());
                assertTrue(clientLines.containsAll(proxyLines), proxyLines + " vs the client's " + clientLines);
            }
            assertTrue(sClient(elsewhere, certs, null, "-tls1_2").contains("ok-elsewhere"));
            assertFalse(Files.exists(elsewhereKeys) && Files.size(elsewhereKeys) > 0,
                    "127.0.0.1 is outside 10.0.0.0/8: nothing logged");

            cipherOrders(certs, clientOrder, serverOrder);
        }
        // key_log is BoringSSL's alone; the cipher order is the JDK provider's too.
        try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, orders, "", Map.of()), admin, JVM,
                "--tls-provider", "jdk")) {
            cipherOrders(certs, clientOrder, serverOrder);
        }
    }

    /** The client offers AES128 first; the listeners list AES256 first, one preferring the client's order. */
    private static void cipherOrders(Path certs, int clientOrder, int serverOrder) throws Exception {
        String clientPrefers = AES128 + ":" + AES256;
        assertTrue(sClient(clientOrder, certs, null, "-tls1_2", "-cipher", clientPrefers)
                .contains("Cipher is " + AES128), "prefer_client_ciphers: the client's first choice");
        assertTrue(sClient(serverOrder, certs, null, "-tls1_2", "-cipher", clientPrefers)
                .contains("Cipher is " + AES256), "by default the server's first choice");
    }

    /** The NSS key log lines of a file, comments left out; fails when there are none. */
    private static List<String> secretLines(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertFalse(lines.isEmpty(), "s_client wrote no key log");
        return lines;
    }

    @Test
    void rsaKeyUsageAndSystemRoots() throws Exception {
        // RSA certificates as an operator makes them: one for key encipherment only, one also for signatures.
        OpenSslCli.run(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=enc.test",
                "-keyout", "enc-key.pem", "-out", "enc-cert.pem", "-addext", "keyUsage=critical,keyEncipherment");
        OpenSslCli.run(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=sig.test",
                "-keyout", "sig-key.pem", "-out", "sig-cert.pem",
                "-addext", "keyUsage=critical,digitalSignature,keyEncipherment");
        TestCerts.Ca systemCa = TestCerts.ca("system-ca");
        systemCa.issue("trusted", "trusted.test").write(dir, "trusted");
        TestCerts.ca("stranger-ca").issue("stranger", "stranger.test").write(dir, "stranger");
        Path store = dir.resolve("roots.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("system-ca", systemCa.cert());
        try (FileOutputStream out = new FileOutputStream(store.toFile())) {
            ks.store(out, "changeit".toCharArray());
        }

        Map<String, Integer> ports = Map.of("enc", ProxyProcess.freePort(), "sig", ProxyProcess.freePort(),
                "trusted", ProxyProcess.freePort(), "stranger", ProxyProcess.freePort());
        List<Process> servers = new ArrayList<>();
        try {
            for (Map.Entry<String, Integer> s : ports.entrySet()) {
                servers.add(new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + s.getValue(),
                        "-cert", dir.resolve(s.getKey() + "-cert.pem").toString(),
                        "-key", dir.resolve(s.getKey() + "-key.pem").toString(), "-tls1_2", "-www")
                        .redirectErrorStream(true).redirectOutput(dir.resolve(s.getKey() + ".log").toFile()).start());
            }
            String tls = upstreamTls("""
                    %s
                    common_tls_context:
                      tls_params: { cipher_suites: [ "ECDHE-RSA-AES128-GCM-SHA256", "%s" ] }
                      %s
                    """);
            String system = "validation_context: { system_root_certs: {} }";
            String clusters = String.join("\n",
                    Bootstraps.cluster("enc_enforced", false, tls.formatted("enforce_rsa_key_usage: true", AES128, ""),
                            ports.get("enc")),
                    Bootstraps.cluster("enc_default", false, tls.formatted("", AES128, ""), ports.get("enc")),
                    Bootstraps.cluster("enc_lenient", false, tls.formatted("enforce_rsa_key_usage: false", AES128, ""),
                            ports.get("enc")),
                    Bootstraps.cluster("sig_enforced", false, tls.formatted("enforce_rsa_key_usage: true", AES128, ""),
                            ports.get("sig")),
                    Bootstraps.cluster("trusted", false, tls.formatted("", AES128, system), ports.get("trusted")),
                    Bootstraps.cluster("stranger", false, tls.formatted("", AES128, system), ports.get("stranger")));
            StringBuilder routes = new StringBuilder();
            for (String c : List.of("enc_enforced", "enc_default", "enc_lenient", "sig_enforced", "trusted", "stranger")) {
                routes.append("- match: { prefix: /").append(c).append(" }\n  route: { cluster: ").append(c)
                        .append(", prefix_rewrite: / }\n");
            }
            int admin = ProxyProcess.freePort();
            int web = ProxyProcess.freePort();
            String yaml = Bootstraps.listeners(admin, Bootstraps.httpListener("web", "", "", routes.toString()),
                    clusters, Map.of("web", web));
            List<String> jvm = new ArrayList<>(JVM);
            jvm.addAll(List.of("-Djavax.net.ssl.trustStore=" + store, "-Djavax.net.ssl.trustStorePassword=changeit",
                    "-Djavax.net.ssl.trustStoreType=PKCS12"));
            for (String provider : List.of("boringssl", "jdk")) {
                try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, jvm, "--tls-provider", provider)) {
                    assertEquals(503, get(web, "enc_enforced"), provider + ": keyEncipherment only, ECDHE_RSA signs");
                    // Envoy 1.39 always enforces: the default, and false is ignored.
                    assertEquals(503, get(web, "enc_default"), provider + ": enforced by default");
                    assertEquals(503, get(web, "enc_lenient"), provider + ": enforce_rsa_key_usage: false is ignored");
                    assertEquals(200, get(web, "sig_enforced"), provider + ": digitalSignature present");
                    assertEquals(200, get(web, "trusted"), provider + ": issued by a CA of the JVM's trust store");
                    assertEquals(503, get(web, "stranger"), provider + ": a CA the system does not trust");
                    assertTrue(proxy.admin("/stats/prometheus").lines().anyMatch(l -> l.startsWith(
                            "envoy_cluster_ssl_fail_verify_error{") && l.contains("\"stranger\"") && l.endsWith(" 1")),
                            "cluster.stranger.ssl.fail_verify_error");
                }
            }
        } finally {
            servers.forEach(Process::destroyForcibly);
        }
    }

    /**
     * allow_renegotiation against openssl s_server, whose {@code r} command sends a HelloRequest
     * while the proxy waits for the response: refused by default (the request fails with a 503),
     * renegotiated with the option (the response arrives after the second handshake).
     */
    @Test
    void serverRenegotiationOnlyWhenAllowed() throws Exception {
        TestCerts.ca("reneg-ca").issue("reneg", "reneg.test").write(dir, "reneg");
        Map<String, Integer> ports = Map.of("refused", ProxyProcess.freePort(), "allowed", ProxyProcess.freePort());
        String tls = upstreamTls("allow_renegotiation: %s");
        String clusters = Bootstraps.cluster("refused", false, tls.formatted("false"), ports.get("refused")) + "\n"
                + Bootstraps.cluster("allowed", false, tls.formatted("true"), ports.get("allowed"));
        int admin = ProxyProcess.freePort();
        int web = ProxyProcess.freePort();
        String yaml = Bootstraps.listeners(admin, Bootstraps.httpListener("web", "", "", """
                - match: { prefix: /refused }
                  route: { cluster: refused }
                - match: { prefix: /allowed }
                  route: { cluster: allowed }
                """), clusters, Map.of("web", web));
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, JVM)) {
            assertEquals(503, renegotiated(web, "refused", ports.get("refused")), proxy.log());
            assertEquals(200, renegotiated(web, "allowed", ports.get("allowed")), proxy.log());
        }
    }

    /** The status of a request through the proxy to an s_server that renegotiates before it answers. */
    private int renegotiated(int web, String cluster, int port) throws Exception {
        Path log = dir.resolve(cluster + ".log");
        Process server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-cert", dir.resolve("reneg-cert.pem").toString(), "-key", dir.resolve("reneg-key.pem").toString(),
                "-tls1_2").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (java.io.OutputStream stdin = server.getOutputStream()) {
            for (long end = System.nanoTime() + 20_000_000_000L; !Files.readString(log).contains("ACCEPT"); ) {
                assertTrue(System.nanoTime() < end, "s_server did not start: " + Files.readString(log));
                Thread.sleep(50);
            }
            java.util.concurrent.CompletableFuture<Integer> status = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return get(web, cluster);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
            for (long end = System.nanoTime() + 20_000_000_000L; !Files.readString(log).contains("GET /" + cluster); ) {
                assertTrue(System.nanoTime() < end && !status.isDone(), "the request never reached s_server: "
                        + Files.readString(log) + (status.isDone() ? " (answered " + status.join() + ")" : ""));
                Thread.sleep(50);
            }
            // s_server takes a read of at most two bytes as a command, anything longer as data to send.
            stdin.write("r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            stdin.flush();
            Thread.sleep(500);
            stdin.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            stdin.flush();
            return status.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            server.destroyForcibly();
        }
    }

    /**
     * watched_directory on an SDS certificate and validation context, mounted as Kubernetes does
     * ({@code tls.crt -> ..data/tls.crt}, {@code ..data -> ..v1}): swapping {@code ..data} to a
     * second version with {@code ln -sfn} gives new connections its certificate and its CA.
     */
    @Test
    void watchedDirectorySwapRotatesCertificateAndCa() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("mount"));
        for (String v : List.of("1", "2")) {
            TestCerts.Ca ca = TestCerts.ca("ca-" + v);
            Path version = Files.createDirectories(mount.resolve("..v" + v));
            TestCerts.Leaf server = ca.issue("server", "server.test");
            Files.writeString(version.resolve("tls.crt"), server.certPem());
            Files.writeString(version.resolve("tls.key"), server.keyPem());
            Files.writeString(version.resolve("ca.crt"), ca.pem());
            ca.issue("client", "client.test").write(dir, "client" + v);
        }
        Files.createSymbolicLink(mount.resolve("..data"), Path.of("..v1"));
        for (String f : List.of("tls.crt", "tls.key", "ca.crt")) {
            Files.createSymbolicLink(mount.resolve(f), Path.of("..data", f));
        }
        sdsFile("cert.yaml", "server", """
                tls_certificate:
                  certificate_chain: { filename: "M/tls.crt" }
                  private_key: { filename: "M/tls.key" }
                  watched_directory: { path: "M" }
                """.replace("M", mount.toString()));
        sdsFile("ca.yaml", "ca", """
                validation_context:
                  trusted_ca: { filename: "M/ca.crt" }
                  watched_directory: { path: "M" }
                """.replace("M", mount.toString()));
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        String yaml = Bootstraps.listeners(admin, listener("mounted", port, """
                require_client_certificate: true
                common_tls_context:
                  tls_certificate_sds_secret_configs:
                  - { name: server, sds_config: { path_config_source: { path: "%s" } } }
                  validation_context_sds_secret_config:
                    { name: ca, sds_config: { path_config_source: { path: "%s" } } }
                """.formatted(dir.resolve("cert.yaml"), dir.resolve("ca.yaml"))), "", Map.of());
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, JVM)) {
            assertEquals(200, mounted(port, "1").status(), proxy.log());
            assertThrows(IOException.class, () -> mounted(port, "2"), "version 2 is not mounted yet");
            Process ln = new ProcessBuilder("ln", "-sfn", "..v2", mount.resolve("..data").toString()).start();
            assertEquals(0, ln.waitFor());
            Curl rotated = null;
            for (long end = System.nanoTime() + 20_000_000_000L; rotated == null && System.nanoTime() < end; ) {
                try {
                    rotated = mounted(port, "2");
                } catch (IOException stillVersionOne) {
                    Thread.sleep(200);
                }
            }
            assertEquals(200, rotated == null ? 0 : rotated.status(), proxy.log());
            assertThrows(IOException.class, () -> mounted(port, "1"), "version 1's CA and certificate are gone");
        }
    }

    /** An SDS file in {@code dir} serving one secret: its name and its fields (YAML, unindented). */
    private void sdsFile(String file, String name, String fields) throws IOException {
        Files.writeString(dir.resolve(file), """
                resources:
                - "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
                  name: %s
                %s
                """.formatted(name, fields.indent(2).stripTrailing()));
    }

    /** A request with version {@code v}'s client certificate, trusting only version {@code v}'s CA. */
    private Curl mounted(int port, String v) throws Exception {
        return Curl.run("--cacert", dir.resolve("client" + v + "-ca.pem").toString(),
                "--cert", dir.resolve("client" + v + "-cert.pem").toString(),
                "--key", dir.resolve("client" + v + "-key.pem").toString(),
                "--resolve", "server.test:" + port + ":127.0.0.1", "https://server.test:" + port + "/");
    }

    /** A cluster's TLS transport socket (for {@link Bootstraps#cluster}'s extra) with these UpstreamTlsContext fields. */
    private static String upstreamTls(String fields) {
        return """
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                %s
                """.formatted(fields.indent(4).stripTrailing()).indent(2);
    }

    private static int get(int web, String cluster) throws Exception {
        return Curl.run("http://127.0.0.1:" + web + "/" + cluster).status();
    }
}

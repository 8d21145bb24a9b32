package io.remora.e2e;

import io.remora.testing.TestCerts;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.remora.e2e.SessionTicketsE2ETest.JVM;
import static io.remora.e2e.SessionTicketsE2ETest.bootstrap;
import static io.remora.e2e.TlsOptionsE2ETest.listener;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code TlsCertificate}'s {@code password} and {@code pkcs12}, with keys written by the openssl
 * command line: PKCS#8 encrypted (openssl's default), OpenSSL's legacy PEM encryption (AES-256 for
 * an EC key, 3DES for an RSA one), and a PKCS#12 container with its CA; each listener serves curl.
 * A wrong password fails the config at the field that holds it.
 */
class EncryptedKeysE2ETest {

    static final String PASSWORD = "s3cret pass";

    @TempDir
    Path dir;

    @Test
    void encryptedKeysAndPkcs12Serve() throws Exception {
        TestCerts.ca("enc-ca").issue("server", "server.test").write(dir, "server");
        String pw = "pass:" + PASSWORD;
        OpenSslCli.run(dir, "pkcs8", "-topk8", "-in", "server-key.pem", "-passout", pw, "-out", "p8.pem");
        OpenSslCli.run(dir, "ec", "-in", "server-key.pem", "-aes256", "-passout", pw, "-out", "legacy.pem");
        OpenSslCli.run(dir, "pkcs12", "-export", "-inkey", "server-key.pem", "-in", "server-cert.pem",
                "-certfile", "server-ca.pem", "-passout", pw, "-out", "server.p12");
        OpenSslCli.run(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa-plain.pem",
                "-out", "rsa-cert.pem", "-days", "1", "-subj", "/CN=server.test", "-addext",
                "subjectAltName=DNS:server.test");
        OpenSslCli.run(dir, "rsa", "-in", "rsa-plain.pem", "-traditional", "-des3", "-passout", pw,
                "-out", "rsa-legacy.pem");
        Files.writeString(dir.resolve("password.txt"), PASSWORD);
        assertTrue(Files.readString(dir.resolve("legacy.pem")).contains("Proc-Type: 4,ENCRYPTED"));
        assertTrue(Files.readString(dir.resolve("rsa-legacy.pem")).contains("DES-EDE3-CBC"));

        int admin = ProxyProcess.freePort();
        int p8 = ProxyProcess.freePort();
        int legacy = ProxyProcess.freePort();
        int rsa = ProxyProcess.freePort();
        int p12 = ProxyProcess.freePort();
        String inline = "password: { inline_string: \"" + PASSWORD + "\" }";
        String yaml = bootstrap(admin,
                listener("p8", p8, keyed("server-cert.pem", "private_key: { filename: \"" + dir.resolve("p8.pem")
                        + "\" }\n" + inline))
                        + listener("legacy", legacy, keyed("server-cert.pem", "private_key: { filename: \""
                        + dir.resolve("legacy.pem") + "\" }\npassword: { filename: \"" + dir.resolve("password.txt")
                        + "\" }"))
                        + listener("rsa", rsa, keyed("rsa-cert.pem", "private_key: { filename: \""
                        + dir.resolve("rsa-legacy.pem") + "\" }\n" + inline))
                        + listener("p12", p12, """
                        common_tls_context:
                          tls_certificates:
                          - pkcs12: { filename: "%s" }
                            %s
                        """.formatted(dir.resolve("server.p12"), inline)));
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, JVM)) {
            assertEquals("200 ok-p8", get(p8, "server-ca.pem"));
            assertEquals("200 ok-legacy", get(legacy, "server-ca.pem"));
            assertEquals("200 ok-rsa", get(rsa, "rsa-cert.pem"));
            assertEquals("200 ok-p12", get(p12, "server-ca.pem"));
        }

        TranslationException wrong = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                yaml.replace(PASSWORD, "not it"), "wrong.yaml"));
        assertTrue(wrong.path().endsWith(".common_tls_context.tls_certificates[0].password"), wrong.getMessage());
        assertTrue(wrong.getMessage().contains("wrong password"), wrong.getMessage());
        String p12Only = bootstrap(admin, listener("p12", p12, """
                common_tls_context:
                  tls_certificates:
                  - pkcs12: { filename: "%s" }
                    password: { inline_string: "not it" }
                """.formatted(dir.resolve("server.p12"))));
        TranslationException badP12 = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(p12Only, "p12.yaml"));
        assertTrue(badP12.path().endsWith(".tls_certificates[0].pkcs12"), badP12.getMessage());
        assertTrue(badP12.getMessage().contains("Failed to load pkcs12"), badP12.getMessage());
    }

    private String keyed(String cert, String keyFields) {
        return """
                common_tls_context:
                  tls_certificates:
                  - certificate_chain: { filename: "%s" }
                %s
                """.formatted(dir.resolve(cert), keyFields.indent(4).stripTrailing());
    }

    private String get(int port, String ca) throws Exception {
        Curl c = Curl.run("--cacert", dir.resolve(ca).toString(), "--resolve", "server.test:" + port + ":127.0.0.1",
                "https://server.test:" + port + "/");
        return c.status() + " " + c.text();
    }
}

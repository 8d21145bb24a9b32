package io.remora.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.remora.e2e.SessionTicketsE2ETest.JVM;
import static io.remora.e2e.SessionTicketsE2ETest.bootstrap;
import static io.remora.e2e.TlsOptionsE2ETest.listener;
import static io.remora.e2e.TlsOptionsE2ETest.sClient;
import static io.remora.e2e.TlsOptionsE2ETest.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code match_typed_subject_alt_names} with {@code san_type: OTHER_NAME}: client certificates
 * made by openssl with otherName SANs (a UTF8String UPN, an INTEGER) pass when the otherName of
 * the matcher's {@code oid} has a matching value, and fail verification otherwise, also when the
 * same value sits under another OID.
 */
class OtherNameSanE2ETest {

    static final String UPN = "1.3.6.1.4.1.311.20.2.3";

    @TempDir
    Path dir;

    @Test
    void otherNameOfTheOidMustMatch() throws Exception {
        OpenSslCli.run(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca-key.pem", "-out", "server-ca.pem", "-days", "1", "-subj", "/CN=othername-ca",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        issue("server", "DNS:server.test");
        issue("upn", "otherName:" + UPN + ";UTF8:user@example.com");
        issue("upn_other", "otherName:" + UPN + ";UTF8:other@example.com");
        issue("wrong_oid", "otherName:1.2.3.4;UTF8:user@example.com");
        issue("int", "otherName:1.2.3.4;INTEGER:42, DNS:client.test");

        int admin = ProxyProcess.freePort();
        int upn = ProxyProcess.freePort();
        int integer = ProxyProcess.freePort();
        String yaml = bootstrap(admin, listener("upn", upn, validating(UPN, "user@example.com"))
                + listener("int", integer, validating("1.2.3.4", "42")));
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, JVM)) {
            assertTrue(sClient(upn, dir, "upn").contains("ok-upn"));
            assertFalse(sClient(upn, dir, "upn_other").contains("ok-upn"), "another UPN");
            assertFalse(sClient(upn, dir, "wrong_oid").contains("ok-upn"), "the value under another OID");
            assertEquals(2.0, stat(proxy, "envoy_listener_ssl_fail_verify_san", upn));

            assertTrue(sClient(integer, dir, "int").contains("ok-int"), "an INTEGER in decimal");
            assertFalse(sClient(integer, dir, "wrong_oid").contains("ok-int"));
            assertFalse(sClient(integer, dir, "upn").contains("ok-int"));
            assertEquals(2.0, stat(proxy, "envoy_listener_ssl_fail_verify_san", integer));
        }
    }

    private String validating(String oid, String value) {
        return "require_client_certificate: true\ncommon_tls_context:\n" + TlsOptionsE2ETest.serverCert(dir) + """
                  validation_context:
                    trusted_ca: { filename: "%1$s/server-ca.pem" }
                    match_typed_subject_alt_names:
                    - san_type: OTHER_NAME
                      oid: "%2$s"
                      matcher: { exact: "%3$s" }
                """.formatted(dir, oid, value);
    }

    private void issue(String name, String san) throws Exception {
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + san + "\n");
        OpenSslCli.run(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + "-key.pem", "-out", name + ".csr", "-subj", "/CN=" + name);
        OpenSslCli.run(dir, "x509", "-req", "-in", name + ".csr", "-CA", "server-ca.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-out", name + "-cert.pem", "-days", "1", "-extfile", name + ".ext");
    }
}

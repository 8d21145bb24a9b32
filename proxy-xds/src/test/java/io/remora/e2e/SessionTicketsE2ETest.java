package io.remora.e2e;

import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

import static io.remora.e2e.TlsOptionsE2ETest.listener;
import static io.remora.e2e.TlsOptionsE2ETest.sClient;
import static io.remora.e2e.TlsOptionsE2ETest.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session resumption across two proxies with openssl s_client: a ticket one proxy issued with
 * {@code session_ticket_keys} resumes on the other with the same keys (file or inline), also
 * after a rotation puts a new key first (keys from a named secret), and not where the key is missing or tickets are off;
 * the session cache resumes by session id unless {@code disable_stateful_session_resumption};
 * {@code session_timeout} is the ticket's lifetime; {@code ssl.session_reused} counts resumptions.
 */
class SessionTicketsE2ETest {

    static final List<String> JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    @TempDir
    Path dir;

    @Test
    void ticketsResumeAcrossProxiesWithTheSameKeys() throws Exception {
        Path certs = dir.resolve("certs");
        TestCerts.ca("ticket-ca").issue("server", "server.test").write(certs, "server");
        SecureRandom random = new SecureRandom();
        byte[] k1 = new byte[80];
        byte[] k2 = new byte[80];
        random.nextBytes(k1);
        random.nextBytes(k2);
        Path k1File = Files.write(dir.resolve("k1.key"), k1);
        Path k2File = Files.write(dir.resolve("k2.key"), k2);
        String k1Inline = "{ inline_bytes: \"" + Base64.getEncoder().encodeToString(k1) + "\" }";
        String cert = "common_tls_context:\n" + TlsOptionsE2ETest.serverCert(certs);

        int adminA = ProxyProcess.freePort();
        int a = ProxyProcess.freePort();
        int adminB = ProxyProcess.freePort();
        int b = ProxyProcess.freePort();
        int rotated = ProxyProcess.freePort();
        int other = ProxyProcess.freePort();
        int noTickets = ProxyProcess.freePort();
        int noCache = ProxyProcess.freePort();
        String proxyA = bootstrap(adminA, listener("a", a, "session_ticket_keys: { keys: [ { filename: \"" + k1File
                + "\" } ] }\n" + cert));
        String proxyB = bootstrap(adminB,
                listener("b", b, "session_ticket_keys: { keys: [ " + k1Inline + " ] }\n" + cert)
                        + listener("rotated", rotated, "session_ticket_keys_sds_secret_config: { name: rotated }\n"
                        + cert)
                        + listener("other", other, "session_ticket_keys: { keys: [ { filename: \"" + k2File
                        + "\" } ] }\n" + cert)
                        + listener("no_tickets", noTickets, "disable_stateless_session_resumption: true\n" + cert)
                        + listener("no_cache", noCache, "disable_stateful_session_resumption: true\n"
                        + "session_timeout: 300s\n" + cert))
                .replace("static_resources:\n", """
                        static_resources:
                          secrets:
                          - name: rotated
                            session_ticket_keys: { keys: [ { filename: "%s" }, %s ] }
                        """.formatted(k2File, k1Inline));
        try (ProxyProcess pa = ProxyProcess.start(proxyA, adminA, JVM);
             ProxyProcess pb = ProxyProcess.start(proxyB, adminB, JVM)) {
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                Path session = dir.resolve("a" + version + ".pem");
                String first = sClient(a, certs, null, version, "-sess_out", session.toString());
                assertTrue(first.contains("ok-a") && first.contains("TLS session ticket:"), first);
                String v = version.equals("-tls1_2") ? "TLSv1.2" : "TLSv1.3";
                // B never saw the session: only a ticket it can decrypt resumes it.
                assertResumed(true, v, sClient(b, certs, null, version, "-sess_in", session.toString()), "ok-b");
                assertResumed(true, v, sClient(rotated, certs, null, version, "-sess_in", session.toString()),
                        "ok-rotated");
                assertResumed(false, v, sClient(other, certs, null, version, "-sess_in", session.toString()),
                        "ok-other");
                assertResumed(false, v, sClient(noTickets, certs, null, version, "-sess_in", session.toString()),
                        "ok-no_tickets");
            }
            assertEquals(2.0, stat(pb, "envoy_listener_ssl_session_reused", b));
            assertEquals(0.0, stat(pb, "envoy_listener_ssl_session_reused", other));

            // Stateful: with tickets refused by the client, the session id resumes from the cache.
            Path byId = dir.resolve("by-id.pem");
            sClient(b, certs, null, "-tls1_2", "-no_ticket", "-sess_out", byId.toString());
            assertResumed(true, "TLSv1.2", sClient(b, certs, null, "-tls1_2", "-no_ticket", "-sess_in",
                    byId.toString()), "ok-b");
            Path noCacheId = dir.resolve("no-cache-id.pem");
            sClient(noCache, certs, null, "-tls1_2", "-no_ticket", "-sess_out", noCacheId.toString());
            if (Files.exists(noCacheId)) {
                assertResumed(false, "TLSv1.2", sClient(noCache, certs, null, "-tls1_2", "-no_ticket", "-sess_in",
                        noCacheId.toString()), "ok-no_cache");
            }
            // ...while its tickets still work, with session_timeout as their lifetime.
            Path ticket = dir.resolve("no-cache-ticket.pem");
            String issued = sClient(noCache, certs, null, "-tls1_2", "-sess_out", ticket.toString());
            // The hint is what is left of the session's 300 s when the ticket is made: 299 when the
            // handshake crosses a second boundary (seen in CI).
            assertTrue(issued.contains("lifetime hint: 300 (seconds)") || issued.contains("lifetime hint: 299 (seconds)"),
                    issued);
            assertResumed(true, "TLSv1.2", sClient(noCache, certs, null, "-tls1_2", "-sess_in", ticket.toString()),
                    "ok-no_cache");
            String none = sClient(noTickets, certs, null, "-tls1_2");
            assertTrue(none.contains("ok-no_tickets") && !none.contains("TLS session ticket:"), none);
        }
    }

    static void assertResumed(boolean reused, String version, String out, String body) {
        assertTrue(out.contains(body), out);
        assertTrue(out.contains((reused ? "Reused, " : "New, ") + version), out);
    }

    static String bootstrap(int admin, String listeners) {
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s
                """.formatted(admin, listeners.indent(2).stripTrailing());
    }
}

package io.remora.e2e;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener certificate's {@code ocsp_staple} under each {@code ocsp_staple_policy}, with responses
 * made by {@code openssl ocsp} and {@code openssl s_client -status} as the client, as Envoy's
 * ssl_socket_test cases: a valid response is stapled to a client asking for the status (and only
 * counted for it); an expired one (no nextUpdate, or one that has passed) is omitted under
 * LENIENT_STAPLING and fails the handshake under STRICT_STAPLING, MUST_STAPLE or for a must-staple
 * certificate; a client not asking is served either way. Counted in {@code ssl.ocsp_staple_*}.
 * A staple of another certificate, and a must-staple certificate without one, refuse the config.
 */
class OcspStaplingE2ETest {

    @TempDir
    Path dir;

    /** openssl in dir; fails the test on a non-zero exit. */
    private void openssl(String... args) throws Exception {
        OpenSslCli.run(dir, args);
    }

    /** A leaf of the CA, {@code <name>-cert.pem} / {@code <name>-key.pem}; must-staple with the TLS feature. */
    private void leaf(String name, boolean mustStaple) throws Exception {
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + "-key.pem",
                "-out", name + ".csr", "-subj", "/CN=" + name);
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName = DNS:server.test\n"
                + (mustStaple ? "tlsfeature = status_request\n" : ""));
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "server-ca.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-days", "3", "-extfile", name + ".ext", "-out", name + "-cert.pem");
    }

    /**
     * A response whose nextUpdate has passed: openssl's responder dates it from now only, so its
     * nextUpdate (the {@code [0] GeneralizedTime} of the single response) is moved back to 2000. The
     * signature no longer holds, which nothing checks: Envoy takes staples from the operator unverified.
     */
    private void backdate(String in, String out) throws Exception {
        byte[] der = Files.readAllBytes(dir.resolve(in));
        for (int i = 0; i + 8 < der.length; i++) {
            if ((der[i] & 0xff) == 0xa0 && der[i + 1] == 0x11 && der[i + 2] == 0x18 && der[i + 3] == 0x0f) {
                System.arraycopy("2000".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, der, i + 4, 4);
                Files.write(dir.resolve(out), der);
                return;
            }
        }
        throw new AssertionError("no nextUpdate in " + in);
    }

    /** openssl's OCSP responder for the leaf: valid for {@code ndays}, or without nextUpdate (null). */
    private void response(String leaf, String out, Integer ndays) throws Exception {
        List<String> args = new ArrayList<>(List.of("ocsp", "-index", "index.txt", "-rsigner", "server-ca.pem",
                "-rkey", "ca-key.pem", "-CA", "server-ca.pem", "-issuer", "server-ca.pem", "-cert", leaf + "-cert.pem",
                "-respout", out));
        if (ndays != null) {
            args.addAll(List.of("-ndays", ndays.toString()));
        }
        openssl(args.toArray(new String[0]));
    }

    private String tls(String policy, String cert, String staple) {
        return """
                ocsp_staple_policy: %s
                common_tls_context:
                  tls_certificates:
                  - certificate_chain: { filename: "%s/%s-cert.pem" }
                    private_key: { filename: "%s/%s-key.pem" }
                %s""".formatted(policy, dir, cert, dir, cert,
                staple == null ? "" : "    ocsp_staple: { filename: \"" + dir.resolve(staple) + "\" }\n");
    }

    private static boolean stapled(String sClient) {
        return sClient.contains("OCSP Response Status: successful");
    }

    private static boolean served(String sClient) {
        return sClient.contains("ok-");
    }

    @Test
    void staplesPerPolicyAndCountsAsEnvoy() throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "ca-key.pem", "-out", "server-ca.pem", "-subj", "/CN=ocsp-ca", "-days", "1");
        Files.writeString(dir.resolve("index.txt"), "");
        leaf("server", false);
        leaf("staple-me", true);
        response("server", "good.der", 1);
        response("server", "no-next-update.der", null);
        backdate("good.der", "ended.der");
        response("staple-me", "must-good.der", 1);
        response("staple-me", "must-expired.der", null);

        String[] names = {"lenient", "lenientExpired", "strictExpired", "strictNone", "must", "mustCert",
            "mustCertExpired", "strictEnded"};
        String[] contexts = {
            tls("LENIENT_STAPLING", "server", "good.der"),
            tls("LENIENT_STAPLING", "server", "no-next-update.der"),
            tls("STRICT_STAPLING", "server", "no-next-update.der"),
            tls("STRICT_STAPLING", "server", null),
            tls("MUST_STAPLE", "server", "good.der"),
            tls("LENIENT_STAPLING", "staple-me", "must-good.der"),
            tls("LENIENT_STAPLING", "staple-me", "must-expired.der"),
            tls("STRICT_STAPLING", "server", "ended.der"),
        };
        int admin = ProxyProcess.freePort();
        int[] ports = new int[names.length];
        StringBuilder listeners = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            ports[i] = ProxyProcess.freePort();
            listeners.append(TlsOptionsE2ETest.listener(names[i], ports[i], contexts[i]).indent(2));
        }
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s""".formatted(admin, listeners);
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
            // LENIENT_STAPLING, a valid response: stapled when asked, not counted otherwise.
            String asked = TlsOptionsE2ETest.sClient(ports[0], dir, null, "-status");
            assertTrue(stapled(asked) && served(asked), asked);
            String notAsked = TlsOptionsE2ETest.sClient(ports[0], dir, null);
            assertTrue(served(notAsked) && !notAsked.contains("OCSP response"), notAsked);
            assertStats(proxy, ports[0], 1, 1, 0, 0);

            // LENIENT_STAPLING, a response without nextUpdate (expired for Envoy): served, not stapled.
            String lenientExpired = TlsOptionsE2ETest.sClient(ports[1], dir, null, "-status");
            assertTrue(served(lenientExpired) && lenientExpired.contains("OCSP response: no response sent"),
                    lenientExpired);
            assertStats(proxy, ports[1], 1, 0, 1, 0);

            // STRICT_STAPLING, an expired response: the handshake fails for a client asking, not for others.
            String strictExpired = TlsOptionsE2ETest.sClient(ports[2], dir, null, "-status");
            assertFalse(served(strictExpired), strictExpired);
            assertTrue(served(TlsOptionsE2ETest.sClient(ports[2], dir, null)));
            assertStats(proxy, ports[2], 1, 0, 0, 1);

            // STRICT_STAPLING without a response: served, omitted.
            assertTrue(served(TlsOptionsE2ETest.sClient(ports[3], dir, null, "-status")));
            assertStats(proxy, ports[3], 1, 0, 1, 0);

            // MUST_STAPLE with a valid response: stapled.
            String must = TlsOptionsE2ETest.sClient(ports[4], dir, null, "-status");
            assertTrue(stapled(must) && served(must), must);
            assertStats(proxy, ports[4], 1, 1, 0, 0);

            // A must-staple certificate upgrades LENIENT_STAPLING to MUST_STAPLE.
            String mustCert = TlsOptionsE2ETest.sClient(ports[5], dir, null, "-status");
            assertTrue(stapled(mustCert) && served(mustCert), mustCert);
            String mustCertExpired = TlsOptionsE2ETest.sClient(ports[6], dir, null, "-status");
            assertFalse(served(mustCertExpired), mustCertExpired);
            assertStats(proxy, ports[6], 1, 0, 0, 1);

            // A nextUpdate that has passed is expired too.
            assertFalse(served(TlsOptionsE2ETest.sClient(ports[7], dir, null, "-status")));
            assertStats(proxy, ports[7], 1, 0, 0, 1);
            assertEquals(1.0, proxy.stat("listener.127.0.0.1_" + ports[7] + ".ssl.ocsp_staple_failed"));
        }
    }

    /**
     * server.seconds_until_first_ocsp_response_expiring is the soonest nextUpdate of the listeners'
     * staples, server.days_until_first_cert_expiring the soonest notAfter (whole days) of the contexts'
     * leaves and first CAs; /certs shows a staple's thisUpdate and nextUpdate as ocsp_details.
     */
    @Test
    void expiryGaugesAndCertsShowTheStaple() throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "ca-key.pem", "-out", "server-ca.pem", "-subj", "/CN=ocsp-ca", "-days", "1");
        Files.writeString(dir.resolve("index.txt"), "");
        leaf("server", false);
        response("server", "good.der", 1);
        int admin = ProxyProcess.freePort();
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s""".formatted(admin, TlsOptionsE2ETest.listener("stapled", ProxyProcess.freePort(),
                tls("LENIENT_STAPLING", "server", "good.der")).indent(2));
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
            double seconds = proxy.stat("server.seconds_until_first_ocsp_response_expiring");
            assertTrue(seconds > 86_000 && seconds <= 86_400, "a day's response: " + seconds);
            assertEquals(2.0, proxy.stat("server.days_until_first_cert_expiring"), "a leaf of 3 days, begun");
            String certs = proxy.admin("/certs");
            assertTrue(certs.contains("\"ocsp_details\"") && certs.contains("\"expiration\""), certs);
        }
    }

    private static void assertStats(ProxyProcess proxy, int port, double requests, double responses, double omitted,
                                    double failed) throws Exception {
        String s = "listener.127.0.0.1_" + port + ".ssl.ocsp_staple_";
        assertEquals(List.of(requests, responses, omitted, failed), List.of(proxy.stat(s + "requests"),
                proxy.stat(s + "responses"), proxy.stat(s + "omitted"), proxy.stat(s + "failed")), s);
    }

    @Test
    void aStapleOfAnotherCertificateAndAMustStapleCertificateWithoutOneAreRefused() throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "ca-key.pem", "-out", "server-ca.pem", "-subj", "/CN=ocsp-ca", "-days", "1");
        Files.writeString(dir.resolve("index.txt"), "");
        leaf("server", false);
        leaf("other", false);
        leaf("staple-me", true);
        response("other", "other.der", 1);
        String path = "static_resources.listeners[0].filter_chains[0].transport_socket.typed_config"
                + ".common_tls_context.tls_certificates[0]";
        TranslationException mismatch = assertThrows(TranslationException.class, () -> new BootstrapLoader()
                .loadString("static_resources:\n  listeners:\n" + TlsOptionsE2ETest.listener("l", 1,
                        tls("LENIENT_STAPLING", "server", "other.der")).indent(2), "ocsp.yaml"));
        assertEquals(path + ".ocsp_staple", mismatch.path());
        assertTrue(mismatch.getMessage().contains("OCSP response does not match its TLS certificate"),
                mismatch.getMessage());
        TranslationException mustStaple = assertThrows(TranslationException.class, () -> new BootstrapLoader()
                .loadString("static_resources:\n  listeners:\n" + TlsOptionsE2ETest.listener("l", 1,
                        tls("LENIENT_STAPLING", "staple-me", null)).indent(2), "ocsp.yaml"));
        assertEquals(path, mustStaple.path());
        assertTrue(mustStaple.getMessage().contains("OCSP response is required for must-staple certificate"),
                mustStaple.getMessage());
    }
}

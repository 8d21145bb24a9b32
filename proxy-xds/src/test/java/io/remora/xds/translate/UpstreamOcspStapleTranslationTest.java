package io.remora.xds.translate;

import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client certificate's {@code ocsp_staple} (Envoy's ssl overview example sets one on a cluster): Envoy reads it
 * and, a client never stapling, leaves it unused. A listener's must be a DER OCSP response (Envoy's parse errors,
 * by path), and MUST_STAPLE refuses a certificate without one.
 */
class UpstreamOcspStapleTranslationTest {

    private static final String CERT = "tls_certificates[0]";
    private static final String UPSTREAM = "static_resources.clusters[0].transport_socket.typed_config.common_tls_context."
            + CERT + ".ocsp_staple";

    private static String cluster(String staple) {
        return "static_resources:\n" + HcmListenerYaml.clusters("c") + """
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        common_tls_context:
                """ + TransportSocketTranslatorTest.CERTS.indent(10) + ("  ocsp_staple: " + staple).indent(10);
    }

    @Test
    void aClientCertificatesStapleIsReadAndLeftUnused() {
        var b = new BootstrapLoader().loadString(cluster("{ inline_bytes: MAo= }"), "staple.yaml");
        assertNotNull(b.model().clusters().get("c").transportSocket());
    }

    @Test
    void anUnreadableStapleFileIsRefused() {
        TranslationException e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                cluster("{ filename: /nonexistent/remora-ocsp.der }"), "staple.yaml"));
        assertEquals(UPSTREAM + ".filename", e.path(), e.getMessage());
    }

    @Test
    void anInlineStringStapleIsRefusedAsEnvoyDoes() {
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(cluster("{ inline_string: x }"), "staple.yaml"));
        assertEquals(UPSTREAM, e.path(), e.getMessage());
        assertTrue(e.getMessage().contains("OCSP staple cannot be provided via inline_string"), e.getMessage());
    }

    @Test
    void aListenersMalformedStapleIsRefusedWithEnvoysError() {
        String tls = "common_tls_context:\n" + TransportSocketTranslatorTest.CERTS.indent(2)
                + "    ocsp_staple: { inline_bytes: MAo= }\n";
        TranslationException e = assertThrows(TranslationException.class, () -> new BootstrapLoader()
                .loadString(TransportSocketTranslatorTest.bootstrap(tls), "staple.yaml"));
        assertEquals(TransportSocketTranslatorTest.TS + ".common_tls_context." + CERT + ".ocsp_staple", e.path());
        assertTrue(e.getMessage().contains("OCSP Response is not a well-formed ASN.1 SEQUENCE"), e.getMessage());
    }

    @Test
    void mustStapleRefusesACertificateWithoutAStaple() {
        String tls = "ocsp_staple_policy: MUST_STAPLE\ncommon_tls_context:\n"
                + TransportSocketTranslatorTest.CERTS.indent(2);
        TranslationException e = assertThrows(TranslationException.class, () -> new BootstrapLoader()
                .loadString(TransportSocketTranslatorTest.bootstrap(tls), "staple.yaml"));
        assertEquals(TransportSocketTranslatorTest.TS + ".common_tls_context." + CERT, e.path());
        assertTrue(e.getMessage().contains("Required OCSP response is missing from TLS context"), e.getMessage());
    }
}

package io.remora.xds.translate;

import io.remora.config.AutoSniConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster's {@code upstream_http_protocol_options}, where Istio puts them (the typed
 * HttpProtocolOptions) and in the deprecated cluster field: the typed options win whenever
 * they are there, as in Envoy.
 */
class AutoSniTranslationTest {

    private static final String TLS_WITH_CA = """
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                    sni: configured.example
                    common_tls_context:
                      validation_context: { trusted_ca: { inline_string: "%s" } }
            """;

    private static String typed(String upstreamOptions) {
        return """
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http_protocol_options: {} }
                """ + upstreamOptions.indent(8);
    }

    private static io.remora.xds.bootstrap.LoadedBootstrap load(String clusterFields) {
        String cluster = HcmListenerYaml.CLUSTER_C1.replace("  - name: c1\n", "  - name: c1\n" + clusterFields);
        return new BootstrapLoader().loadString(HcmListenerYaml.listener("", "route: { cluster: c1 }") + cluster,
                "auto-sni.yaml");
    }

    private static String caPem() {
        return io.remora.testing.TestCerts.ca("auto-sni-ca").pem().replace("\n", "\\n");
    }

    @Test
    void typedOptionsAreTranslated() {
        var loaded = load(TLS_WITH_CA.formatted(caPem()) + typed("""
                upstream_http_protocol_options: { auto_sni: true, auto_san_validation: true, override_auto_sni_header: X-Sni }
                """));
        assertEquals(new AutoSniConfig(true, true, "x-sni"), loaded.model().clusters().get("c1").autoSni());
        assertFalse(loaded.warnings().stream().anyMatch(w -> w.contains("upstream_http_protocol_options")
                || w.contains("auto_san")), loaded.warnings().toString());
    }

    @Test
    void deprecatedClusterFieldCountsOnlyWithoutTypedOptions() {
        String deprecated = "    upstream_http_protocol_options: { auto_sni: true }\n";
        assertEquals(new AutoSniConfig(true, false, null),
                load(deprecated).model().clusters().get("c1").autoSni());
        assertNull(load(deprecated + typed("")).model().clusters().get("c1").autoSni(),
                "typed options without upstream_http_protocol_options replace the cluster's");
        assertNull(load(typed("upstream_http_protocol_options: { override_auto_sni_header: x-sni }"))
                .model().clusters().get("c1").autoSni(), "a header alone asks for nothing");
    }

    @Test
    void sanValidationWithoutTrustedCaIsWarnedAbout() {
        var loaded = load(typed("upstream_http_protocol_options: { auto_sni: true, auto_san_validation: true }"));
        assertTrue(loaded.warnings().stream().anyMatch(w -> w.contains("auto_san_validation without a trusted CA refuses every upstream certificate")),
                loaded.warnings().toString());
    }

    @Test
    void badHeaderNameIsRefusedWithItsPath() {
        TranslationException e = assertThrows(TranslationException.class, () -> load(typed(
                "upstream_http_protocol_options: { auto_sni: true, override_auto_sni_header: \"x sni\" }")));
        assertTrue(e.path().startsWith("static_resources.clusters[0].typed_extension_protocol_options"), e.path());
        assertTrue(e.path().endsWith(".upstream_http_protocol_options.override_auto_sni_header"), e.path());
    }

    /** Envoy's ClientContextImpl refuses auto_sni_san_validation with nothing to verify the chain against. */
    @Test
    void sniSanValidationNeedsAValidationContext() {
        String noCa = """
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        auto_host_sni: true
                        auto_sni_san_validation: true
                """;
        TranslationException e = assertThrows(TranslationException.class, () -> load(noCa));
        assertEquals("static_resources.clusters[0].transport_socket.typed_config.auto_sni_san_validation", e.path());
        assertEquals("'auto_sni_san_validation' was configured without a validation context", e.reason());
        var ok = load(TLS_WITH_CA.formatted(caPem()).replace("sni: configured.example",
                "sni: configured.example\n        auto_host_sni: true\n        auto_sni_san_validation: true"));
        var tls = ok.model().clusters().get("c1").transportSocket();
        assertTrue(tls.autoHostSni() && tls.autoSniSanValidation());
    }
}

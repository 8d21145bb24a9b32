package io.remora.extensions.transport_sockets.tap;

import io.envoyproxy.envoy.config.tap.v3.OutputSink;
import io.remora.config.FilterChainConfig;
import io.remora.extensions.filters.common.tap.TapSpec;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tap transport socket as Envoy reads it, and what is refused, naming the field. */
class TapSocketTranslationTest {

    static final String SOCKET = "static_resources.listeners[0].filter_chains[0].transport_socket.typed_config";
    static final String RAW = "transport_socket: { name: envoy.transport_sockets.raw_buffer }\n";
    static final String FILE_SINK = """
            common_config:
              static_config:
                match: { any_match: true }
                output_config:
                  max_buffered_rx_bytes: 7
                  sinks: [{ format: PROTO_TEXT, file_per_tap: { path_prefix: /tmp/t } }]
            """;

    static String bootstrap(String tap) {
        return HcmListenerYaml.listener("", "route: { cluster: c1 }").replace("    - filters:\n", """
                    - transport_socket:
                        name: envoy.transport_sockets.tap
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tap.v3.Tap
                """ + tap.indent(10) + "      filters:\n") + HcmListenerYaml.CLUSTER_C1;
    }

    static FilterChainConfig chain(String tap) {
        return new BootstrapLoader().loadString(bootstrap(tap), "test.yaml").model().listeners().get(0)
                .filterChains().get(0);
    }

    static TranslationException refused(String tap) {
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(bootstrap(tap), "test.yaml"));
    }

    @Test
    void aStaticTapAroundRawBuffer() {
        FilterChainConfig c = chain(FILE_SINK + RAW + "socket_tap_config: { set_connection_per_event: true }\n");
        assertNull(c.transportSocket(), "raw_buffer inside");
        TapSocketConfig tap = (TapSocketConfig) c.socketTap();
        assertNull(tap.adminConfigId());
        assertTrue(tap.connectionPerEvent());
        TapSpec spec = tap.staticSpec();
        assertEquals(OutputSink.Format.PROTO_TEXT, spec.format());
        assertEquals(new TapSpec.FilePerTap("/tmp/t"), spec.sink());
        assertEquals(7, spec.maxRxBytes());
        assertEquals(TapSpec.DEFAULT_MAX_BUFFERED_BYTES, spec.maxTxBytes());
    }

    @Test
    void anAdminTapAroundTls() {
        var leaf = io.remora.testing.TestCerts.ca("tap-ca").issue("tap.test");
        FilterChainConfig c = chain("""
                common_config: { admin_config: { config_id: sock } }
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                    common_tls_context:
                      tls_certificates: [{ certificate_chain: { inline_string: "%s" }, private_key: { inline_string: "%s" } }]
                """.formatted(leaf.certPem().replace("\n", "\\n"), leaf.keyPem().replace("\n", "\\n")));
        TapSocketConfig tap = (TapSocketConfig) c.socketTap();
        assertEquals("sock", tap.adminConfigId());
        assertFalse(tap.connectionPerEvent());
        assertNotNull(c.transportSocket(), "the wrapped TLS is set up as ever");
        assertEquals(1, c.transportSocket().certificates().size());
    }

    @Test
    void aMatchNoConnectionCanMeetIsWarnedAbout() {
        var loaded = new BootstrapLoader().loadString(bootstrap(FILE_SINK.replace("match: { any_match: true }",
                "match: { http_request_headers_match: { headers: [{ name: x, present_match: true }] } }") + RAW),
                "test.yaml");
        assertTrue(loaded.warnings().stream().anyMatch(w -> w.contains(SOCKET + ".common_config.static_config.match")
                && w.contains("never matches")), loaded.warnings().toString());
        var ok = new BootstrapLoader().loadString(bootstrap(FILE_SINK.replace("match: { any_match: true }",
                "match: { not_match: { http_request_headers_match: { headers: [{ name: x, present_match: true }] } } }")
                + RAW), "test.yaml");
        assertTrue(ok.warnings().stream().noneMatch(w -> w.contains("never matches")), ok.warnings().toString());
    }

    @Test
    void refusedNamingTheField() {
        assertEquals(SOCKET + ".transport_socket", refused(FILE_SINK).path());
        assertEquals(SOCKET + ".common_config", refused(RAW).path());
        assertEquals(SOCKET + ".common_config", refused("common_config: {}\n" + RAW).path());
        assertEquals(SOCKET + ".common_config.admin_config.config_id",
                refused("common_config: { admin_config: {} }\n" + RAW).path());
        assertEquals(SOCKET + ".common_config.static_config.output_config.sinks[0].streaming_admin", refused(
                FILE_SINK.replace("file_per_tap: { path_prefix: /tmp/t }", "streaming_admin: {}") + RAW).path());
        assertEquals(SOCKET + ".transport_socket.typed_config", refused(FILE_SINK + """
                transport_socket:
                  name: envoy.transport_sockets.alts
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts }
                """).path(), "the wrapped socket is translated as any");
    }

    /** A cluster's tap socket is built; one in transport_socket_matches is refused where it is. */
    @Test
    void clusterTaps() {
        String tap = """
                transport_socket:
                  name: envoy.transport_sockets.tap
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tap.v3.Tap
                """ + (FILE_SINK + RAW).indent(4);
        String yaml = HcmListenerYaml.listener("", "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1
                + tap.indent(4);
        var cluster = new BootstrapLoader().loadString(yaml, "test.yaml").model().clusters().get("c1");
        assertEquals(7, ((TapSocketConfig) cluster.socketTap()).staticSpec().maxRxBytes());
        assertNull(cluster.transportSocket());
        String matches = HcmListenerYaml.listener("", "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1
                + "    transport_socket_matches:\n    - name: m\n      match: {}\n" + tap.indent(6);
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(matches, "test.yaml"));
        assertEquals("static_resources.clusters[0].transport_socket_matches[0].transport_socket.typed_config", e.path());
    }
}

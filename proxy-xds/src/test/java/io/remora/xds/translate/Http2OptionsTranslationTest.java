package io.remora.xds.translate;

import io.remora.config.Http2Options;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.ServerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Http2ProtocolOptions, downstream (HCM) and upstream (cluster): connection_keepalive, the flood
 * limits, hpack_table_size, custom_settings_parameters, and bad values refused by field path with
 * Envoy's messages.
 */
class Http2OptionsTranslationTest {

    private static String bootstrap(String hcmH2, String clusterH2) {
        return HcmListenerYaml.listener(hcmH2, "route: { cluster: c }") + """
                  clusters:
                  - name: c
                    load_assignment: { cluster_name: c }
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                """ + clusterH2;
    }

    private static ServerConfig load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "test.yaml").model();
    }

    private static String explicit(String keepalive) {
        return "        explicit_http_config: { http2_protocol_options: { connection_keepalive: " + keepalive + " } }\n";
    }

    private static String hcm(String keepalive) {
        return "http2_protocol_options: { connection_keepalive: " + keepalive + " }";
    }

    private static Http2Options hcmOptions(ServerConfig m) {
        var h = (HttpConnectionManagerConfig) m.listeners().get(0).filterChains().get(0).filters().get(0);
        return h.http2Options();
    }

    @Test
    void bothSidesTranslateWithEnvoysDefaults() {
        ServerConfig m = load(bootstrap(hcm("{ interval: 10s, timeout: 2s }"),
                explicit("{ interval: 30s, timeout: 5s, interval_jitter: { value: 10 }, connection_idle_interval: 1s }")));
        assertEquals(new Http2Options.Keepalive(30_000, 5_000, 10.0, 1_000), m.clusters().get("c").http2Options().keepalive());
        // interval_jitter defaults to 15 %; connection_idle_interval to off.
        assertEquals(new Http2Options.Keepalive(10_000, 2_000, 15.0, 0), hcmOptions(m).keepalive());
    }

    @Test
    void autoAndDownstreamProtocolConfigsCarryIt() {
        ServerConfig m = load(bootstrap("", "        auto_config: { http2_protocol_options: { connection_keepalive:"
                + " { timeout: 1s, connection_idle_interval: 0.5s } } }\n"));
        assertEquals(new Http2Options.Keepalive(0, 1_000, 15.0, 500), m.clusters().get("c").http2Options().keepalive());
        m = load(bootstrap("", "        use_downstream_protocol_config: { http2_protocol_options: { connection_keepalive:"
                + " { interval: 1s, timeout: 1s } } }\n"));
        assertEquals(new Http2Options.Keepalive(1_000, 1_000, 15.0, 0), m.clusters().get("c").http2Options().keepalive());
    }

    @Test
    void withoutItNoKeepalive() {
        ServerConfig m = load(bootstrap("http2_protocol_options: { max_concurrent_streams: 5 }",
                "        explicit_http_config: { http2_protocol_options: {} }\n"));
        assertNull(m.clusters().get("c").http2Options().keepalive());
        assertNull(hcmOptions(m).keepalive());
    }

    @Test
    void badValuesAreRefusedWithTheirFieldPath() {
        String up = "static_resources.clusters[0].typed_extension_protocol_options"
                + "[\"envoy.extensions.upstreams.http.v3.HttpProtocolOptions\"].explicit_http_config.http2_protocol_options"
                + ".connection_keepalive.";
        assertEquals(up + "timeout", refused(bootstrap("", explicit("{ interval: 1s }"))));
        assertEquals(up + "interval", refused(bootstrap("", explicit("{ interval: 0.0001s, timeout: 1s }"))));
        assertEquals(up + "interval_jitter.value",
                refused(bootstrap("", explicit("{ interval: 1s, timeout: 1s, interval_jitter: { value: 150 } }"))));
        assertEquals(up + "connection_idle_interval",
                refused(bootstrap("", explicit("{ timeout: 1s, connection_idle_interval: 0.05s }"))));
        assertEquals("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http2_protocol_options"
                        + ".connection_keepalive.timeout",
                refused(bootstrap(hcm("{ interval: 1s, timeout: 0s }"), explicit("{ timeout: 1s }"))));
    }

    @Test
    void limitsTableSizeAndCustomSettingsWithEnvoysDefaults() {
        Http2Options d = hcmOptions(load(bootstrap("", "        explicit_http_config: { http2_protocol_options: {} }\n")));
        assertEquals(4096, d.hpackTableSize());
        assertEquals(1000, d.maxOutboundControlFrames());
        assertEquals(10000, d.maxOutboundFrames());
        assertEquals(1, d.maxConsecutiveEmptyFrames());
        assertEquals(100, d.maxPriorityFramesPerStream());
        assertEquals(10, d.maxWindowUpdatesPerDataFrame());
        assertTrue(d.customSettings().isEmpty());
        ServerConfig m = load(bootstrap("""
                http2_protocol_options:
                          hpack_table_size: 0
                          max_outbound_control_frames: 7
                          max_outbound_frames: 70
                          max_consecutive_inbound_frames_with_empty_payload: 0
                          max_inbound_priority_frames_per_stream: 4294967295
                          max_inbound_window_update_frames_per_data_frame_sent: 3
                          use_oghttp2_codec: false
                          custom_settings_parameters:
                          - { identifier: 0x10, value: 42 }
                          - { identifier: 0x10, value: 42 }
                          - { identifier: 2, value: 0 }
                          - { identifier: 6, value: 8192 }
                """, explicit("{ timeout: 1s }").replace("connection_keepalive: { timeout: 1s }",
                "custom_settings_parameters: [{ identifier: 1, value: 100 }]")));
        Http2Options h = hcmOptions(m);
        assertEquals(0, h.hpackTableSize());
        assertEquals(7, h.maxOutboundControlFrames());
        assertEquals(70, h.maxOutboundFrames());
        assertEquals(0, h.maxConsecutiveEmptyFrames());
        assertEquals(4294967295L, Integer.toUnsignedLong(h.maxPriorityFramesPerStream()));
        assertEquals(3, h.maxWindowUpdatesPerDataFrame());
        assertEquals(java.util.Map.of(0x10, 42L, 2, 0L, 6, 8192L), h.customSettings());
        // A custom identifier whose named field is not set is no collision.
        Http2Options up = m.clusters().get("c").http2Options();
        assertEquals(4096, up.hpackTableSize());
        assertEquals(java.util.Map.of(1, 100L), up.customSettings());
        assertEquals(65536, hcmOptions(load(bootstrap("http2_protocol_options: { hpack_table_size: 65536 }", "")))
                .hpackTableSize());
    }

    @Test
    void badCustomSettingsAreRefusedAsEnvoyRefusesThem() {
        String at = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http2_protocol_options"
                + ".custom_settings_parameters";
        TranslationException e = refusal(custom("[{ identifier: 0x10, value: 1 }, { identifier: 0x10, value: 2 },"
                + " { identifier: 0x2a, value: 1 }, { identifier: 0x2a, value: 3 }]"));
        assertEquals(at, e.path());
        assertEquals("inconsistent HTTP/2 custom SETTINGS parameter(s) detected; identifiers = {0x10,0x2a}", e.reason());
        e = refusal(hcm("{ timeout: 1s }").replace("connection_keepalive: { timeout: 1s }",
                "hpack_table_size: 1, max_concurrent_streams: 5, initial_stream_window_size: 65535,"
                        + " custom_settings_parameters: [{ identifier: 1, value: 2 }, { identifier: 3, value: 6 },"
                        + " { identifier: 4, value: 70000 }]"));
        assertEquals(at, e.path());
        assertEquals("the {hpack_table_size,max_concurrent_streams,initial_stream_window_size} HTTP/2 SETTINGS"
                + " parameter(s) can not be configured through both named and custom parameters", e.reason());
        e = refusal(custom("[{ identifier: 2, value: 1 }]"));
        assertEquals(at + "[0]", e.path());
        assertEquals("server push is not supported by Envoy and can not be enabled via a SETTINGS parameter.",
                e.reason());
        e = refusal(custom("[{ identifier: 0x10, value: 1 }, { identifier: 8, value: 0 }]"));
        assertEquals(at + "[1]", e.path());
        assertEquals("the \"allow_connect\" SETTINGS parameter must only be configured through the named field",
                e.reason());
        assertEquals(at + "[0].identifier.value", refusal(custom("[{ identifier: 65536, value: 1 }]")).path());
        assertEquals(at + "[0].value", refusal(custom("[{ identifier: 0x10 }]")).path());
        assertEquals(at + "[0].identifier", refusal(custom("[{ value: 1 }]")).path());
        assertEquals(at + "[0].value", refusal(custom("[{ identifier: 5, value: 100 }]")).path(),
                "SETTINGS_MAX_FRAME_SIZE below 16384");
    }

    @Test
    void floodLimitsOfZeroAreRefusedWhereEnvoyRefusesThem() {
        String at = "static_resources.clusters[0].typed_extension_protocol_options"
                + "[\"envoy.extensions.upstreams.http.v3.HttpProtocolOptions\"].explicit_http_config.http2_protocol_options.";
        for (String f : new String[] {"max_outbound_frames", "max_outbound_control_frames",
            "max_inbound_window_update_frames_per_data_frame_sent"}) {
            assertEquals(at + f + ".value", refused(bootstrap("",
                    "        explicit_http_config: { http2_protocol_options: { " + f + ": 0 } }\n")));
        }
    }

    /**
     * Envoy's protocol.proto: max_concurrent_streams {gte: 1, lte: 2^31-1}, the initial windows
     * {gte: 65535, lte: 2^31-1}; a config outside them is refused, downstream and upstream alike.
     */
    @Test
    void windowsAndConcurrentStreamsOutsideTheProtosRangesAreRefused() {
        String hcmAt = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http2_protocol_options.";
        String clusterAt = "static_resources.clusters[0].typed_extension_protocol_options"
                + "[\"envoy.extensions.upstreams.http.v3.HttpProtocolOptions\"].explicit_http_config.http2_protocol_options.";
        String[][] bad = {{"max_concurrent_streams", "0"}, {"max_concurrent_streams", "2147483648"},
            {"initial_stream_window_size", "65534"}, {"initial_stream_window_size", "4294967295"},
            {"initial_connection_window_size", "1000"}};
        for (String[] b : bad) {
            String field = b[0] + ": " + b[1];
            assertEquals(hcmAt + b[0] + ".value",
                    refused(bootstrap("http2_protocol_options: { " + field + " }", explicit("{ timeout: 1s }"))), field);
            assertEquals(clusterAt + b[0] + ".value", refused(bootstrap("",
                    "        explicit_http_config: { http2_protocol_options: { " + field + " } }\n")), field);
        }
        Http2Options edges = hcmOptions(load(bootstrap("http2_protocol_options: { max_concurrent_streams: 1,"
                + " initial_stream_window_size: 65535, initial_connection_window_size: 2147483647 }",
                explicit("{ timeout: 1s }"))));
        assertEquals(1, edges.maxConcurrentStreams());
        assertEquals(65535, edges.initialStreamWindowSize());
        assertEquals(Integer.MAX_VALUE, edges.initialConnectionWindowSize());
    }

    @Test
    void whatIsNotBuiltIsWarnedAbout() {
        java.util.List<String> w = new BootstrapLoader().loadString(bootstrap(
                "http2_protocol_options: { allow_metadata: true, max_metadata_size: 1024 }",
                explicit("{ timeout: 1s }")), "test.yaml").warnings();
        assertTrue(w.stream().anyMatch(m -> m.startsWith("METADATA frames are not proxied")
                && m.contains("http2_protocol_options.allow_metadata")), w.toString());
        java.util.List<String> none = new BootstrapLoader().loadString(bootstrap(
                "http2_protocol_options: { max_outbound_control_frames: 50, max_outbound_frames: 50,"
                        + " use_oghttp2_codec: true }",
                explicit("{ timeout: 1s }")), "test.yaml").warnings();
        assertTrue(none.stream().noneMatch(m -> m.contains("http2_protocol_options")), none.toString());
    }

    private static String custom(String list) {
        return "http2_protocol_options: { custom_settings_parameters: " + list + " }";
    }

    private static TranslationException refusal(String hcmH2) {
        return assertThrows(TranslationException.class, () -> load(bootstrap(hcmH2, explicit("{ timeout: 1s }"))));
    }

    private static String refused(String yaml) {
        return assertThrows(TranslationException.class, () -> load(yaml)).path();
    }
}

package io.remora.xds.translate;

import io.remora.config.Http2Options;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.ServerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Http2ProtocolOptions.connection_keepalive, downstream (HCM) and upstream (cluster), and its bad values by field path. */
class Http2KeepaliveTranslationTest {

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

    private static String refused(String yaml) {
        return assertThrows(TranslationException.class, () -> load(yaml)).path();
    }
}

package io.remora.xds.translate;

import io.remora.config.ClusterConfig;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code http_protocol_options.enable_trailers} (Envoy's Http1ProtocolOptions), off unless set: on
 * the connection manager for downstream HTTP/1.1, on a cluster (its deprecated field or the typed
 * HttpProtocolOptions) for upstream HTTP/1.1.
 */
class Http1TrailersTranslationTest {

    static HttpConnectionManagerConfig hcm(String options) {
        var lb = new BootstrapLoader().loadString(
                HcmListenerYaml.listener(options, "direct_response: { status: 200 }"), "test.yaml");
        return assertInstanceOf(HttpConnectionManagerConfig.class,
                lb.model().listeners().get(0).filterChains().get(0).terminalFilter());
    }

    /** A cluster's typed HttpProtocolOptions with {@code %s} its fields (for {@link #cluster}). */
    static final String TYPED = """
                typed_extension_protocol_options:
                  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    %s
            """;

    static ClusterConfig cluster(String body) {
        String yaml = """
                static_resources:
                  clusters:
                  - name: c
                    load_assignment: { cluster_name: c }
                """ + body;
        return new BootstrapLoader().loadString(yaml, "test.yaml").model().clusters().get("c");
    }

    @Test
    void connectionManagerTrailersFollowItsHttpProtocolOptions() {
        assertTrue(hcm("http_protocol_options: { enable_trailers: true }").http1EnableTrailers());
        assertFalse(hcm("http_protocol_options: { accept_http_10: false }").http1EnableTrailers());
        assertFalse(hcm("codec_type: AUTO").http1EnableTrailers());
    }

    @Test
    void clusterTrailersFollowItsHttpProtocolOptions() {
        assertFalse(cluster("").http1EnableTrailers());
        assertTrue(cluster("    http_protocol_options: { enable_trailers: true }\n").http1EnableTrailers());
        String typed = TYPED;
        assertTrue(cluster(typed.formatted("explicit_http_config: { http_protocol_options: { enable_trailers: true } }"))
                .http1EnableTrailers());
        assertTrue(cluster(typed.formatted("use_downstream_protocol_config: { http_protocol_options: { enable_trailers: true } }"))
                .http1EnableTrailers());
        assertFalse(cluster(typed.formatted("explicit_http_config: { http_protocol_options: {} }")).http1EnableTrailers());
    }
}

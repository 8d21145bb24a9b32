package io.remora.xds.translate;

import io.remora.config.BackoffStrategy;
import io.remora.config.ClusterSpecifier;
import io.remora.config.TcpProxyConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** tcp_proxy's metadata_match (merged into weighted entries) and backoff_options, and their refusals. */
class TcpProxyTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";

    static TcpProxyConfig tcp(String fields) {
        var b = new BootstrapLoader().loadString(HcmListenerYaml.networkListener(HcmListenerYaml.filter(
                "envoy.filters.network.tcp_proxy", "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                "stat_prefix: t\n" + fields)) + HcmListenerYaml.CLUSTER_C1, "test.yaml");
        return (TcpProxyConfig) b.model().listeners().get(0).filterChains().get(0).terminalFilter();
    }

    @Test
    void metadataMatch() {
        assertNull(tcp("cluster: c1").metadataMatch());
        assertEquals(Map.of("version", "v1"),
                tcp("cluster: c1\nmetadata_match: { filter_metadata: { envoy.lb: { version: v1 }, other: { x: y } } }")
                        .metadataMatch());
        TcpProxyConfig w = tcp("""
                metadata_match: { filter_metadata: { envoy.lb: { version: v1, stage: prod } } }
                weighted_clusters:
                  clusters:
                  - { name: c1, weight: 1, metadata_match: { filter_metadata: { envoy.lb: { stage: canary } } } }
                  - { name: c1, weight: 1 }
                """);
        var entries = ((ClusterSpecifier.Weighted) w.cluster()).clusters();
        assertEquals(Map.of("version", "v1", "stage", "canary"), entries.get(0).metadataMatch());
        assertEquals(Map.of("version", "v1", "stage", "prod"), entries.get(1).metadataMatch());
    }

    @Test
    void backoffOptions() {
        assertNull(tcp("cluster: c1").connectBackoff());
        assertEquals(new BackoffStrategy(Duration.ofMillis(100), Duration.ofSeconds(1)),
                tcp("cluster: c1\nbackoff_options: { base_interval: 0.1s }").connectBackoff());
        assertEquals(FILTER + ".backoff_options.max_interval", assertThrows(TranslationException.class,
                () -> tcp("cluster: c1\nbackoff_options: { base_interval: 2s, max_interval: 1s }")).path());
        assertEquals(FILTER + ".backoff_options.base_interval", assertThrows(TranslationException.class,
                () -> tcp("cluster: c1\nbackoff_options: { max_interval: 1s }")).path());
    }
}

package io.remora.extensions.filters.istio;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.remora.config.FilterChainConfig;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.config.ListenerConfig;
import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.filters.istio.alpn.AlpnOverrideConfig;
import io.remora.extensions.filters.istio.authn.IstioAuthnConfig;
import io.remora.extensions.filters.istio.metadata_exchange.MetadataExchangeConfig;
import io.remora.extensions.filters.istio.peer_metadata.PeerMetadataConfig;
import io.remora.extensions.filters.istio.stats.IstioStatsConfig;
import io.remora.extensions.filters.istio.stats.IstioTcpStatsConfig;
import io.remora.extensions.filters.istio.stats.StatsPluginSettings;
import io.remora.xds.TestResources;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.ListenerTranslator;
import io.remora.xds.translate.TranslationContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio's own extensions in a real sidecar's listeners ({@code sidecar-listeners.json}): the
 * stats, metadata exchange (native and null-VM Wasm), ALPN and authn filters of every listener
 * translate into Remora's filters instead of being skipped, with the reporter following each
 * listener's direction.
 */
class IstioFixtureTelemetryTest {

    private static List<Listener> listeners() {
        return TestResources.sidecarListeners();
    }

    @Test
    void everyListenerTranslatesWithIstiosFiltersInPlace() throws Exception {
        TranslationContext ctx = TranslationContext.lenient();
        int stats = 0;
        int tcpStats = 0;
        int mx = 0;
        int httpMx = 0;
        int alpn = 0;
        int authn = 0;
        Map<String, Integer> expectedCounts = new java.util.HashMap<>();
        for (Listener l : listeners()) {
            // Every listener translates, connect_originate's HTTP CONNECT tunnel included.
            ListenerConfig lc = ListenerTranslator.translate(l, FieldPath.of(l.getName()), ctx);
            countIstioFilters(l, expectedCounts);
            List<FilterChainConfig> chains = new ArrayList<>(lc.filterChains());
            if (lc.defaultFilterChain() != null) {
                chains.add(lc.defaultFilterChain());
            }
            StatsPluginSettings.Reporter expected = lc.direction() == ListenerConfig.TrafficDirection.INBOUND
                    ? StatsPluginSettings.Reporter.SERVER_SIDECAR : StatsPluginSettings.Reporter.CLIENT_SIDECAR;
            for (FilterChainConfig chain : chains) {
                for (NetworkFilterConfig f : chain.filters()) {
                    if (f instanceof IstioTcpStatsConfig t) {
                        tcpStats++;
                        assertEquals(expected, t.settings().reporter(), l.getName());
                    } else if (f instanceof MetadataExchangeConfig m) {
                        mx++;
                        assertEquals("istio-peer-exchange", m.protocol());
                    } else if (f instanceof IstioAuthnConfig) {
                        authn++;
                    } else if (f instanceof HttpConnectionManagerConfig hcm) {
                        for (HttpFilterEntry e : hcm.httpFilters()) {
                            if (e.config() instanceof IstioStatsConfig s) {
                                stats++;
                                assertEquals(expected, s.settings().reporter(), l.getName());
                            } else if (e.config() instanceof PeerMetadataConfig p) {
                                httpMx++;
                                // The null-VM plugin: reads both peers; sends its own only the way the listener faces.
                                assertEquals(List.of(PeerMetadataConfig.Method.ISTIO_HEADERS), p.downstreamDiscovery());
                                assertEquals(lc.direction() != ListenerConfig.TrafficDirection.INBOUND,
                                        p.upstreamPropagation(), l.getName());
                                assertEquals(lc.direction() != ListenerConfig.TrafficDirection.OUTBOUND,
                                        p.downstreamPropagation(), l.getName());
                            } else if (e.config() instanceof AlpnOverrideConfig a) {
                                alpn++;
                                assertEquals(List.of("istio-h2", "istio", "h2"), a.overrides().get("HTTP2"));
                                assertEquals(List.of("istio-http/1.1", "istio", "http/1.1"), a.overrides().get("HTTP11"));
                                assertEquals(List.of("istio-http/1.0", "istio", "http/1.0"), a.overrides().get("HTTP10"));
                            }
                        }
                    }
                }
            }
        }
        // Every chain that names them keeps them (the fixture's own counts, of the listeners translated).
        assertEquals(expectedCounts,
                Map.of("stats", stats, "tcpStats", tcpStats, "mx", mx, "httpMx", httpMx, "alpn", alpn, "authn", authn));
        assertTrue(stats >= 15 && tcpStats >= 25 && mx >= 8 && httpMx >= 15 && alpn >= 10 && authn >= 8,
                expectedCounts.toString());
        for (String w : ctx.warnings()) {
            assertFalse(w.contains("stats.PluginConfig") || w.contains("metadataexchange") || w.contains("alpn")
                    || w.contains("Wasm") || w.contains("authn"), w);
        }
    }

    @Test
    void disableHostHeaderFallbackIsRead() throws Exception {
        TranslationContext ctx = TranslationContext.lenient();
        boolean seen = false;
        for (Listener l : listeners()) {
            for (FilterChainConfig chain : ListenerTranslator.translate(l, FieldPath.of(l.getName()), ctx).filterChains()) {
                for (NetworkFilterConfig f : chain.filters()) {
                    if (f instanceof HttpConnectionManagerConfig hcm) {
                        for (HttpFilterEntry e : hcm.httpFilters()) {
                            if (e.config() instanceof IstioStatsConfig s && s.settings().disableHostHeaderFallback()) {
                                seen = true;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(seen, "the fixture's outbound stats set disable_host_header_fallback");
    }

    /** Istio's filters in a listener's protos, by kind, counted from the config itself. */
    private static void countIstioFilters(Listener l, Map<String, Integer> counts) throws Exception {
        for (String k : List.of("stats", "tcpStats", "mx", "httpMx", "alpn", "authn")) {
            counts.putIfAbsent(k, 0);
        }
        List<io.envoyproxy.envoy.config.listener.v3.FilterChain> chains = new ArrayList<>(l.getFilterChainsList());
        if (l.hasDefaultFilterChain()) {
            chains.add(l.getDefaultFilterChain());
        }
        for (var chain : chains) {
            for (var f : chain.getFiltersList()) {
                String t = innerType(f.getTypedConfig());
                if (t.equals("stats.PluginConfig")) {
                    counts.merge("tcpStats", 1, Integer::sum);
                } else if (t.equals("envoy.tcp.metadataexchange.config.MetadataExchange")) {
                    counts.merge("mx", 1, Integer::sum);
                } else if (t.equals("io.istio.network.authn.Config")) {
                    counts.merge("authn", 1, Integer::sum);
                } else if (t.endsWith("HttpConnectionManager")) {
                    var hcm = f.getTypedConfig().unpack(
                            io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class);
                    for (var h : hcm.getHttpFiltersList()) {
                        String ht = innerType(h.getTypedConfig());
                        if (ht.equals("stats.PluginConfig")) {
                            counts.merge("stats", 1, Integer::sum);
                        } else if (ht.equals("envoy.extensions.filters.http.wasm.v3.Wasm")) {
                            counts.merge("httpMx", 1, Integer::sum);
                        } else if (ht.equals("istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig")) {
                            counts.merge("alpn", 1, Integer::sum);
                        }
                    }
                }
            }
        }
    }

    private static String innerType(com.google.protobuf.Any any) throws Exception {
        String url = any.getTypeUrl();
        if (url.endsWith("/udpa.type.v1.TypedStruct")) {
            url = any.unpack(com.github.udpa.udpa.type.v1.TypedStruct.class).getTypeUrl();
        }
        return url.substring(url.lastIndexOf('/') + 1);
    }
}

package io.remora.xds.translate;

import io.remora.config.ListenerConfig;
import io.remora.config.ListenerConfig.ListenerFilter;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Listener filters' {@code filter_disabled} predicates, in the shape Istio's virtualInbound sends. */
class ListenerFilterDisabledTranslationTest {

    static LoadedBootstrap load(String filters) {
        return ProxyProtocolTranslationTest.load(filters);
    }

    static final String TLS = "\"@type\": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector";
    static final String HTTP = "\"@type\": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector";

    @Test
    void istioVirtualInbound() {
        LoadedBootstrap b = load("""
                - name: envoy.filters.listener.original_dst
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst }
                - name: envoy.filters.listener.tls_inspector
                  typed_config: { TLS }
                  filter_disabled: { destination_port_range: { start: 15006, end: 15007 } }
                - name: envoy.filters.listener.http_inspector
                  typed_config: { HTTP }
                  filter_disabled:
                    or_match:
                      rules:
                      - destination_port_range: { start: 80, end: 81 }
                      - destination_port_range: { start: 15006, end: 15007 }
                """.replace("TLS", TLS).replace("HTTP", HTTP));
        ListenerConfig l = b.model().listeners().get(0);
        assertEquals(List.of(ListenerFilter.ORIGINAL_DST, ListenerFilter.TLS_INSPECTOR, ListenerFilter.HTTP_INSPECTOR),
                l.listenerFilters());
        assertTrue(l.filterDisabled(ListenerFilter.TLS_INSPECTOR, 15006));
        assertFalse(l.filterDisabled(ListenerFilter.TLS_INSPECTOR, 15007), "the range's end is exclusive");
        assertFalse(l.filterDisabled(ListenerFilter.TLS_INSPECTOR, 80));
        assertTrue(l.filterDisabled(ListenerFilter.HTTP_INSPECTOR, 80));
        assertTrue(l.filterDisabled(ListenerFilter.HTTP_INSPECTOR, 15006));
        assertFalse(l.filterDisabled(ListenerFilter.HTTP_INSPECTOR, 8080));
        assertFalse(l.filterDisabled(ListenerFilter.HTTP_INSPECTOR, -1), "an address without a port");
        assertFalse(l.filterDisabled(ListenerFilter.ORIGINAL_DST, 15006));
        assertTrue(b.warnings().stream().noneMatch(w -> w.contains("filter_disabled")), b.warnings().toString());
    }

    @Test
    void tlsInspectorJa3TurnsFingerprintingOn() {
        LoadedBootstrap b = load("""
                - name: envoy.filters.listener.tls_inspector
                  typed_config: { TLS, enable_ja3_fingerprinting: true, initial_read_buffer_size: 8192 }
                """.replace("TLS", TLS));
        ListenerConfig l = b.model().listeners().get(0);
        assertEquals(List.of(ListenerFilter.TLS_INSPECTOR), l.listenerFilters());
        assertTrue(l.ja3Fingerprinting());
        assertTrue(b.warnings().stream().noneMatch(w -> w.contains("ja3")), b.warnings().toString());
        for (String config : new String[] {"{ TLS, enable_ja3_fingerprinting: false }", "{ TLS }"}) {
            LoadedBootstrap off = load("""
                    - name: envoy.filters.listener.tls_inspector
                      typed_config: CONFIG
                    """.replace("CONFIG", config).replace("TLS", TLS));
            assertFalse(off.model().listeners().get(0).ja3Fingerprinting(), config);
        }
        // A repeated inspector runs once: any copy that asks for JA3 turns it on.
        LoadedBootstrap twice = load("""
                - name: envoy.filters.listener.tls_inspector
                  typed_config: { TLS }
                - name: envoy.filters.listener.tls_inspector
                  typed_config: { TLS, enable_ja3_fingerprinting: true }
                """.replace("TLS", TLS));
        assertTrue(twice.model().listeners().get(0).ja3Fingerprinting());
    }

    @Test
    void notAndAny() {
        ListenerConfig l = load("""
                - name: envoy.filters.listener.proxy_protocol
                  filter_disabled: { any_match: true }
                - name: envoy.filters.listener.http_inspector
                  typed_config: { HTTP }
                  filter_disabled:
                    and_match:
                      rules:
                      - not_match: { destination_port_range: { start: 1, end: 1024 } }
                      - not_match: { destination_port_range: { start: 9000, end: 9001 } }
                """.replace("HTTP", HTTP)).model().listeners().get(0);
        assertTrue(l.filterDisabled(ListenerFilter.PROXY_PROTOCOL, 5));
        assertTrue(l.filterDisabled(ListenerFilter.HTTP_INSPECTOR, 8080));
        assertFalse(l.filterDisabled(ListenerFilter.HTTP_INSPECTOR, 80));
        assertFalse(l.filterDisabled(ListenerFilter.HTTP_INSPECTOR, 9000));
    }

    @Test
    void aRepeatedFilterIsOffOnlyWhereEveryCopyIs() {
        ListenerConfig l = load("""
                - name: envoy.filters.listener.http_inspector
                  typed_config: { HTTP }
                  filter_disabled: { destination_port_range: { start: 80, end: 90 } }
                - name: envoy.filters.listener.http_inspector
                  typed_config: { HTTP }
                  filter_disabled: { destination_port_range: { start: 85, end: 100 } }
                """.replace("HTTP", HTTP)).model().listeners().get(0);
        assertFalse(l.filterDisabled(ListenerFilter.HTTP_INSPECTOR, 81));
        assertTrue(l.filterDisabled(ListenerFilter.HTTP_INSPECTOR, 86));
    }

    @Test
    void badPredicatesNameTheirField() {
        TranslationException empty = assertThrows(TranslationException.class, () -> load("""
                - name: envoy.filters.listener.tls_inspector
                  typed_config: { TLS }
                  filter_disabled: {}
                """.replace("TLS", TLS)));
        assertTrue(empty.path().endsWith("listener_filters[0].filter_disabled"), empty.getMessage());
        TranslationException range = assertThrows(TranslationException.class, () -> load("""
                - name: envoy.filters.listener.tls_inspector
                  typed_config: { TLS }
                  filter_disabled: { or_match: { rules: [ { any_match: true }, { destination_port_range: { start: 90, end: 80 } } ] } }
                """.replace("TLS", TLS)));
        assertTrue(range.path().endsWith("filter_disabled.or_match.rules[1].destination_port_range"),
                range.getMessage());
        TranslationException one = assertThrows(TranslationException.class, () -> load("""
                - name: envoy.filters.listener.tls_inspector
                  typed_config: { TLS }
                  filter_disabled: { and_match: { rules: [ { any_match: true } ] } }
                """.replace("TLS", TLS)));
        assertTrue(one.path().endsWith("filter_disabled.and_match.rules"), one.getMessage());
    }
}

package io.remora.extensions;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.config.PerFilterConfig;
import io.remora.config.VirtualHost;
import io.remora.extensions.compression.BrotliCodec;
import io.remora.extensions.compression.GzipCodec;
import io.remora.extensions.compression.ZstdCodec;
import io.remora.extensions.filters.http.compressor.CompressorConfig;
import io.remora.extensions.filters.http.compressor.CompressorDirection;
import io.remora.extensions.filters.http.compressor.CompressorPerRouteConfig;
import io.remora.extensions.filters.http.cors.CorsConfig;
import io.remora.extensions.filters.http.cors.CorsPolicyConfig;
import io.remora.extensions.filters.http.decompressor.DecompressorConfig;
import io.remora.runtime.FractionalPercent;
import io.remora.xds.TestResources;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Translation of the CORS, compressor and decompressor filters: Envoy's defaults, and refusals by field path. */
class CorsCompressionTranslationTest {

    private static final String HCM = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";

    /** One listener whose HCM has {@code filters} (YAML list items) before the router, and a virtual host. */
    private static String bootstrap(String filters, String vhostExtra, String routeExtra) {
        return HcmListenerYaml.listener("", filters,
                HcmListenerYaml.catchAllHost(vhostExtra, "route: { cluster: c1 }\n" + routeExtra))
                + HcmListenerYaml.CLUSTER_C1;
    }

    private static HttpConnectionManagerConfig hcm(String yaml) {
        LoadedBootstrap lb = new BootstrapLoader().loadString(yaml, "t.yaml");
        return assertInstanceOf(HttpConnectionManagerConfig.class,
                lb.model().listeners().get(0).filterChains().get(0).terminalFilter());
    }

    private static TranslationException refused(String yaml) {
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(yaml, "t.yaml"));
    }

    private static final String CORS_FILTER = """
            - name: envoy.filters.http.cors
              typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }
            """;

    // ------------------------------------------------------------------ CORS

    @Test
    void corsPoliciesOnVirtualHostAndRoute() {
        var h = hcm(bootstrap(CORS_FILTER, """
                typed_per_filter_config:
                  envoy.filters.http.cors:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                    allow_origin_string_match: [{ exact: "https://a.example" }, { suffix: ".b.example" }]
                    allow_methods: "GET, PUT"
                    allow_headers: "x-a"
                    expose_headers: "x-e"
                    max_age: "600"
                    allow_credentials: true
                    filter_enabled: { default_value: { numerator: 50, denominator: HUNDRED } }
                """, """
                typed_per_filter_config:
                  envoy.filters.http.cors:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                    allow_methods: "POST"
                    forward_not_matching_preflights: false
                    allow_private_network_access: true
                """));
        assertEquals(new HttpFilterEntry("envoy.filters.http.cors", new CorsConfig(), false), h.httpFilters().get(0));
        VirtualHost vh = h.routeConfig().virtualHosts().get(0);
        var vp = assertInstanceOf(CorsPolicyConfig.class, vh.perFilterConfigs().get("envoy.filters.http.cors").config());
        assertEquals(2, vp.allowOrigins().size());
        assertTrue(vp.allowOrigins().get(1).matches("https://x.b.example"));
        assertEquals("GET, PUT", vp.allowMethods());
        assertEquals("600", vp.maxAge());
        assertEquals(Boolean.TRUE, vp.allowCredentials());
        assertNull(vp.forwardNotMatchingPreflights());
        assertEquals(new FractionalPercent(50, FractionalPercent.Denominator.HUNDRED), vp.filterEnabled());
        assertEquals("", vp.filterEnabledKey());
        assertNull(vp.shadowEnabled());
        var rp = assertInstanceOf(CorsPolicyConfig.class,
                vh.routes().get(0).perFilterConfigs().get("envoy.filters.http.cors").config());
        assertEquals("POST", rp.allowMethods());
        assertEquals(List.of(), rp.allowOrigins());
        assertEquals(Boolean.FALSE, rp.forwardNotMatchingPreflights());
        assertEquals(Boolean.TRUE, rp.allowPrivateNetworkAccess());
        assertNull(rp.allowCredentials());
    }

    @Test
    void deprecatedCorsFieldsBecomeTheSamePolicy() {
        var h = hcm(bootstrap(CORS_FILTER, """
                cors:
                  allow_origin_string_match: [{ prefix: "https://" }]
                  allow_methods: GET
                  shadow_enabled: { runtime_key: cors.shadow, default_value: { numerator: 100 } }
                """, "").replace("route: { cluster: c1 }",
                "route: { cluster: c1, cors: { allow_headers: x-r, max_age: \"5\" } }"));
        VirtualHost vh = h.routeConfig().virtualHosts().get(0);
        PerFilterConfig v = vh.perFilterConfigs().get(CorsPolicyConfig.LEGACY_KEY);
        var vp = assertInstanceOf(CorsPolicyConfig.class, v.config());
        assertFalse(v.disabled());
        assertTrue(vp.allowOrigins().get(0).matches("https://anything"));
        assertEquals(FractionalPercent.ofPercent(100), vp.shadowEnabled());
        assertEquals("cors.shadow", vp.shadowEnabledKey());
        var rp = assertInstanceOf(CorsPolicyConfig.class,
                vh.routes().get(0).perFilterConfigs().get(CorsPolicyConfig.LEGACY_KEY).config());
        assertEquals("x-r", rp.allowHeaders());
        assertEquals("5", rp.maxAge());
    }

    @Test
    void badCorsPolicyNamesItsField() {
        var e = refused(bootstrap(CORS_FILTER, """
                typed_per_filter_config:
                  envoy.filters.http.cors:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                    allow_origin_string_match: [{ exact: "a" }, { safe_regex: { regex: "([" } }]
                """, ""));
        assertEquals(HCM + ".route_config.virtual_hosts[0].typed_per_filter_config[\"envoy.filters.http.cors\"]"
                + ".allow_origin_string_match[1].safe_regex.regex", e.path());
        var e2 = refused(bootstrap(CORS_FILTER, "", "").replace("route: { cluster: c1 }",
                "route: { cluster: c1, cors: { filter_enabled: { runtime_key: k } } }"));
        assertEquals(HCM + ".route_config.virtual_hosts[0].routes[0].route.cors.filter_enabled.default_value",
                e2.path());
    }

    // ------------------------------------------------------------------ compressor

    private static String compressor(String name, String library, String rest) {
        return """
                - name: %s
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
                    compressor_library:
                      name: lib_%s
                      typed_config:
                %s
                %s
                """.formatted(name, name.replace('.', '_'), library.stripTrailing().indent(8).stripTrailing(),
                rest.stripTrailing().indent(4).stripTrailing());
    }

    @Test
    void compressorDefaultsAreEnvoys() {
        var h = hcm(bootstrap(compressor("gz", """
                { "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip }
                """, ""), "", ""));
        var c = assertInstanceOf(CompressorConfig.class, h.httpFilters().get(0).config());
        assertEquals(GzipCodec.defaults(), c.codec());
        assertEquals("lib_gz", c.libraryName());
        assertTrue(c.response().enabled());
        assertEquals(30, c.response().minContentLength());
        assertEquals(Set.copyOf(CompressorDirection.DEFAULT_CONTENT_TYPES), c.response().contentTypes());
        assertFalse(c.request().enabled(), "request compression only with request_direction_config");
        assertFalse(c.responseConfigSet());
        assertFalse(c.disableOnEtagHeader());
        assertEquals(Set.of(), c.uncompressibleResponseCodes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[199]|0", "[600]|0", "[206, 206]|1"})
    void badUncompressibleResponseCodesNameTheirIndex(String spec) {
        String[] parts = spec.split("\\|");
        var e = refused(bootstrap(compressor("gz", """
                { "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip }
                """, "response_direction_config: { uncompressible_response_codes: " + parts[0] + " }"), "", ""));
        assertEquals(HCM + ".http_filters[0].typed_config.response_direction_config.uncompressible_response_codes["
                + parts[1] + "]", e.path(), e.getMessage());
    }

    @Test
    void compressorDirectionsAndLibraries() {
        var h = hcm(bootstrap(compressor("br", """
                "@type": type.googleapis.com/envoy.extensions.compression.brotli.compressor.v3.Brotli
                quality: 5
                window_bits: 20
                encoder_mode: TEXT
                """, """
                request_direction_config:
                  common_config: { min_content_length: 100, content_type: ["Application/JSON"] }
                response_direction_config:
                  common_config: { enabled: { default_value: false, runtime_key: x } }
                  disable_on_etag_header: true
                  remove_accept_encoding_header: true
                  uncompressible_response_codes: [206, 599]
                choose_first: true
                """) + compressor("zs", """
                { "@type": type.googleapis.com/envoy.extensions.compression.zstd.compressor.v3.Zstd, compression_level: 7, enable_checksum: true }
                """, "content_length: 10\ncontent_type: [text/csv]"), "", ""));
        var br = assertInstanceOf(CompressorConfig.class, h.httpFilters().get(0).config());
        var codec = assertInstanceOf(BrotliCodec.class, br.codec());
        assertEquals(5, codec.quality());
        assertEquals(20, codec.windowBits());
        assertTrue(br.request().enabled());
        assertEquals(100, br.request().minContentLength());
        assertEquals(Set.of("application/json"), br.request().contentTypes());
        assertFalse(br.response().enabled());
        assertEquals("x", br.response().enabledRuntimeKey());
        assertTrue(br.responseConfigSet() && br.disableOnEtagHeader() && br.removeAcceptEncodingHeader()
                && br.chooseFirst());
        assertEquals(Set.of(206, 599), br.uncompressibleResponseCodes());
        var zs = assertInstanceOf(CompressorConfig.class, h.httpFilters().get(1).config());
        assertEquals(new ZstdCodec(7, true, 0, 4096, ZstdCodec.DEFAULT_MAX_INFLATE_RATIO), zs.codec());
        assertEquals(10, zs.response().minContentLength(), "deprecated content_length");
        assertEquals(Set.of("text/csv"), zs.response().contentTypes());
    }

    @Test
    void compressorPerRoute() {
        var h = hcm(bootstrap(compressor("gz", """
                { "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip }
                """, ""), """
                typed_per_filter_config:
                  gz: { "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute, disabled: true }
                """, """
                typed_per_filter_config:
                  gz:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute
                    overrides: { response_direction_config: { remove_accept_encoding_header: true } }
                """));
        VirtualHost vh = h.routeConfig().virtualHosts().get(0);
        assertEquals(new CompressorPerRouteConfig(false, null), vh.perFilterConfigs().get("gz").config());
        assertEquals(new CompressorPerRouteConfig(true, true), vh.routes().get(0).perFilterConfigs().get("gz").config());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "gzip.compressor.v3.Gzip, memory_level: 10|compressor_library.typed_config.memory_level",
            "gzip.compressor.v3.Gzip, window_bits: 8|compressor_library.typed_config.window_bits",
            "gzip.compressor.v3.Gzip, chunk_size: 100|compressor_library.typed_config.chunk_size",
            "brotli.compressor.v3.Brotli, quality: 12|compressor_library.typed_config.quality",
            "brotli.compressor.v3.Brotli, window_bits: 25|compressor_library.typed_config.window_bits",
            "zstd.compressor.v3.Zstd, compression_level: 23|compressor_library.typed_config.compression_level",
            "zstd.compressor.v3.Zstd, dictionary: { inline_string: x }|compressor_library.typed_config.dictionary",
            "gzip.decompressor.v3.Gzip|compressor_library.typed_config",
    })
    void badCompressorLibraryNamesItsField(String spec) {
        String[] parts = spec.split("\\|");
        var e = refused(bootstrap(compressor("gz", "{ \"@type\": type.googleapis.com/envoy.extensions.compression."
                + parts[0] + " }", ""), "", ""));
        assertEquals(HCM + ".http_filters[0].typed_config." + parts[1], e.path(), e.getMessage());
    }

    @Test
    void runtimeFeatureFlagsNeedTheirFields() {
        var e = refused(bootstrap(compressor("gz", """
                { "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip }
                """, "response_direction_config: { common_config: { enabled: { default_value: true } } }"), "", ""));
        assertEquals(HCM + ".http_filters[0].typed_config.response_direction_config.common_config.enabled.runtime_key",
                e.path());
        var e2 = refused(bootstrap(compressor("gz", """
                { "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip }
                """, "runtime_enabled: { runtime_key: k }"), "", ""));
        assertEquals(HCM + ".http_filters[0].typed_config.runtime_enabled.default_value", e2.path());
    }

    @Test
    void compressorWithoutLibraryOrWithBadPerRouteIsRefused() {
        var e = refused(bootstrap("""
                - name: gz
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor }
                """, "", ""));
        assertEquals(HCM + ".http_filters[0].typed_config.compressor_library", e.path());
        var e2 = refused(bootstrap(compressor("gz", """
                { "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip }
                """, ""), "", """
                typed_per_filter_config:
                  gz: { "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute }
                """));
        assertEquals(HCM + ".route_config.virtual_hosts[0].routes[0].typed_per_filter_config[\"gz\"]", e2.path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bootstrap-default.json", "bootstrap-all.json", "bootstrap-auth.json",
            "bootstrap-running.json", "bootstrap-runningsds.json", "bootstrap-authsds.json"})
    void istioStatsListenerGetsItsThreeCompressors(String file) throws Exception {
        LoadedBootstrap lb = new BootstrapLoader().loadString(
                Files.readString(TestResources.path("istio/" + file)), file);
        var stats = lb.model().listeners().stream().filter(l -> l.name().equals("0.0.0.0_15090")).findFirst()
                .orElseThrow();
        var h = assertInstanceOf(HttpConnectionManagerConfig.class, stats.filterChains().get(0).terminalFilter());
        List<String> codings = h.httpFilters().stream().filter(f -> f.config() instanceof CompressorConfig)
                .map(f -> ((CompressorConfig) f.config()).codec().contentEncoding()).toList();
        assertEquals(List.of("br", "zstd", "gzip"), codings);
        var gz = (CompressorConfig) h.httpFilters().get(2).config();
        assertEquals("stats_gzip", gz.libraryName());
        assertTrue(gz.response().contentTypeAllowed("application/openmetrics-text; version=1.0.0"));
        assertFalse(gz.response().contentTypeAllowed("text/html"));
        assertTrue(lb.warnings().stream().noneMatch(w -> w.contains("compressor")), lb.warnings().toString());
    }

    // ------------------------------------------------------------------ decompressor

    @Test
    void decompressorDefaultsAndDirections() {
        var h = hcm(bootstrap("""
                - name: envoy.filters.http.decompressor
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.decompressor.v3.Decompressor
                    decompressor_library:
                      name: in
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.compression.gzip.decompressor.v3.Gzip, max_inflate_ratio: 20 }
                    request_direction_config: { advertise_accept_encoding: false }
                    response_direction_config: { common_config: { enabled: { default_value: false, runtime_key: dec.on }, ignore_no_transform_header: true } }
                """, "", ""));
        var d = assertInstanceOf(DecompressorConfig.class, h.httpFilters().get(0).config());
        assertEquals(20, assertInstanceOf(GzipCodec.class, d.codec()).maxInflateRatio());
        assertTrue(d.requestEnabled());
        assertFalse(d.advertiseAcceptEncoding());
        assertFalse(d.responseEnabled());
        assertTrue(d.responseIgnoreNoTransform());
        assertEquals("dec.on", d.responseEnabledKey());
        assertEquals("", d.requestEnabledKey());
        assertEquals("in", d.libraryName());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "gzip.decompressor.v3.Gzip, max_inflate_ratio: 2001|max_inflate_ratio",
            "gzip.decompressor.v3.Gzip, window_bits: 16|window_bits",
            "brotli.decompressor.v3.Brotli, chunk_size: 1|chunk_size",
            "zstd.decompressor.v3.Zstd, chunk_size: 70000|chunk_size",
    })
    void badDecompressorLibraryNamesItsField(String spec) {
        String[] parts = spec.split("\\|");
        var e = refused(bootstrap("""
                - name: envoy.filters.http.decompressor
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.decompressor.v3.Decompressor
                    decompressor_library:
                      name: in
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.compression.%s }
                """.formatted(parts[0]), "", ""));
        assertEquals(HCM + ".http_filters[0].typed_config.decompressor_library.typed_config." + parts[1], e.path(),
                e.getMessage());
    }
}

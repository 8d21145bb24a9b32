package io.remora.xds.translate;

import io.remora.config.ClusterConfig;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.config.RouterFilterConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster's upstream {@code http_filters} and a router's {@code upstream_http_filters}, validated
 * as Envoy does: the codec closes the chain, only upstream-capable filters may be listed, and the
 * codec itself is left out of what Remora runs.
 */
class UpstreamHttpFilterTranslationTest {

    static final String CODEC = """
            - name: envoy.filters.http.upstream_codec
              typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec }
            """;
    static final String MUTATION = """
            - name: add-try
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation
                mutations:
                  request_mutations:
                  - append: { header: { key: x-try, value: "%REQ(x-envoy-attempt-count)%" } }
            """;

    /** Flow YAML of the same two filters, for the router's one-line typed_config. */
    static final String MUTATION_FLOW = "{ name: add-try, typed_config: { \"@type\": type.googleapis.com/envoy.extensions."
            + "filters.http.header_mutation.v3.HeaderMutation, mutations: { request_mutations: [ { append: { header: "
            + "{ key: x-try, value: \"%REQ(x-envoy-attempt-count)%\" } } } ] } } }";
    static final String CODEC_FLOW = "{ name: envoy.filters.http.upstream_codec, typed_config: { \"@type\": "
            + "type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec } }";
    private static final String ROUTER = "{ \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }";

    /** Cluster c1 with these http_filters (null: no HTTP protocol options); the router with these flow fields. */
    private static LoadedBootstrap load(String httpFilters, String routerFields) {
        String cluster = HcmListenerYaml.CLUSTER_C1;
        if (httpFilters != null) {
            cluster = cluster.replace("  - name: c1\n", "  - name: c1\n"
                    + "    typed_extension_protocol_options:\n"
                    + "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
                    + "        \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
                    + "        explicit_http_config: { http_protocol_options: {} }\n"
                    + "        http_filters:\n" + httpFilters.indent(8));
        }
        String listener = HcmListenerYaml.listener("", "route: { cluster: c1 }");
        if (routerFields != null) {
            listener = listener.replace(ROUTER, ROUTER.replace(" }", ", " + routerFields + " }"));
        }
        return new BootstrapLoader().loadString(listener + cluster, "upstream-filters.yaml");
    }

    private static ClusterConfig cluster(String httpFilters) {
        return load(httpFilters, null).model().clusters().get("c1");
    }

    private static RouterFilterConfig router(String routerFields) {
        HttpConnectionManagerConfig hcm = assertInstanceOf(HttpConnectionManagerConfig.class,
                load(null, routerFields).model().listeners().get(0).filterChains().get(0).terminalFilter());
        return assertInstanceOf(RouterFilterConfig.class, hcm.httpFilters().get(hcm.httpFilters().size() - 1).config());
    }

    private static TranslationException refused(String httpFilters) {
        return assertThrows(TranslationException.class, () -> load(httpFilters, null));
    }

    @Test
    void clusterFiltersBeforeTheCodecAreKeptUnderTheirNames() {
        LoadedBootstrap loaded = load(MUTATION + CODEC, null);
        List<HttpFilterEntry> filters = loaded.model().clusters().get("c1").upstreamHttpFilters();
        assertEquals(1, filters.size());
        assertEquals("add-try", filters.get(0).name());
        assertEquals("envoy.filters.http.header_mutation", filters.get(0).config().filterName());
        assertTrue(loaded.warnings().stream().noneMatch(w -> w.contains("upstream")), loaded.warnings().toString());
    }

    @Test
    void aCodecAloneIsAChainAndNoListIsNone() {
        assertEquals(List.of(), cluster(CODEC).upstreamHttpFilters(), "still overrides the router's");
        assertNull(cluster(null).upstreamHttpFilters());
        assertEquals(List.of(), router("upstream_http_filters: []").upstreamHttpFilters());
    }

    @Test
    void aClusterChainNotEndingInTheCodecIsRefusedWithEnvoysWords() {
        TranslationException e = refused(MUTATION);
        assertTrue(e.path().endsWith("HttpProtocolOptions\"].http_filters[0].typed_config"), e.path());
        assertEquals("The codec filter is the only valid terminal upstream HTTP filter, use "
                + "'envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec'", e.reason());
    }

    @Test
    void theCodecBeforeTheEndIsRefused() {
        TranslationException e = refused(CODEC + MUTATION + CODEC);
        assertTrue(e.path().endsWith(".http_filters[0]"), e.path());
        assertEquals("Error: terminal filter named envoy.filters.http.upstream_codec of type "
                + "envoy.filters.http.upstream_codec must be the last filter in a upstream http filter chain.", e.reason());
    }

    @Test
    void aFilterEnvoyHasNoUpstreamFactoryForIsRefused() {
        TranslationException e = refused("""
                - name: envoy.filters.http.cors
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }
                """ + CODEC);
        assertTrue(e.path().endsWith(".http_filters[0]"), e.path());
        assertEquals("Didn't find a registered implementation for 'envoy.filters.http.cors' with type URL: "
                + "'envoy.extensions.filters.http.cors.v3.Cors'", e.reason());
    }

    /**
     * Envoy registers adaptive_concurrency as an upstream filter too. Remora does not run it there,
     * and says so, rather than claiming Envoy has no such upstream filter.
     */
    @Test
    void envoysUpstreamAdaptiveConcurrencyIsNamedAsNotRunThere() {
        TranslationException e = refused("""
                - name: concurrency
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.adaptive_concurrency.v3.AdaptiveConcurrency
                    gradient_controller_config:
                      sample_aggregate_percentile: { value: 50 }
                      concurrency_limit_params: { concurrency_update_interval: 0.1s }
                      min_rtt_calc_params: { interval: 30s }
                """ + CODEC);
        assertTrue(e.path().endsWith(".http_filters[0]"), e.path());
        assertEquals("upstream HTTP filter 'concurrency' (envoy.filters.http.adaptive_concurrency) is not supported by"
                + " Remora as an upstream filter yet", e.reason());
    }

    @Test
    void anUpstreamFilterRemoraDoesNotRunThereIsRefusedUnlessOptional() {
        String extProc = """
                - name: ext
                  %s
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                    grpc_service: { envoy_grpc: { cluster_name: c1 } }
                """;
        TranslationException e = refused(extProc.formatted("") + CODEC);
        assertTrue(e.reason().contains("envoy.filters.http.ext_proc") && e.reason().contains("not supported"), e.reason());
        LoadedBootstrap loaded = load(extProc.formatted("is_optional: true") + MUTATION + CODEC, null);
        assertEquals(List.of("add-try"), loaded.model().clusters().get("c1").upstreamHttpFilters().stream()
                .map(HttpFilterEntry::name).toList());
        assertTrue(loaded.warnings().stream().anyMatch(w -> w.contains("skipping optional upstream HTTP filter 'ext'")
                && w.contains("http_filters[0]")), loaded.warnings().toString());
    }

    @Test
    void routerUpstreamFiltersAreTranslatedAndMustEndInTheCodec() {
        List<HttpFilterEntry> filters = router("upstream_http_filters: [ " + MUTATION_FLOW + ", " + CODEC_FLOW + " ]").upstreamHttpFilters();
        assertEquals(List.of("add-try"), filters.stream().map(HttpFilterEntry::name).toList());
        TranslationException e = assertThrows(TranslationException.class,
                () -> load(null, "upstream_http_filters: [ " + MUTATION_FLOW + " ]"));
        assertTrue(e.path().endsWith("typed_config.upstream_http_filters[0]"), e.path());
        assertEquals("Error: non-terminal filter named add-try of type envoy.filters.http.header_mutation is the last"
                + " filter in a router upstream http filter chain.", e.reason());
    }
}

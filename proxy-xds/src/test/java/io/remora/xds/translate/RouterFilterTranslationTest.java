package io.remora.xds.translate;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.RouterFilterConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The router's own fields: Envoy's defaults, the values kept, the proto's checks and the warnings. */
class RouterFilterTranslationTest {

    private static final String ROUTER = "{ \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }";

    private static LoadedBootstrap load(String routerFields) {
        String listener = HcmListenerYaml.listener("", "route: { cluster: c1 }")
                .replace(ROUTER, ROUTER.replace(" }", ", " + routerFields + " }"));
        return new BootstrapLoader().loadString(listener + HcmListenerYaml.CLUSTER_C1, "router.yaml");
    }

    private static RouterFilterConfig router(LoadedBootstrap b) {
        HttpConnectionManagerConfig hcm = assertInstanceOf(HttpConnectionManagerConfig.class,
                b.model().listeners().get(0).filterChains().get(0).terminalFilter());
        return assertInstanceOf(RouterFilterConfig.class, hcm.httpFilters().get(hcm.httpFilters().size() - 1).config());
    }

    @Test
    void defaultsAreEnvoys() {
        RouterFilterConfig r = router(load("suppress_envoy_headers: false"));
        assertTrue(r.dynamicStats());
        assertFalse(r.respectExpectedRqTimeout());
        assertTrue(r.strictCheckHeaders().isEmpty());
        assertTrue(r.upstreamLogs().isEmpty());
        assertEquals(null, r.upstreamLogFlushInterval());
    }

    @Test
    void fieldsAreKept() {
        RouterFilterConfig r = router(load("dynamic_stats: false, respect_expected_rq_timeout: true,"
                + " strict_check_headers: [x-envoy-max-retries], upstream_log: [{ name: envoy.access_loggers.stdout,"
                + " typed_config: { \"@type\": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog } }],"
                + " upstream_log_options: { flush_upstream_log_on_upstream_stream: true, upstream_log_flush_interval: 2s }"));
        assertFalse(r.dynamicStats());
        assertTrue(r.respectExpectedRqTimeout());
        assertEquals(List.of("x-envoy-max-retries"), r.strictCheckHeaders());
        assertEquals(1, r.upstreamLogs().size());
        assertTrue(r.flushUpstreamLogOnUpstreamStream());
        assertEquals(Duration.ofSeconds(2), r.upstreamLogFlushInterval());
    }

    @Test
    void aHeaderTheProtoDoesNotListIsRefusedWithItsIndex() {
        TranslationException e = assertThrows(TranslationException.class,
                () -> load("strict_check_headers: [x-envoy-retry-on, x-envoy-attempt-count]"));
        assertTrue(e.path().endsWith("typed_config.strict_check_headers[1]"), e.path());
    }

    @Test
    void aFlushIntervalUnderOneMillisecondIsRefused() {
        TranslationException e = assertThrows(TranslationException.class,
                () -> load("upstream_log_options: { upstream_log_flush_interval: 0.0005s }"));
        assertTrue(e.path().endsWith("upstream_log_options.upstream_log_flush_interval"), e.path());
    }

    @Test
    void startChildSpanIsKept() {
        LoadedBootstrap b = load("start_child_span: true");
        assertTrue(router(b).startChildSpan());
        assertTrue(b.warnings().stream().noneMatch(w -> w.contains("start_child_span")), b.warnings().toString());
        assertFalse(router(load("suppress_envoy_headers: false")).startChildSpan());
    }
}

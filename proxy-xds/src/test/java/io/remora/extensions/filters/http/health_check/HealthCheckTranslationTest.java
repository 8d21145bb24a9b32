package io.remora.extensions.filters.http.health_check;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HealthCheck configs as Envoy reads them, and refused ones naming the field. */
class HealthCheckTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";

    static String bootstrap(String body) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.health_check",
                        "type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck", body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }"))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static HealthCheckFilterConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body), "test.yaml").model();
        HttpFilterEntry e = ((HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0)
                .terminalFilter()).httpFilters().get(0);
        assertEquals("envoy.filters.http.health_check", e.name());
        return (HealthCheckFilterConfig) e.config();
    }

    static TranslationException refused(String body) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body), "test.yaml"));
    }

    @Test
    void nonPassThroughWithClusterMinimums() {
        HealthCheckFilterConfig c = config("""
                pass_through_mode: false
                headers: [{ name: ":path", string_match: { exact: /healthz } }]
                cluster_min_healthy_percentages: { c1: { value: 12.5 }, c2: { value: 0 } }
                """);
        assertFalse(c.passThrough());
        assertEquals(0, c.cacheTimeNanos());
        // Envoy truncates the percentage to a whole number
        assertEquals(Map.of("c1", 12L, "c2", 0L), c.minHealthyPercent());
        assertEquals(":path", c.headers().get(0).name());
    }

    @Test
    void passThroughCachesInWholeMilliseconds() {
        HealthCheckFilterConfig c = config("""
                pass_through_mode: true
                cache_time: 2.0005s
                headers: [{ name: x-envoy-livenessprobe, present_match: true }]
                """);
        assertTrue(c.passThrough());
        assertEquals(2_000_000_000L, c.cacheTimeNanos());
    }

    @Test
    void passThroughModeIsRequired() {
        TranslationException e = refused("headers: [{ name: \":path\", exact_match: /healthz }]");
        assertEquals(FILTER + ".pass_through_mode", e.path());
        assertEquals("missing required field", e.reason());
    }

    @Test
    void cacheTimeNeedsPassThrough() {
        TranslationException e = refused("pass_through_mode: false\ncache_time: 1s");
        assertEquals(FILTER + ".cache_time", e.path());
        assertTrue(e.reason().contains("pass_through_mode"), e.reason());
    }

    @Test
    void percentagesAreWithinAHundred() {
        TranslationException e = refused("pass_through_mode: false\ncluster_min_healthy_percentages: { c1: { value: 101 } }");
        assertTrue(e.path().startsWith(FILTER + ".cluster_min_healthy_percentages"), e.path());
    }

    @Test
    void cacheAnswersUntilTheClocksNextTick() {
        HealthCheckCache cache = new HealthCheckCache(1_000, 0);
        assertEquals(null, cache.fresh(10));
        cache.put(503, true, 1_500);
        assertEquals(new HealthCheckCache.Answer(503, true, 2_000), cache.fresh(1_999));
        assertEquals(null, cache.fresh(2_000));
    }
}

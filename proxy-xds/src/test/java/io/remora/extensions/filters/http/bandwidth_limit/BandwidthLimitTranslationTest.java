package io.remora.extensions.filters.http.bandwidth_limit;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.runtime.Runtime;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BandwidthLimit configs with Envoy's defaults, per route, and refused ones naming the field. */
class BandwidthLimitTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";
    static final String TYPE = "type.googleapis.com/envoy.extensions.filters.http.bandwidth_limit.v3.BandwidthLimit";

    static String bootstrap(String body, String perRoute) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.bandwidth_limit", TYPE, body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }\n" + perRoute))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static HttpConnectionManagerConfig hcm(String body, String perRoute) {
        var model = new BootstrapLoader().loadString(bootstrap(body, perRoute), "test.yaml").model();
        return (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).terminalFilter();
    }

    static String refused(String body, String perRoute) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body, perRoute), "test.yaml")).path();
    }

    static String route(String body) {
        return """
                typed_per_filter_config:
                  envoy.filters.http.bandwidth_limit:
                    "@type": %s
                """.formatted(TYPE) + body.indent(4);
    }

    @Test
    void defaultsAndPerRoute() {
        var m = hcm("stat_prefix: global", route("""
                stat_prefix: route
                enable_mode: RESPONSE
                limit_kbps: 8
                fill_interval: 0.02s
                runtime_enabled: { default_value: true, runtime_key: bw.on }
                enable_response_trailers: true
                response_trailer_prefix: X-Bw
                """));
        BandwidthLimitConfig top = (BandwidthLimitConfig) m.httpFilters().get(0).config();
        assertEquals(0, top.mode(), "DISABLED by default");
        assertEquals(0, top.limitKbps());
        assertEquals(50, top.fillIntervalMillis());
        assertTrue(top.enabled().enabled(Runtime.EMPTY));
        assertNull(top.trailers());
        BandwidthLimitConfig r = (BandwidthLimitConfig) m.routeConfig().virtualHosts().get(0).routes().get(0)
                .perFilterConfigs().get("envoy.filters.http.bandwidth_limit").config();
        assertEquals(BandwidthLimitConfig.RESPONSE, r.mode());
        assertEquals(8, r.limitKbps());
        assertEquals(20, r.fillIntervalMillis());
        assertEquals("x-bw-bandwidth-response-delay-ms", r.trailers().responseDelay());
        assertEquals("x-bw-bandwidth-request-filter-delay-ms", r.trailers().requestFilterDelay());
        assertNotSame(top.state(), r.state(), "each config instance has its own bucket");
    }

    @Test
    void badConfigsNameTheField() {
        assertEquals(FILTER + ".stat_prefix", refused("enable_mode: REQUEST", ""));
        assertEquals(FILTER + ".fill_interval", refused("stat_prefix: s\nfill_interval: 0.01s", ""));
        assertEquals(FILTER + ".fill_interval", refused("stat_prefix: s\nfill_interval: 2s", ""));
        assertEquals(FILTER + ".limit_kbps", refused("stat_prefix: s\nlimit_kbps: 0", ""));
        assertEquals(FILTER + ".runtime_enabled.runtime_key",
                refused("stat_prefix: s\nruntime_enabled: { default_value: true }", ""));
        String perRoute = refused("stat_prefix: s", route("stat_prefix: r\nenable_mode: REQUEST"));
        assertTrue(perRoute.endsWith("typed_per_filter_config[envoy.filters.http.bandwidth_limit].limit_kbps")
                || perRoute.endsWith(".limit_kbps"), perRoute);
    }
}

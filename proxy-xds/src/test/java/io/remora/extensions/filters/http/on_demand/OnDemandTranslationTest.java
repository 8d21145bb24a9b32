package io.remora.extensions.filters.http.on_demand;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** on_demand configs: Envoy's odcds default timeout, the per-route config, and refusals naming the field. */
class OnDemandTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";
    static final String TYPE = "type.googleapis.com/envoy.extensions.filters.http.on_demand.v3.OnDemand";
    static final String PER_ROUTE = "type.googleapis.com/envoy.extensions.filters.http.on_demand.v3.PerRouteConfig";

    static String bootstrap(String body, String routeFields) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.on_demand", TYPE, body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }\n" + routeFields))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static HttpConnectionManagerConfig hcm(String body, String routeFields) {
        var model = new BootstrapLoader().loadString(bootstrap(body, routeFields), "test.yaml").model();
        return (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).terminalFilter();
    }

    static String refused(String yaml) {
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(yaml, "test.yaml")).path();
    }

    @Test
    void odcdsTimeoutDefaultsToEnvoysFiveSecondsAndARouteReplacesIt() {
        var m = hcm("odcds: { source: { ads: {} } }", """
                typed_per_filter_config:
                  envoy.filters.http.on_demand:
                    "@type": %s
                    odcds: { source: { ads: {} }, timeout: 0.25s }
                """.formatted(PER_ROUTE));
        assertEquals(Duration.ofSeconds(5), ((OnDemandConfig) m.httpFilters().get(0).config()).odcdsTimeout());
        OnDemandConfig route = (OnDemandConfig) m.routeConfig().virtualHosts().get(0).routes().get(0)
                .perFilterConfigs().get("envoy.filters.http.on_demand").config();
        assertEquals(Duration.ofMillis(250), route.odcdsTimeout());
        assertNull(((OnDemandConfig) hcm("", "").httpFilters().get(0).config()).odcdsTimeout(), "VHDS only");
    }

    @Test
    void unsupportedOdcdsFormsAreRefusedNamingTheField() {
        assertEquals(FILTER + ".odcds.source", refused(bootstrap("odcds: {}", "")));
        assertEquals(FILTER + ".odcds.source", refused(bootstrap(
                "odcds: { source: { api_config_source: { api_type: DELTA_GRPC, grpc_services: [{ envoy_grpc: { cluster_name: c1 } }] } } }", "")));
        assertEquals(FILTER + ".odcds.resources_locator", refused(bootstrap(
                "odcds: { source: { ads: {} }, resources_locator: \"xdstp://x/envoy.config.cluster.v3.Cluster/*\" }", "")));
    }

    @Test
    void vhdsOnAnInlineRouteConfigIsRefused() {
        String yaml = bootstrap("", "").replace("          route_config:\n",
                "          route_config:\n            vhds: { config_source: { ads: {} } }\n");
        assertEquals("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.vhds",
                refused(yaml));
    }
}

package io.remora.extensions.filters.http.fault;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.config.PerFilterConfig;
import io.remora.runtime.FractionalPercent;
import io.remora.runtime.FractionalPercent.Denominator;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTPFault configs as Envoy reads them, and refused ones naming the field. */
class FaultTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";

    /** A bootstrap whose connection manager runs the fault filter with this typed_config body. */
    static String bootstrap(String faultBody, String routeExtra) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.fault",
                        "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault", faultBody),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }") + routeExtra.indent(2))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static HttpConnectionManagerConfig hcm(String yaml) {
        var model = new BootstrapLoader().loadString(yaml, "test.yaml").model();
        return (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).terminalFilter();
    }

    static FaultConfig fault(String body) {
        HttpFilterEntry e = hcm(bootstrap(body, "")).httpFilters().get(0);
        assertEquals("envoy.filters.http.fault", e.name());
        return (FaultConfig) e.config();
    }

    static TranslationException refused(String body) {
        TranslationException e = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body, ""), "test.yaml"));
        System.out.println("refused: " + e.getMessage());
        return e;
    }

    @Test
    void abortAndDelayWithEveryDenominator() {
        FaultConfig f = fault("""
                abort: { http_status: 503, percentage: { numerator: 25, denominator: TEN_THOUSAND } }
                delay: { fixed_delay: 1.5s, percentage: { numerator: 7, denominator: MILLION } }
                max_active_faults: 3
                upstream_cluster: c1
                downstream_nodes: [a, b]
                headers: [{ name: x-user, exact_match: bob }]
                abort_percent_runtime: my.abort
                filter_metadata: { who: tester, n: 2 }
                """);
        assertEquals(new FaultConfig.Abort(503, -1, false, new FractionalPercent(25, Denominator.TEN_THOUSAND)), f.abort());
        assertEquals(new FaultConfig.Delay(1500, false, new FractionalPercent(7, Denominator.MILLION)), f.delay());
        assertEquals(3L, f.maxActiveFaults());
        assertEquals("c1", f.upstreamCluster());
        assertEquals(Set.of("a", "b"), f.downstreamNodes());
        assertEquals("x-user", f.headers().get(0).name());
        assertEquals("my.abort", f.runtimeKeys().abortPercent());
        assertEquals("fault.http.delay.fixed_delay_percent", f.runtimeKeys().delayPercent());
        assertEquals("fault.http.max_active_faults", f.runtimeKeys().maxActiveFaults());
        assertEquals(Map.of("who", "tester", "n", 2.0), f.filterMetadata());
        assertNull(f.responseRateLimit());
    }

    @Test
    void grpcAndHeaderControlledFaults() {
        FaultConfig g = fault("abort: { grpc_status: 14, percentage: { numerator: 100 } }");
        assertEquals(new FaultConfig.Abort(-1, 14, false, new FractionalPercent(100, Denominator.HUNDRED)), g.abort());
        FaultConfig h = fault("""
                abort: { header_abort: {}, percentage: { numerator: 100 } }
                delay: { header_delay: {}, percentage: { numerator: 50 } }
                response_rate_limit: { header_limit: {}, percentage: { numerator: 100 } }
                """);
        assertTrue(h.abort().fromHeaders());
        assertTrue(h.delay().fromHeaders());
        assertTrue(h.responseRateLimit().fromHeaders());
        assertEquals(new FractionalPercent(50, Denominator.HUNDRED), h.delay().percentage());
        FaultConfig rl = fault("response_rate_limit: { fixed_limit: { limit_kbps: 64 } }");
        assertEquals(new FaultConfig.ResponseRateLimit(64, false, new FractionalPercent(0, Denominator.HUNDRED)), rl.responseRateLimit());
    }

    @Test
    void unsetPercentageIsZeroAsInEnvoy() {
        FaultConfig f = fault("abort: { http_status: 500 }");
        assertEquals(new FractionalPercent(0, Denominator.HUNDRED), f.abort().percentage());
        assertTrue(!f.abort().percentage().evaluate(0));
    }

    @Test
    void typedStructIsAcceptedToo() {
        var m = hcm(bootstrap("", "").replace("""
                              "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                """, """
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                              value: { abort: { http_status: 418, percentage: { numerator: 100 } } }
                """));
        assertEquals(418, ((FaultConfig) m.httpFilters().get(0).config()).abort().httpStatus());
    }

    @Test
    void perRouteConfigReplacesAndFilterConfigDisables() {
        var m = hcm(bootstrap("abort: { http_status: 503, percentage: { numerator: 100 } }", """
                - match: { prefix: "/other" }
                  route: { cluster: c1 }
                  typed_per_filter_config:
                    envoy.filters.http.fault:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                      abort: { http_status: 418, percentage: { numerator: 100 } }
                - match: { prefix: "/off" }
                  route: { cluster: c1 }
                  typed_per_filter_config:
                    envoy.filters.http.fault:
                      "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                      disabled: true
                """));
        List<io.remora.config.Route> routes = m.routeConfig().virtualHosts().get(0).routes();
        PerFilterConfig other = routes.get(1).perFilterConfigs().get("envoy.filters.http.fault");
        assertEquals(418, ((FaultConfig) other.config()).abort().httpStatus());
        assertTrue(routes.get(2).perFilterConfigs().get("envoy.filters.http.fault").disabled());
    }

    @Test
    void badConfigsNameTheField() {
        assertEquals(FILTER + ".abort.http_status",
                refused("abort: { http_status: 199, percentage: { numerator: 1 } }").path());
        assertEquals(FILTER + ".abort.http_status",
                refused("abort: { http_status: 600 }").path());
        assertEquals(FILTER + ".abort", refused("abort: { percentage: { numerator: 1 } }").path());
        assertEquals(FILTER + ".delay", refused("delay: { percentage: { numerator: 1 } }").path());
        assertEquals(FILTER + ".delay.fixed_delay", refused("delay: { fixed_delay: 0s }").path());
        assertEquals(FILTER + ".response_rate_limit.fixed_limit.limit_kbps",
                refused("response_rate_limit: { fixed_limit: { limit_kbps: 0 } }").path());
        assertEquals(FILTER + ".response_rate_limit", refused("response_rate_limit: {}").path());
        assertEquals(FILTER + ".headers[0].name", refused("headers: [{ exact_match: x }]").path());
    }
}

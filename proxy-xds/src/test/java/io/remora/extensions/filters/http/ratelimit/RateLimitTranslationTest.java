package io.remora.extensions.filters.http.ratelimit;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.http.common.DescriptorEvaluator.VhRateLimits;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Global RateLimit configs as Envoy reads them (defaults included), and refused ones naming the field. */
class RateLimitTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";
    static final String SERVICE = """
            rate_limit_service:
              grpc_service: { envoy_grpc: { cluster_name: c1 } }
              transport_api_version: V3
            """;

    static String bootstrap(String body, String routeFields) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.ratelimit",
                        "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit", body),
                HcmListenerYaml.catchAllHost("", routeFields.startsWith("route:") ? routeFields
                        : "route: { cluster: c1 }\n" + routeFields))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static HttpConnectionManagerConfig hcm(String yaml) {
        var model = new BootstrapLoader().loadString(yaml, "test.yaml").model();
        return (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).terminalFilter();
    }

    static String refused(String body, String routeFields) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body, routeFields), "test.yaml")).getMessage();
    }

    @Test
    void defaultsAsEnvoys() {
        RateLimitConfig c = (RateLimitConfig) hcm(bootstrap("domain: d\n" + SERVICE, "")).httpFilters().get(0).config();
        assertEquals("d", c.domain());
        assertEquals(Duration.ofMillis(20), c.service().timeout());
        assertEquals("c1", c.service().cluster());
        assertEquals(RateLimitConfig.RequestType.BOTH, c.requestType());
        assertFalse(c.failureModeDeny());
        assertEquals(429, c.rateLimitedStatus());
        assertEquals(500, c.statusOnError());
        assertTrue(c.xEnvoyRateLimited());
        assertFalse(c.xRateLimitHeaders());
    }

    @Test
    void statusesBelow400FallBackAsEnvoys() {
        RateLimitConfig c = (RateLimitConfig) hcm(bootstrap("""
                domain: d
                request_type: internal
                rate_limited_status: { code: OK }
                status_on_error: { code: Found }
                disable_x_envoy_ratelimited_header: true
                """ + SERVICE, "")).httpFilters().get(0).config();
        assertEquals(429, c.rateLimitedStatus());
        assertEquals(500, c.statusOnError());
        assertEquals(RateLimitConfig.RequestType.INTERNAL, c.requestType());
        assertFalse(c.xEnvoyRateLimited());
    }

    @Test
    void perRouteConfig() {
        String route = """
                typed_per_filter_config:
                  envoy.filters.http.ratelimit:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute
                    vh_rate_limits: INCLUDE
                    domain: other
                    rate_limits: [{ actions: [{ generic_key: { descriptor_value: x } }], hits_addend: { number: 5 } }]
                """;
        var model = new BootstrapLoader().loadString(bootstrap("domain: d\n" + SERVICE, route), "t.yaml").model();
        RouteFilterConfig p = ((HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0)
                .terminalFilter()).routeConfig().virtualHosts().get(0).routes().get(0).perFilterConfigs()
                .get("envoy.filters.http.ratelimit").config();
        RateLimitPerRouteConfig r = (RateLimitPerRouteConfig) p;
        assertEquals(VhRateLimits.INCLUDE, r.vhRateLimits());
        assertEquals("other", r.domain());
        assertEquals(5, r.rateLimits().get(0).hitsAddend());
    }

    @Test
    void refusedNamingTheField() {
        assertTrue(refused(SERVICE, "").contains(FILTER + ".domain"));
        assertTrue(refused("domain: d\n", "").contains(FILTER + ".rate_limit_service"));
        assertTrue(refused("domain: d\nrate_limit_service: { grpc_service: { envoy_grpc: { cluster_name: c1 } } }\n",
                "").contains(FILTER + ".rate_limit_service.transport_api_version"));
        assertTrue(refused("domain: d\nrequest_type: sometimes\n" + SERVICE, "").contains(FILTER + ".request_type"));
        assertTrue(refused("domain: d\nstage: 11\n" + SERVICE, "").contains(FILTER + ".stage"));
        assertTrue(refused("""
                domain: d
                rate_limit_service:
                  grpc_service: { envoy_grpc: { cluster_name: nowhere } }
                  transport_api_version: V3
                """, "").contains("nowhere"));
        assertTrue(refused("domain: d\n" + SERVICE,
                "route: { cluster: c1, rate_limits: [{ actions: [{ generic_key: { descriptor_value: x } }],"
                        + " hits_addend: { format: \"%BYTES_RECEIVED%\" } }] }")
                .contains("hits_addend.format"));
    }
}

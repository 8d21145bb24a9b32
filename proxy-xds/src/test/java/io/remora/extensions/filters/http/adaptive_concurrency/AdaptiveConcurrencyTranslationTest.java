package io.remora.extensions.filters.http.adaptive_concurrency;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.runtime.Runtime;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AdaptiveConcurrency configs with Envoy's defaults, and refused ones naming the field. */
class AdaptiveConcurrencyTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";
    static final String GRADIENT = FILTER + ".gradient_controller_config";
    static final String MINIMAL = """
            gradient_controller_config:
              concurrency_limit_params: { concurrency_update_interval: 0.1s }
              min_rtt_calc_params: { interval: 30s }
            """;

    static String bootstrap(String body) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.adaptive_concurrency",
                        "type.googleapis.com/envoy.extensions.filters.http.adaptive_concurrency.v3.AdaptiveConcurrency",
                        body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }\n"))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static AdaptiveConcurrencyConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body), "test.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).terminalFilter();
        return (AdaptiveConcurrencyConfig) hcm.httpFilters().get(0).config();
    }

    static String refused(String body) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body), "test.yaml")).path();
    }

    @Test
    void defaultsAreEnvoys() {
        AdaptiveConcurrencyConfig c = config(MINIMAL);
        assertTrue(c.enabled().enabled(Runtime.EMPTY));
        assertEquals(503, c.exceededStatus());
        assertEquals(30_000, c.minRttIntervalMillis());
        assertTrue(c.samplesMinRtt());
        assertEquals(100, c.updateIntervalMillis());
        assertEquals(50, c.requestCount());
        assertEquals(0.15, c.jitter());
        assertEquals(3, c.minConcurrency());
        assertEquals(0.25, c.buffer());
        assertEquals(0.5, c.sampleAggregatePercentile());
        assertEquals(1000, c.maxConcurrencyLimit());
    }

    @Test
    void configuredValues() {
        AdaptiveConcurrencyConfig c = config("""
                gradient_controller_config:
                  sample_aggregate_percentile: { value: 90 }
                  concurrency_limit_params: { max_concurrency_limit: 40, concurrency_update_interval: 0.25s }
                  min_rtt_calc_params:
                    interval: 5s
                    request_count: 10
                    jitter: { value: 0 }
                    min_concurrency: 2
                    buffer: { value: 50 }
                enabled: { default_value: false, runtime_key: ac.enabled }
                concurrency_limit_exceeded_status: { code: TooManyRequests }
                """);
        assertFalse(c.enabled().enabled(Runtime.EMPTY));
        assertEquals(429, c.exceededStatus());
        assertEquals(0.9, c.sampleAggregatePercentile());
        assertEquals(40, c.maxConcurrencyLimit());
        assertEquals(250, c.updateIntervalMillis());
        assertEquals(5_000, c.minRttIntervalMillis());
        assertEquals(10, c.requestCount());
        assertEquals(0, c.jitter());
        assertEquals(2, c.minConcurrency());
        assertEquals(0.5, c.buffer());
    }

    @Test
    void aStatusBelow400Becomes503() {
        assertEquals(503, config(MINIMAL + "concurrency_limit_exceeded_status: { code: OK }\n").exceededStatus());
    }

    @Test
    void aFixedMinRttReplacesSampling() {
        AdaptiveConcurrencyConfig c = config("""
                gradient_controller_config:
                  concurrency_limit_params: { concurrency_update_interval: 0.1s }
                  min_rtt_calc_params: { fixed_value: 0.015s }
                """);
        assertFalse(c.samplesMinRtt());
        assertEquals(15_000, c.fixedMinRttMicros());
    }

    @Test
    void badConfigsNameTheField() {
        assertEquals(FILTER + ".gradient_controller_config", refused("enabled: { default_value: true, runtime_key: k }"));
        assertEquals(GRADIENT + ".concurrency_limit_params", refused("""
                gradient_controller_config: { min_rtt_calc_params: { interval: 1s } }
                """));
        assertEquals(GRADIENT + ".concurrency_limit_params.concurrency_update_interval", refused("""
                gradient_controller_config:
                  concurrency_limit_params: { max_concurrency_limit: 10 }
                  min_rtt_calc_params: { interval: 1s }
                """));
        assertEquals(GRADIENT + ".concurrency_limit_params.concurrency_update_interval", refused("""
                gradient_controller_config:
                  concurrency_limit_params: { concurrency_update_interval: 0s }
                  min_rtt_calc_params: { interval: 1s }
                """));
        assertEquals(GRADIENT + ".concurrency_limit_params.max_concurrency_limit", refused("""
                gradient_controller_config:
                  concurrency_limit_params: { concurrency_update_interval: 1s, max_concurrency_limit: 0 }
                  min_rtt_calc_params: { interval: 1s }
                """));
        assertEquals(GRADIENT + ".min_rtt_calc_params", refused("""
                gradient_controller_config:
                  concurrency_limit_params: { concurrency_update_interval: 1s }
                """));
        assertEquals(GRADIENT + ".min_rtt_calc_params.fixed_value", refused("""
                gradient_controller_config:
                  concurrency_limit_params: { concurrency_update_interval: 1s }
                  min_rtt_calc_params: { request_count: 5 }
                """));
        assertEquals(GRADIENT + ".min_rtt_calc_params.interval", refused("""
                gradient_controller_config:
                  concurrency_limit_params: { concurrency_update_interval: 1s }
                  min_rtt_calc_params: { interval: 0.0005s }
                """));
        assertEquals(GRADIENT + ".min_rtt_calc_params.min_concurrency", refused("""
                gradient_controller_config:
                  concurrency_limit_params: { concurrency_update_interval: 1s }
                  min_rtt_calc_params: { interval: 1s, min_concurrency: 0 }
                """));
        assertEquals(GRADIENT + ".min_rtt_calc_params.request_count", refused("""
                gradient_controller_config:
                  concurrency_limit_params: { concurrency_update_interval: 1s }
                  min_rtt_calc_params: { interval: 1s, request_count: 0 }
                """));
        assertEquals(GRADIENT + ".min_rtt_calc_params.buffer.value", refused("""
                gradient_controller_config:
                  concurrency_limit_params: { concurrency_update_interval: 1s }
                  min_rtt_calc_params: { interval: 1s, buffer: { value: 150 } }
                """));
        assertEquals(GRADIENT + ".sample_aggregate_percentile.value", refused("""
                gradient_controller_config:
                  sample_aggregate_percentile: { value: -1 }
                  concurrency_limit_params: { concurrency_update_interval: 1s }
                  min_rtt_calc_params: { interval: 1s }
                """));
        assertEquals(FILTER + ".enabled.runtime_key", refused(MINIMAL + "enabled: { default_value: true }\n"));
    }
}

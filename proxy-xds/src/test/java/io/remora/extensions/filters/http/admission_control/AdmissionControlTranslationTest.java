package io.remora.extensions.filters.http.admission_control;

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

/** AdmissionControl configs with Envoy's defaults, and refused ones naming the field. */
class AdmissionControlTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";

    static String bootstrap(String body) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.admission_control",
                        "type.googleapis.com/envoy.extensions.filters.http.admission_control.v3.AdmissionControl", body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }\n"))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static AdmissionControlConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body), "test.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).terminalFilter();
        return (AdmissionControlConfig) hcm.httpFilters().get(0).config();
    }

    static String refused(String body) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body), "test.yaml")).path();
    }

    @Test
    void defaultsAreEnvoys() {
        AdmissionControlConfig c = config("success_criteria: {}");
        assertTrue(c.enabled().enabled(Runtime.EMPTY));
        assertEquals(30, c.samplingWindowSeconds());
        assertEquals(1.0, c.aggression().value(Runtime.EMPTY));
        assertEquals(95.0, c.srThreshold().value(Runtime.EMPTY));
        assertEquals(0.0, c.rpsThreshold().value(Runtime.EMPTY));
        assertEquals(80.0, c.maxRejection().value(Runtime.EMPTY));
        assertTrue(c.criteria().isHttpSuccess(499));
        assertFalse(c.criteria().isHttpSuccess(500));
        for (int ok : new int[]{0, 1, 2, 3, 5, 6, 7, 9, 11, 12, 16}) {
            assertTrue(c.criteria().isGrpcSuccess(ok), "grpc " + ok);
        }
        for (int bad : new int[]{4, 8, 10, 13, 14, 15}) {
            assertFalse(c.criteria().isGrpcSuccess(bad), "grpc " + bad);
        }
    }

    @Test
    void configuredValues() {
        AdmissionControlConfig c = config("""
                enabled: { default_value: false, runtime_key: ac.on }
                success_criteria:
                  http_criteria: { http_success_status: [{ start: 200, end: 300 }, { start: 404, end: 405 }] }
                  grpc_criteria: { grpc_success_status: [0, 14] }
                sampling_window: 10.9s
                aggression: { default_value: 2.5, runtime_key: ac.aggression }
                sr_threshold: { default_value: { value: 50 }, runtime_key: ac.sr }
                rps_threshold: { default_value: 7, runtime_key: ac.rps }
                max_rejection_probability: { default_value: { value: 60 }, runtime_key: ac.max }
                """);
        assertFalse(c.enabled().enabled(Runtime.EMPTY));
        assertEquals(10, c.samplingWindowSeconds(), "whole seconds, as Envoy");
        assertEquals(2.5, c.aggression().value(Runtime.EMPTY));
        assertEquals(50.0, c.srThreshold().value(Runtime.EMPTY));
        assertEquals(7.0, c.rpsThreshold().value(Runtime.EMPTY));
        assertEquals(60.0, c.maxRejection().value(Runtime.EMPTY));
        assertTrue(c.criteria().isHttpSuccess(204));
        assertTrue(c.criteria().isHttpSuccess(404));
        assertFalse(c.criteria().isHttpSuccess(302));
        assertTrue(c.criteria().isGrpcSuccess(14));
        assertFalse(c.criteria().isGrpcSuccess(2));
    }

    @Test
    void badConfigsNameTheField() {
        assertEquals(FILTER + ".success_criteria", refused("sampling_window: 1s"));
        assertEquals(FILTER + ".sr_threshold.default_value",
                refused("success_criteria: {}\nsr_threshold: { default_value: { value: 0.5 }, runtime_key: k }"));
        assertEquals(FILTER + ".sr_threshold.runtime_key",
                refused("success_criteria: {}\nsr_threshold: { default_value: { value: 50 } }"));
        assertEquals(FILTER + ".max_rejection_probability.default_value.value",
                refused("success_criteria: {}\nmax_rejection_probability: { default_value: { value: 120 }, runtime_key: k }"));
        assertEquals(FILTER + ".success_criteria.http_criteria.http_success_status[1]", refused("""
                success_criteria: { http_criteria: { http_success_status: [{ start: 200, end: 300 }, { start: 50, end: 300 }] } }
                """));
        assertEquals(FILTER + ".success_criteria.grpc_criteria.grpc_success_status[0]",
                refused("success_criteria: { grpc_criteria: { grpc_success_status: [17] } }"));
        assertEquals(FILTER + ".enabled.default_value", refused("success_criteria: {}\nenabled: { runtime_key: k }"));
        assertEquals(FILTER + ".sampling_window", refused("success_criteria: {}\nsampling_window: -1s"));
    }
}

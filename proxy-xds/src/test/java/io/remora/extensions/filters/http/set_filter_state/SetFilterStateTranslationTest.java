package io.remora.extensions.filters.http.set_filter_state;

import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.filters.common.set_filter_state.v3.FilterStateValue;
import io.remora.extensions.filters.common.set_filter_state.FilterStateValues;
import io.remora.network.FilterState;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HcmListenerYaml;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP set_filter_state's shared_with_upstream is built (pooled connections carry the objects):
 * no warning; the hashable string factories make objects that key the pools.
 */
class SetFilterStateTranslationTest {

    private static List<String> warnings(String sharing) {
        String filter = HcmListenerYaml.filter("envoy.filters.http.set_filter_state",
                "type.googleapis.com/envoy.extensions.filters.http.set_filter_state.v3.Config", """
                        on_request_headers:
                        - object_key: test.key
                          format_string: { text_format_source: { inline_string: v } }
                          shared_with_upstream: %s
                        """.formatted(sharing));
        return new BootstrapLoader().loadString(HcmListenerYaml.listener("", filter,
                "- { name: v, domains: [\"*\"], routes: [{ match: { prefix: \"/\" }, route: { cluster: c1 } }] }")
                + HcmListenerYaml.CLUSTER_C1, "sfs.yaml").warnings();
    }

    @Test
    void sharingWithUpstreamIsNotWarnedAbout() {
        for (String sharing : List.of("ONCE", "TRANSITIVE", "NONE")) {
            List<String> w = warnings(sharing);
            assertTrue(w.stream().noneMatch(s -> s.contains("shared_with_upstream")), w.toString());
        }
    }

    @Test
    void theHashableStringFactoriesMakeHashableObjects() {
        for (String factory : List.of("envoy.hashable_string", "istio.hashable_string", "envoy.string", "")) {
            FilterStateValues values = FilterStateValues.translate(List.of(FilterStateValue.newBuilder()
                    .setObjectKey("test.key").setFactoryKey(factory).setFormatString(SubstitutionFormatString.newBuilder()
                            .setTextFormat("v")).build()), FieldPath.of("values"));
            FilterState state = new FilterState(null);
            values.compile().apply(new io.remora.accesslog.StreamInfo(), state);
            assertEquals(factory.endsWith("hashable_string"), state.get("test.key") instanceof FilterState.Hashable,
                    factory);
            assertEquals("v", state.get("test.key").toString());
        }
    }
}

package io.remora.extensions.filters.http.set_filter_state;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP set_filter_state's shared_with_upstream reaches less than Envoy's: a warning names it. */
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
    void sharingWithUpstreamIsWarnedAbout() {
        for (String sharing : List.of("ONCE", "TRANSITIVE")) {
            List<String> w = warnings(sharing);
            assertTrue(w.stream().anyMatch(s -> s.contains("on_request_headers[0].shared_with_upstream")), w.toString());
        }
        assertTrue(warnings("NONE").stream().noneMatch(s -> s.contains("shared_with_upstream")));
    }
}

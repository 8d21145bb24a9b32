package io.remora.extensions;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** buffer, set_metadata and csrf configs that Envoy refuses are refused naming the field. */
class BufferMetadataCsrfTranslationTest {

    static final String HCM = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";
    static final String FILTER = HCM + ".http_filters[0].typed_config";
    static final String ROUTE = HCM + ".route_config.virtual_hosts[0].routes[0].typed_per_filter_config";

    static String bootstrap(String name, String type, String body, String routeFields) {
        return HcmListenerYaml.listener("", HcmListenerYaml.filter(name, "type.googleapis.com/" + type, body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }\n" + routeFields))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static String refusedAt(String name, String type, String body, String routeFields) {
        return assertThrows(TranslationException.class, () -> new BootstrapLoader()
                .loadString(bootstrap(name, type, body, routeFields), "test.yaml")).path();
    }

    static String route(String name) {
        return ROUTE + "[\"" + name + "\"]";
    }

    static String perRoute(String name, String type, String body) {
        return "typed_per_filter_config:\n  " + name + ":\n    \"@type\": type.googleapis.com/" + type + "\n"
                + body.indent(4);
    }

    @Test
    void buffer() {
        String name = "envoy.filters.http.buffer";
        String type = "envoy.extensions.filters.http.buffer.v3.Buffer";
        String perRoute = "envoy.extensions.filters.http.buffer.v3.BufferPerRoute";
        assertEquals(FILTER + ".max_request_bytes", refusedAt(name, type, "", ""));
        assertEquals(FILTER + ".max_request_bytes", refusedAt(name, type, "max_request_bytes: 0", ""));
        String ok = "max_request_bytes: 10";
        assertEquals(route(name), refusedAt(name, type, ok, perRoute(name, perRoute, "")));
        assertEquals(route(name) + ".disabled",
                refusedAt(name, type, ok, perRoute(name, perRoute, "disabled: false")));
        assertEquals(route(name) + ".buffer.max_request_bytes",
                refusedAt(name, type, ok, perRoute(name, perRoute, "buffer: {}")));
    }

    @Test
    void setMetadata() {
        String name = "envoy.filters.http.set_metadata";
        String type = "envoy.extensions.filters.http.set_metadata.v3.Config";
        assertEquals(FILTER + ".metadata[1].metadata_namespace", refusedAt(name, type,
                "metadata: [{ metadata_namespace: a, value: {} }, { value: { k: v } }]", ""));
        var loaded = new BootstrapLoader().loadString(bootstrap(name, type, """
                metadata:
                - metadata_namespace: a
                  typed_value: { "@type": type.googleapis.com/google.protobuf.StringValue, value: x }
                """, ""), "test.yaml");
        List<String> typed = loaded.warnings().stream().filter(w -> w.contains("typed_value")).toList();
        assertEquals(1, typed.size(), loaded.warnings().toString());
        assertTrue(typed.get(0).contains(FILTER + ".metadata[0].typed_value"), typed.get(0));
    }

    @Test
    void csrf() {
        String name = "envoy.filters.http.csrf";
        String type = "envoy.extensions.filters.http.csrf.v3.CsrfPolicy";
        assertEquals(FILTER + ".filter_enabled", refusedAt(name, type, "", ""));
        assertEquals(FILTER + ".filter_enabled.default_value", refusedAt(name, type, "filter_enabled: {}", ""));
        String ok = "filter_enabled: { default_value: { numerator: 100 } }";
        assertEquals(FILTER + ".shadow_enabled.default_value",
                refusedAt(name, type, ok + "\nshadow_enabled: { runtime_key: k }", ""));
        assertTrue(refusedAt(name, type, ok + "\nadditional_origins: [{}]", "")
                .startsWith(FILTER + ".additional_origins[0]"));
        assertEquals(route(name) + ".filter_enabled", refusedAt(name, type, ok, perRoute(name, type, "")));
    }
}

package io.remora.extensions.filters.http.set_filter_state;

import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.filters.common.set_filter_state.v3.FilterStateValue;
import io.remora.extensions.filters.common.set_filter_state.FilterStateValues;
import io.remora.network.FilterState;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP set_filter_state's shared_with_upstream is built (pooled connections carry the objects):
 * no warning; the hashable string factories make objects that key the pools. As Envoy's, both
 * set_filter_state filters refuse a factory (by factory_key, else object_key) there is none of.
 */
class SetFilterStateTranslationTest {

    private static List<String> warnings(String sharing) {
        return load("""
                - object_key: test.key
                  factory_key: envoy.string
                  format_string: { text_format_source: { inline_string: v } }
                  shared_with_upstream: %s
                """.formatted(sharing)).warnings();
    }

    /** A listener whose HTTP set_filter_state has these {@code on_request_headers} (YAML list, unindented). */
    private static io.remora.xds.bootstrap.LoadedBootstrap load(String values) {
        String filter = HcmListenerYaml.filter("envoy.filters.http.set_filter_state",
                "type.googleapis.com/envoy.extensions.filters.http.set_filter_state.v3.Config",
                "on_request_headers:\n" + values);
        return new BootstrapLoader().loadString(HcmListenerYaml.listener("", filter,
                "- { name: v, domains: [\"*\"], routes: [{ match: { prefix: \"/\" }, route: { cluster: c1 } }] }")
                + HcmListenerYaml.CLUSTER_C1, "sfs.yaml");
    }

    /** A TCP listener whose network set_filter_state has these {@code on_new_connection} values. */
    private static io.remora.xds.bootstrap.LoadedBootstrap loadNetwork(String values) {
        return new BootstrapLoader().loadString(HcmListenerYaml.networkListener(
                HcmListenerYaml.filter("envoy.filters.network.set_filter_state",
                        "type.googleapis.com/envoy.extensions.filters.network.set_filter_state.v3.Config",
                        "on_new_connection:\n" + values)
                + HcmListenerYaml.filter("envoy.filters.network.tcp_proxy",
                        "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                        "stat_prefix: tcp\ncluster: c1")) + HcmListenerYaml.CLUSTER_C1, "sfs-net.yaml");
    }

    private static String value(String keys) {
        return keys + "\n  format_string: { text_format_source: { inline_string: v } }\n";
    }

    @Test
    void aKeyWithoutAnObjectFactoryIsRefusedAsEnvoyRefusesIt() {
        TranslationException e = assertThrows(TranslationException.class,
                () -> load(value("- object_key: test.key")));
        assertTrue(e.getMessage().contains("on_request_headers[0].object_key")
                && e.getMessage().contains("'test.key' does not have an object factory"), e.getMessage());
        e = assertThrows(TranslationException.class,
                () -> load(value("- object_key: test.key\n  factory_key: envoy.nope")));
        assertTrue(e.getMessage().contains("on_request_headers[0].factory_key")
                && e.getMessage().contains("'envoy.nope' does not have an object factory"), e.getMessage());
        e = assertThrows(TranslationException.class,
                () -> loadNetwork(value("- object_key: test.key")));
        assertTrue(e.getMessage().contains("on_new_connection[0].object_key")
                && e.getMessage().contains("'test.key' does not have an object factory"), e.getMessage());
    }

    @Test
    void wellKnownKeysAndFactoriesLoad() {
        load(value("- object_key: envoy.network.upstream_server_name") + value("- object_key: test.h\n  factory_key:"
                + " istio.hashable_string") + value("- object_key: envoy.ratelimit.hits_addend"));
        loadNetwork(value("- object_key: envoy.tcp_proxy.cluster") + value("- object_key: envoy.upstream.dynamic_host"));
        // Istio's waypoint sets original_dst's local_ip, which only Envoy's original_dst reads: loaded, warned.
        List<String> w = load(value("- object_key: envoy.filters.listener.original_dst.local_ip")).warnings();
        assertTrue(w.stream().anyMatch(s -> s.contains("envoy.filters.listener.original_dst.local_ip")), w.toString());
        // Envoy's other well-known keys load too, warned where nothing here reads them.
        List<String> more = loadNetwork(value("- object_key: envoy.network.ip") + value("- object_key: envoy.udp_proxy.cluster")
                + value("- object_key: io.istio.peer_principal")).warnings();
        assertTrue(more.stream().anyMatch(s -> s.contains("'envoy.network.ip' is stored")), more.toString());
        assertTrue(more.stream().anyMatch(s -> s.contains("'envoy.udp_proxy.cluster' is stored")), more.toString());
        assertTrue(more.stream().noneMatch(s -> s.contains("io.istio.peer_principal")), more.toString());
    }

    @Test
    void objectsAreMadeAsTheirReadersTakeThem() {
        FilterState state = new FilterState(null);
        FilterStateValues.translate(List.of(proto("envoy.upstream.dynamic_port", "", "8443"),
                        proto("envoy.network.transport_socket.original_dst_address", "", "10.1.2.3:81"),
                        proto("envoy.upstream.dynamic_host", "", "h.example"),
                        proto("envoy.network.upstream_subject_alt_names", "", "a,b"),
                        proto("io.istio.peer_principal", "", "spiffe://cluster.local/ns/a/sa/b")), FieldPath.of("values"),
                TranslationContext.lenient()).compile().apply(new io.remora.accesslog.StreamInfo(), state);
        assertEquals(8443L, state.get("envoy.upstream.dynamic_port"));
        assertEquals(new java.net.InetSocketAddress("10.1.2.3", 81), state.originalDstAddress());
        assertEquals("h.example", state.get("envoy.upstream.dynamic_host"));
        assertEquals(List.of("a", "b"), state.get("envoy.network.upstream_subject_alt_names"));
        // Istio's stats filters read the principal as the authn filter stores it: a string.
        assertEquals("spiffe://cluster.local/ns/a/sa/b", state.get("io.istio.peer_principal", String.class));
        // A value its factory makes nothing of is not stored, as in Envoy.
        FilterState bad = new FilterState(null);
        FilterStateValues.translate(List.of(proto("envoy.upstream.dynamic_port", "", "http")), FieldPath.of("values"),
                TranslationContext.lenient()).compile().apply(new io.remora.accesslog.StreamInfo(), bad);
        assertEquals(null, bad.get("envoy.upstream.dynamic_port"));
    }

    private static FilterStateValue proto(String key, String factory, String text) {
        return FilterStateValue.newBuilder().setObjectKey(key).setFactoryKey(factory)
                .setFormatString(SubstitutionFormatString.newBuilder().setTextFormat(text)).build();
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
        for (String factory : List.of("envoy.hashable_string", "istio.hashable_string", "envoy.string")) {
            FilterStateValues values = FilterStateValues.translate(List.of(proto("test.key", factory, "v")),
                    FieldPath.of("values"), TranslationContext.lenient());
            FilterState state = new FilterState(null);
            values.compile().apply(new io.remora.accesslog.StreamInfo(), state);
            assertEquals(factory.endsWith("hashable_string"), state.get("test.key") instanceof FilterState.Hashable,
                    factory);
            assertEquals("v", state.get("test.key").toString());
        }
    }
}

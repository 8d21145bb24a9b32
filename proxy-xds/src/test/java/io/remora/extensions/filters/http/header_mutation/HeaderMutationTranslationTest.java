package io.remora.extensions.filters.http.header_mutation;

import io.remora.config.HeaderMutation.AppendAction;
import io.remora.config.HeaderMutationRule;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** header_mutation configs as Envoy reads them, and refused ones naming the field. */
class HeaderMutationTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";

    static String bootstrap(String body) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.header_mutation",
                        "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation", body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }"))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static HeaderMutationConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body), "test.yaml").model();
        HttpFilterEntry e = ((HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0)
                .terminalFilter()).httpFilters().get(0);
        return (HeaderMutationConfig) e.config();
    }

    static String refusedAt(String body) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body), "test.yaml")).path();
    }

    @Test
    void mutationsInOrder() {
        HeaderMutationConfig c = config("""
                mutations:
                  request_mutations:
                  - remove: X-Drop
                  - append: { header: { key: x-a, value: "%REQ(x-b)%" }, append_action: ADD_IF_ABSENT }
                  response_mutations:
                  - append: { header: { key: x-r, value: r } }
                most_specific_header_mutations_wins: true
                """);
        assertEquals(new HeaderMutationRule.Remove("x-drop"), c.request().rules().get(0));
        HeaderMutationRule.Append a = assertInstanceOf(HeaderMutationRule.Append.class, c.request().rules().get(1));
        assertEquals(AppendAction.ADD_IF_ABSENT, a.option().action());
        assertEquals(1, c.response().rules().size());
        assertTrue(c.mostSpecificWins());
        assertEquals(config("mutations: {}"), new HeaderMutationConfig(List.of(), List.of(), List.of(), false));
        assertEquals(List.of(new HeaderMutationConfig.QueryMutation("q", null, null),
                new HeaderMutationConfig.QueryMutation("k", "v", AppendAction.OVERWRITE_IF_EXISTS)), config("""
                mutations:
                  query_parameter_mutations:
                  - remove: q
                  - append: { record: { key: k, value: v }, action: OVERWRITE_IF_EXISTS }
                """).query());
    }

    @Test
    void refusedNamingTheField() {
        assertEquals(FILTER + ".mutations.request_mutations[0].remove",
                refusedAt("mutations: { request_mutations: [{ remove: host }] }"));
        assertEquals(FILTER + ".mutations.request_mutations[0].append.header.key",
                refusedAt("mutations: { request_mutations: [{ append: { header: { key: \":path\", value: x } } }] }"));
        assertEquals(FILTER + ".mutations.response_mutations[0]",
                refusedAt("mutations: { response_mutations: [{}] }"));
        assertEquals(FILTER + ".mutations.query_parameter_mutations[0].append.record.key",
                refusedAt("mutations: { query_parameter_mutations: [{ append: { record: { value: v } } }] }"));
        assertEquals(FILTER + ".mutations.request_mutations[0].append.header.value",
                refusedAt("mutations: { request_mutations: [{ append: { header: { key: x, value: \"%NOPE%\" } } }] }"));
    }

    /** The connection manager's early header mutations: translated by this extension's rules, in order. */
    @Test
    void earlyHeaderMutations() {
        String early = "early_header_mutation_extensions: [{ name: e, typed_config: { \"@type\": type.googleapis.com/"
                + "envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation, mutations: [%s] } }]";
        String hcm = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";
        var model = new BootstrapLoader().loadString(HcmListenerYaml.listener(early.formatted(
                "{ remove: X-A }, { append: { header: { key: x-b, value: v } } }"), "route: { cluster: c1 }")
                + HcmListenerYaml.CLUSTER_C1, "test.yaml").model();
        List<HeaderMutationRule> rules = ((HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0)
                .terminalFilter()).earlyHeaderMutations();
        assertEquals(new HeaderMutationRule.Remove("x-a"), rules.get(0));
        assertEquals("x-b", assertInstanceOf(HeaderMutationRule.Append.class, rules.get(1)).option().key());
        assertEquals(hcm + ".early_header_mutation_extensions[0].typed_config.mutations[0].remove",
                assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(HcmListenerYaml.listener(
                        early.formatted("{ remove: \":path\" }"), "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1,
                        "test.yaml")).path());
        assertEquals(hcm + ".early_header_mutation_extensions[0].typed_config",
                assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(HcmListenerYaml.listener(
                        "early_header_mutation_extensions: [{ name: e, typed_config: { \"@type\": type.googleapis.com/"
                                + "google.protobuf.Struct } }]", "route: { cluster: c1 }") + HcmListenerYaml.CLUSTER_C1,
                        "test.yaml")).path());
    }
}

package io.remora.extensions.filters.http.header_mutation;

import io.remora.config.HeaderMutation.AppendAction;
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
        assertEquals(new HeaderMutationConfig.Remove("x-drop"), c.request().get(0));
        HeaderMutationConfig.Append a = assertInstanceOf(HeaderMutationConfig.Append.class, c.request().get(1));
        assertEquals(AppendAction.ADD_IF_ABSENT, a.option().action());
        assertEquals(1, c.response().size());
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
}

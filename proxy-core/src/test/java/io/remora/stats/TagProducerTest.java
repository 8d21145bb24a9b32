package io.remora.stats;

import io.micrometer.core.instrument.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TagProducerTest {

    /** A few of the rules pilot-agent writes (bootstrap-default.json), with use_all_default_tags false. */
    private static final List<TagProducer.Rule> ISTIO = List.of(
            new TagProducer.Rule("cluster_name", "^cluster(\\.(.+);)", null),
            new TagProducer.Rule("http_conn_manager_prefix",
                    "^http\\.(((?:[_.[:digit:]\\w]*|[_\\[\\]aAbBcCdDeEfF[:digit:]\\w\\:]*));\\.)", null),
            new TagProducer.Rule("response_code", "_rq(_(\\d{3}))$", null),
            new TagProducer.Rule("response_code_class", "_rq(_(\\dxx))$", null),
            new TagProducer.Rule("listener_address",
                    "^listener\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)", null),
            new TagProducer.Rule("mesh", null, "cluster.local"));

    @Test
    void istioRulesTakeTheClusterNameOutUpToTheSemicolon() {
        TagProducer p = new TagProducer(false, ISTIO);
        TagProducer.Extracted x = p.produce("cluster.outbound|80||a.ns.svc.cluster.local;.upstream_rq_200");
        assertEquals("cluster.upstream_rq", x.name());
        assertEquals(List.of(Tag.of("cluster_name", "outbound|80||a.ns.svc.cluster.local"), Tag.of("response_code", "200"),
                Tag.of("mesh", "cluster.local")), x.tags());
        assertEquals("cluster.upstream_rq", p.produce("cluster.xds-grpc;.upstream_rq_2xx").name());
        assertEquals(Tag.of("response_code_class", "2xx"), p.produce("cluster.xds-grpc;.upstream_rq_2xx").tags().get(1));
        // Without the delimiter the rule does not match and the name stays whole (Envoy's behaviour).
        assertEquals("cluster.plain.upstream_cx_total", p.produce("cluster.plain.upstream_cx_total").name());
        TagProducer.Extracted l = p.produce("listener.0.0.0.0_15006.downstream_cx_total");
        assertEquals("listener.downstream_cx_total", l.name());
        assertEquals(Tag.of("listener_address", "0.0.0.0_15006"), l.tags().get(0));
    }

    @Test
    void defaultsGiveEnvoysTagsAndTheFirstOfTwoSameNamedRulesWins() {
        TagProducer p = new TagProducer(true, List.of());
        TagProducer.Extracted x = p.produce("listener.10.0.0.1_80.http.ingress.downstream_rq_2xx");
        assertEquals("listener.http.downstream_rq_xx", x.name());
        assertEquals(List.of(Tag.of("envoy.response_code_class", "2"), Tag.of("envoy.http_conn_manager_prefix", "ingress"),
                Tag.of("envoy.listener_address", "10.0.0.1_80")), x.tags());
        assertEquals("http.downstream_rq_total", p.produce("http.ingress.downstream_rq_total").name());
        // A named rule without a regex brings in Envoy's default of that name only.
        TagProducer only = new TagProducer(false, List.of(new TagProducer.Rule("envoy.cluster_name", null, null)));
        assertEquals(new TagProducer.Extracted("cluster.upstream_rq_200", List.of(Tag.of("envoy.cluster_name", "a"))),
                only.produce("cluster.a.upstream_rq_200"));
    }
}

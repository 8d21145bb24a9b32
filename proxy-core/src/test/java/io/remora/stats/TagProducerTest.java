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

    /** Envoy's tag_extractor_impl_test RBAC cases (well_known_names.cc RBAC_PREFIX, RBAC_HTTP_PREFIX, RBAC_POLICY_NAME). */
    @Test
    void rbacStatsLoseTheirPrefixesAsEnvoysDo() {
        TagProducer p = new TagProducer(true, List.of());
        TagProducer.Extracted net = p.produce("my_rbac_prefix.rbac.allowed");
        assertEquals("rbac.allowed", net.name());
        assertEquals(List.of(Tag.of("envoy.rbac_prefix", "my_rbac_prefix")), net.tags());
        TagProducer.Extracted http = p.produce("http.hcm_prefix.rbac.prefix.allowed");
        assertEquals("http.rbac.allowed", http.name());
        assertEquals(java.util.Set.of(Tag.of("envoy.http_conn_manager_prefix", "hcm_prefix"),
                Tag.of("envoy.rbac_http_prefix", "prefix")), java.util.Set.copyOf(http.tags()));
        TagProducer.Extracted policy = p.produce("http.hcm_prefix.rbac.policy.my_rbac_policy.denied");
        assertEquals("http.rbac.policy.denied", policy.name());
        assertEquals(java.util.Set.of(Tag.of("envoy.http_conn_manager_prefix", "hcm_prefix"),
                Tag.of("envoy.rbac_policy_name", "my_rbac_policy")), java.util.Set.copyOf(policy.tags()));
        TagProducer.Extracted shadow = p.produce("http.hcm_prefix.rbac.prefix.policy.my_rbac_policy.shadow_allowed");
        assertEquals("http.rbac.policy.shadow_allowed", shadow.name());
        assertEquals(3, shadow.tags().size(), shadow.tags().toString());
        // A prefix without a dot is part of the stat's name.
        assertEquals("http.rbac.istio_dry_run_allow_shadow_allowed",
                p.produce("http.ingress.rbac.istio_dry_run_allow_shadow_allowed").name());
        // Istio's network RBAC prefix "tcp." is the first token of a tcp_prefix stat too: both take theirs.
        TagProducer.Extracted tcp = p.produce("tcp.rbac.denied");
        assertEquals("denied", tcp.name());
        assertEquals(List.of(Tag.of("envoy.rbac_prefix", "tcp"), Tag.of("envoy.tcp_prefix", "rbac")), tcp.tags());
        // A prefix of two tokens is no network RBAC prefix.
        assertEquals("a.b.rbac.allowed", p.produce("a.b.rbac.allowed").name());
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

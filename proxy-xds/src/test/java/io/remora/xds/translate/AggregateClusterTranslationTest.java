package io.remora.xds.translate;

import io.remora.config.ClusterConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.remora.xds.translate.DynamicForwardProxyTranslationTest.load;
import static io.remora.xds.translate.DynamicForwardProxyTranslationTest.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The aggregate cluster type as Envoy validates it. */
class AggregateClusterTranslationTest {

    /** Cluster c1 and the aggregate agg (list item 1) with these fields beside its cluster_type and this config. */
    static String bootstrap(String clusterFields, String typedConfig) {
        return HcmListenerYaml.listener("", "route: { cluster: agg }") + HcmListenerYaml.CLUSTER_C1 + """
                  - name: agg
                """ + clusterFields.indent(4) + """
                    cluster_type:
                      name: envoy.clusters.aggregate
                """ + typedConfig.indent(6);
    }

    static final String TYPED = """
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig
              clusters: [c1, later]
            """;

    @Test
    void membersInOrder() {
        ClusterConfig c = load(bootstrap("lb_policy: CLUSTER_PROVIDED", TYPED)).model().clusters().get("agg");
        assertEquals(ClusterConfig.DiscoveryType.AGGREGATE, c.type());
        assertEquals(List.of("c1", "later"), c.aggregateClusters());
        assertEquals(null, c.loadAssignment());
    }

    @Test
    void theTypedClusterProvidedPolicyIsAccepted() {
        ClusterConfig c = load(bootstrap("""
                lb_policy: LOAD_BALANCING_POLICY_CONFIG
                load_balancing_policy:
                  policies:
                  - typed_extension_config:
                      name: envoy.load_balancing_policies.cluster_provided
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.cluster_provided.v3.ClusterProvided }
                """, TYPED)).model().clusters().get("agg");
        assertEquals(List.of("c1", "later"), c.aggregateClusters());
    }

    @Test
    void anyOtherBalancingIsRefusedNamingTheField() {
        for (String fields : List.of("", "lb_policy: ROUND_ROBIN", "lb_policy: MAGLEV")) {
            TranslationException e = refused(bootstrap(fields, TYPED));
            assertTrue(e.getMessage().contains("static_resources.clusters[1].lb_policy"), e.getMessage());
        }
        TranslationException e = refused(bootstrap("""
                lb_policy: LOAD_BALANCING_POLICY_CONFIG
                load_balancing_policy:
                  policies:
                  - typed_extension_config:
                      name: envoy.load_balancing_policies.random
                      typed_config: { "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.random.v3.Random }
                """, TYPED));
        assertTrue(e.getMessage().contains("static_resources.clusters[1].load_balancing_policy"), e.getMessage());
    }

    @Test
    void atLeastOneClusterAndATypedConfig() {
        TranslationException e = refused(bootstrap("lb_policy: CLUSTER_PROVIDED", TYPED.replace("[c1, later]", "[]")));
        assertTrue(e.getMessage().contains("static_resources.clusters[1].cluster_type.typed_config.clusters"),
                e.getMessage());
        TranslationException missing = refused(bootstrap("lb_policy: CLUSTER_PROVIDED", ""));
        assertTrue(missing.getMessage().contains("clusters[1].cluster_type"), missing.getMessage());
    }
}

package io.remora.xds.translate;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.load_balancing_policies.subset.v3.Subset;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.LoadBalancingConfig;

/**
 * The typed {@code subset} policy: the cluster's {@code lb_subset_config} in extension form, run
 * by the same subsets, with {@code subset_lb_policy} (the first policy Remora knows) balancing
 * within each subset. A child Remora cannot run under subsets is refused by its field.
 */
final class TypedSubsetTranslator {

    private TypedSubsetTranslator() {
    }

    static TypedLbPolicyTranslator.Choice translate(Subset s, LoadBalancingConfig base, FieldPath path,
                                                    TranslationContext ctx) {
        FieldPath cp = path.field("subset_lb_policy");
        if (!s.hasSubsetLbPolicy()) {
            throw cp.error("missing required field");
        }
        TypedLbPolicyTranslator.Choice child = TypedLbPolicyTranslator.first(s.getSubsetLbPolicy(), base, cp, ctx,
                false);
        if (child == null) {
            throw cp.error("none of the subset load balancing policies is supported");
        }
        if (child.policy() == LbPolicy.CLUSTER_PROVIDED) {
            // Envoy's legacy path refuses CLUSTER_PROVIDED with subsets; Remora has no cluster balancer to nest.
            throw cp.error("cluster_provided cannot balance within subsets");
        }
        if (s.getAllowRedundantKeys()) {
            ctx.warnOnce("subset.allow_redundant_keys", "subset allow_redundant_keys is not supported (a route's"
                    + " metadata_match must name a selector's keys exactly), first at "
                    + path.field("allow_redundant_keys"));
        }
        return new TypedLbPolicyTranslator.Choice(child.policy(), child.choiceCount(), child.config(),
                SubsetTranslator.translate(legacy(s), path, ctx));
    }

    /**
     * The same config as the cluster's LbSubsetConfig: the typed message was made from it (its
     * previous_message_type) and keeps its field numbers, so the bytes read as one; the typed-only
     * fields (subset_lb_policy, allow_redundant_keys) are then unknown and dropped.
     */
    private static Cluster.LbSubsetConfig legacy(Subset s) {
        try {
            return Cluster.LbSubsetConfig.parseFrom(s.toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("Subset is wire compatible with LbSubsetConfig", e);
        }
    }
}

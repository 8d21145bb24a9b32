package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.remora.config.ClusterConfig;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A cluster's {@code lb_subset_config}; the options Remora does not act on are warned about. */
final class SubsetTranslator {

    private SubsetTranslator() {
    }

    static ClusterConfig.SubsetConfig translate(Cluster.LbSubsetConfig s, FieldPath path, TranslationContext ctx) {
        ClusterConfig.SubsetConfig.Fallback fallback = switch (s.getFallbackPolicy()) {
            case ANY_ENDPOINT -> ClusterConfig.SubsetConfig.Fallback.ANY_ENDPOINT;
            case DEFAULT_SUBSET -> ClusterConfig.SubsetConfig.Fallback.DEFAULT_SUBSET;
            default -> ClusterConfig.SubsetConfig.Fallback.NO_FALLBACK;
        };
        List<Set<String>> selectors = new ArrayList<>();
        for (int i = 0; i < s.getSubsetSelectorsCount(); i++) {
            var sel = s.getSubsetSelectors(i);
            FieldPath sp = path.field("subset_selectors").index(i);
            if (sel.getKeysCount() == 0) {
                throw sp.field("keys").error("must name at least one key");
            }
            selectors.add(new LinkedHashSet<>(sel.getKeysList()));
            if (sel.getSingleHostPerSubset()
                    || sel.getFallbackPolicy() != Cluster.LbSubsetConfig.LbSubsetSelector.LbSubsetSelectorFallbackPolicy.NOT_DEFINED) {
                warn(ctx, sp, "fallback_policy / single_host_per_subset",
                        "the cluster's fallback_policy applies to every selector");
            }
        }
        if (s.getLocalityWeightAware() || s.getScaleLocalityWeight() || s.getPanicModeAny() || s.getListAsAny()
                || s.getMetadataFallbackPolicy() != Cluster.LbSubsetConfig.LbSubsetMetadataFallbackPolicy.METADATA_NO_FALLBACK) {
            warn(ctx, path, "locality_weight_aware / scale_locality_weight / panic_mode_any / list_as_any /"
                    + " metadata_fallback_policy", "subsets are balanced by the cluster's policy alone");
        }
        return new ClusterConfig.SubsetConfig(fallback,
                s.hasDefaultSubset() ? Protos.structMap(s.getDefaultSubset()) : null, selectors);
    }

    private static void warn(TranslationContext ctx, FieldPath path, String fields, String effect) {
        ctx.warnOnce("lb_subset_config:" + fields, "lb_subset_config " + fields + " not supported (" + effect
                + "), first at " + path);
    }
}

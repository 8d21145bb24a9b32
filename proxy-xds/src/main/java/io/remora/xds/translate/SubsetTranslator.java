package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbSubsetConfig.LbSubsetSelector.LbSubsetSelectorFallbackPolicy;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.SubsetConfig;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A cluster's {@code lb_subset_config}; the options Remora does not act on are warned about. */
final class SubsetTranslator {

    private SubsetTranslator() {
    }

    static ClusterConfig.SubsetConfig translate(Cluster.LbSubsetConfig s, FieldPath path, TranslationContext ctx) {
        SubsetConfig.Fallback fallback = switch (s.getFallbackPolicy()) {
            case ANY_ENDPOINT -> SubsetConfig.Fallback.ANY_ENDPOINT;
            case DEFAULT_SUBSET -> SubsetConfig.Fallback.DEFAULT_SUBSET;
            default -> SubsetConfig.Fallback.NO_FALLBACK;
        };
        List<SubsetConfig.Selector> selectors = new ArrayList<>();
        for (int i = 0; i < s.getSubsetSelectorsCount(); i++) {
            var sel = s.getSubsetSelectors(i);
            FieldPath sp = path.field("subset_selectors").index(i);
            if (sel.getKeysCount() == 0) {
                throw sp.field("keys").error("must name at least one key");
            }
            Set<String> keys = new LinkedHashSet<>(sel.getKeysList());
            SubsetConfig.SelectorFallback policy = switch (sel.getFallbackPolicy()) {
                case NO_FALLBACK -> SubsetConfig.SelectorFallback.NO_FALLBACK;
                case ANY_ENDPOINT -> SubsetConfig.SelectorFallback.ANY_ENDPOINT;
                case DEFAULT_SUBSET -> SubsetConfig.SelectorFallback.DEFAULT_SUBSET;
                case KEYS_SUBSET -> SubsetConfig.SelectorFallback.KEYS_SUBSET;
                default -> SubsetConfig.SelectorFallback.NOT_DEFINED;
            };
            Set<String> fallbackKeys = new LinkedHashSet<>(sel.getFallbackKeysSubsetList());
            if (sel.getFallbackPolicy() == LbSubsetSelectorFallbackPolicy.KEYS_SUBSET) {
                // Envoy's checks: a proper, non-empty subset, so the fallback lookup always narrows.
                FieldPath kp = sp.field("fallback_keys_subset");
                if (fallbackKeys.isEmpty()) {
                    throw kp.error("fallback_keys_subset cannot be empty");
                }
                if (!keys.containsAll(fallbackKeys)) {
                    throw kp.error("fallback_keys_subset must be a subset of selector keys");
                }
                if (fallbackKeys.size() == keys.size()) {
                    throw kp.error("fallback_keys_subset cannot be equal to keys");
                }
            }
            selectors.add(new SubsetConfig.Selector(keys, policy, fallbackKeys));
            if (sel.getSingleHostPerSubset()) {
                warn(ctx, sp, "single_host_per_subset", "subsets are balanced by the cluster's policy");
            }
        }
        if (s.getLocalityWeightAware() || s.getScaleLocalityWeight() || s.getPanicModeAny()
                || s.getMetadataFallbackPolicy() != Cluster.LbSubsetConfig.LbSubsetMetadataFallbackPolicy.METADATA_NO_FALLBACK) {
            warn(ctx, path, "locality_weight_aware / scale_locality_weight / panic_mode_any /"
                    + " metadata_fallback_policy", "subsets are balanced by the cluster's policy alone");
        }
        return new SubsetConfig(fallback, s.hasDefaultSubset() ? Protos.structMap(s.getDefaultSubset()) : null,
                selectors, s.getListAsAny());
    }

    private static void warn(TranslationContext ctx, FieldPath path, String fields, String effect) {
        ctx.warnOnce("lb_subset_config:" + fields, "lb_subset_config " + fields + " not supported (" + effect
                + "), first at " + path);
    }
}

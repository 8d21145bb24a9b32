package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbSubsetConfig.LbSubsetSelector.LbSubsetSelectorFallbackPolicy;
import io.remora.config.SubsetConfig;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A cluster's {@code lb_subset_config}, checked as Envoy checks it. */
final class SubsetTranslator {

    private SubsetTranslator() {
    }

    static SubsetConfig translate(Cluster.LbSubsetConfig s, FieldPath path, TranslationContext ctx) {
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
            if (sel.getFallbackPolicy() != LbSubsetSelectorFallbackPolicy.KEYS_SUBSET && !fallbackKeys.isEmpty()) {
                throw sp.field("fallback_keys_subset").error(
                        "fallback_keys_subset can be set only for KEYS_SUBSET fallback_policy");
            }
            selectors.add(new SubsetConfig.Selector(keys, policy, fallbackKeys, sel.getSingleHostPerSubset()));
        }
        if (s.getScaleLocalityWeight() && !s.getLocalityWeightAware()) {
            warn(ctx, path.field("scale_locality_weight"), "scale_locality_weight without locality_weight_aware",
                    "no effect: subsets do not weigh localities");
        }
        return SubsetConfig.builder().fallback(fallback)
                .defaultSubset(s.hasDefaultSubset() ? Protos.structMap(s.getDefaultSubset()) : null)
                .selectors(selectors).listAsAny(s.getListAsAny()).panicModeAny(s.getPanicModeAny())
                .fallbackList(s.getMetadataFallbackPolicy()
                        == Cluster.LbSubsetConfig.LbSubsetMetadataFallbackPolicy.FALLBACK_LIST)
                .localityWeightAware(s.getLocalityWeightAware())
                .scaleLocalityWeight(s.getScaleLocalityWeight() && s.getLocalityWeightAware()).build();
    }

    private static void warn(TranslationContext ctx, FieldPath path, String what, String effect) {
        ctx.warnOnce("lb_subset_config:" + what, "lb_subset_config " + what + " (" + effect + "), first at " + path);
    }
}

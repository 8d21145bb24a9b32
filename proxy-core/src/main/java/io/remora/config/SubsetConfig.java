package io.remora.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A cluster's {@code lb_subset_config}: a route's {@code metadata_match} picks among the hosts whose
 * {@code envoy.lb} metadata has those values, when one of {@code selectors} names exactly its
 * keys; otherwise, and for requests without criteria, the fallback decides.
 *
 * @param selectors           {@code subset_selectors}: each a set of keys subsets are made for
 * @param defaultSubset       {@code default_subset}: the hosts DEFAULT_SUBSET falls back to
 * @param listAsAny           {@code list_as_any}: a host whose value is a list is in the subset of each element
 * @param panicModeAny        {@code panic_mode_any}: when the cluster's fallback finds no host, any host
 * @param fallbackList        {@code metadata_fallback_policy: FALLBACK_LIST}: a {@code fallback_list}
 *                            criterion is a list of criteria tried in order
 * @param localityWeightAware {@code locality_weight_aware}: subsets keep the localities' weights
 * @param scaleLocalityWeight {@code scale_locality_weight}: with the above, each locality's weight
 *                            scaled by the share of its hosts the subset holds
 */
public record SubsetConfig(Fallback fallback, Map<String, Object> defaultSubset, List<Selector> selectors,
                           boolean listAsAny, boolean panicModeAny, boolean fallbackList,
                           boolean localityWeightAware, boolean scaleLocalityWeight) {
    public SubsetConfig {
        fallback = fallback == null ? Fallback.NO_FALLBACK : fallback;
        defaultSubset = defaultSubset == null ? Map.of() : Map.copyOf(defaultSubset);
        selectors = selectors == null ? List.of() : List.copyOf(selectors);
    }

    /** The {@code fallback_list} criterion FALLBACK_LIST reads. */
    public static final String FALLBACK_LIST_KEY = "fallback_list";

    public static Builder builder() {
        return new Builder();
    }

    /** {@code fallback_policy}. */
    public enum Fallback { NO_FALLBACK, ANY_ENDPOINT, DEFAULT_SUBSET }

    /** A selector's own {@code fallback_policy}; NOT_DEFINED defers to the cluster's. */
    public enum SelectorFallback { NOT_DEFINED, NO_FALLBACK, ANY_ENDPOINT, DEFAULT_SUBSET, KEYS_SUBSET }

    /**
     * One of {@code subset_selectors}.
     *
     * @param fallbackKeysSubset  KEYS_SUBSET's {@code fallback_keys_subset}: the keys kept when no
     *                            subset has the request's values (a proper subset of {@code keys})
     * @param singleHostPerSubset {@code single_host_per_subset}: each subset is its first host
     *                            (lowest priority first), taken whatever its health
     */
    public record Selector(Set<String> keys, SelectorFallback fallback, Set<String> fallbackKeysSubset,
                           boolean singleHostPerSubset) {
        public Selector {
            keys = Set.copyOf(keys);
            fallbackKeysSubset = fallbackKeysSubset == null ? Set.of() : Set.copyOf(fallbackKeysSubset);
        }

        public Selector(Set<String> keys, SelectorFallback fallback, Set<String> fallbackKeysSubset) {
            this(keys, fallback, fallbackKeysSubset, false);
        }

        /** A selector that takes the cluster's fallback. */
        public static Selector of(Set<String> keys) {
            return new Selector(keys, SelectorFallback.NOT_DEFINED, null);
        }
    }

    public static final class Builder {
        private Fallback fallback = Fallback.NO_FALLBACK;
        private Map<String, Object> defaultSubset = Map.of();
        private List<Selector> selectors = List.of();
        private boolean listAsAny;
        private boolean panicModeAny;
        private boolean fallbackList;
        private boolean localityWeightAware;
        private boolean scaleLocalityWeight;

        private Builder() {
        }

        public Builder fallback(Fallback v) {
            fallback = v;
            return this;
        }

        public Builder defaultSubset(Map<String, Object> v) {
            defaultSubset = v;
            return this;
        }

        public Builder selectors(List<Selector> v) {
            selectors = v;
            return this;
        }

        public Builder listAsAny(boolean v) {
            listAsAny = v;
            return this;
        }

        public Builder panicModeAny(boolean v) {
            panicModeAny = v;
            return this;
        }

        public Builder fallbackList(boolean v) {
            fallbackList = v;
            return this;
        }

        public Builder localityWeightAware(boolean v) {
            localityWeightAware = v;
            return this;
        }

        public Builder scaleLocalityWeight(boolean v) {
            scaleLocalityWeight = v;
            return this;
        }

        public SubsetConfig build() {
            return new SubsetConfig(fallback, defaultSubset, selectors, listAsAny, panicModeAny, fallbackList,
                    localityWeightAware, scaleLocalityWeight);
        }
    }
}

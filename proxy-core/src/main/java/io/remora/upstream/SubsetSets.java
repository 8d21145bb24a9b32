package io.remora.upstream;

import io.remora.config.ClusterConfig.SubsetConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Envoy's subset load balancer over one host set: for each of {@code subset_selectors}, the hosts
 * grouped by their {@code envoy.lb} values for its keys (with {@code list_as_any}, a list value
 * puts the host in the group of each element), each group a {@link PrioritySet} of its own
 * (priorities kept, the cluster's policy and panic threshold). A request whose
 * {@code metadata_match} names exactly a selector's keys picks from the group with its values;
 * when no host has them, the selector's own {@code fallback_policy} decides (KEYS_SUBSET tries
 * again with fewer keys), else the cluster's: no host, the whole cluster, or {@code default_subset}.
 * A request without criteria, or naming keys no selector has, takes the cluster's fallback.
 * Rebuilt with the host set, so health is as current.
 */
final class SubsetSets {

    private final SubsetConfig config;
    private final PrioritySet any;
    /** DEFAULT_SUBSET's hosts; null when no fallback names it. */
    private final PrioritySet defaultSubset;
    private final Map<Set<String>, Map<Map<String, Object>, PrioritySet>> bySelector;
    private final Map<Set<String>, SubsetConfig.Selector> selectors;

    private SubsetSets(SubsetConfig config, PrioritySet any, PrioritySet defaultSubset,
                       Map<Set<String>, Map<Map<String, Object>, PrioritySet>> bySelector,
                       Map<Set<String>, SubsetConfig.Selector> selectors) {
        this.config = config;
        this.any = any;
        this.defaultSubset = defaultSubset;
        this.bySelector = bySelector;
        this.selectors = selectors;
    }

    /**
     * @param levels the host set's hosts per priority
     * @param make   a priority set over these levels, built as the cluster builds its own
     */
    static SubsetSets build(SubsetConfig config, PrioritySet any, List<List<Host>> levels,
                            Function<List<List<Host>>, PrioritySet> make) {
        Map<Set<String>, Map<Map<String, Object>, PrioritySet>> bySelector = new HashMap<>();
        Map<Set<String>, SubsetConfig.Selector> selectors = new HashMap<>();
        boolean defaultNeeded = config.fallback() == SubsetConfig.Fallback.DEFAULT_SUBSET;
        for (SubsetConfig.Selector selector : config.selectors()) {
            Set<String> keys = selector.keys();
            if (keys.isEmpty() || bySelector.containsKey(keys)) {
                continue;
            }
            selectors.put(keys, selector);
            defaultNeeded |= selector.fallback() == SubsetConfig.SelectorFallback.DEFAULT_SUBSET;
            Map<Map<String, Object>, List<List<Host>>> groups = new LinkedHashMap<>();
            for (int p = 0; p < levels.size(); p++) {
                for (Host h : levels.get(p)) {
                    for (Map<String, Object> values : valuesOf(h.lbMetadata(), keys, config.listAsAny())) {
                        levelsOf(groups.computeIfAbsent(values, v -> new ArrayList<>()), p).add(h);
                    }
                }
            }
            Map<Map<String, Object>, PrioritySet> sets = new HashMap<>();
            groups.forEach((values, lv) -> sets.put(values, make.apply(lv)));
            bySelector.put(keys, sets);
        }
        PrioritySet defaults = null;
        if (defaultNeeded) {
            List<List<Host>> lv = new ArrayList<>();
            for (int p = 0; p < levels.size(); p++) {
                for (Host h : levels.get(p)) {
                    if (matches(h.lbMetadata(), config.defaultSubset(), config.listAsAny())) {
                        levelsOf(lv, p).add(h);
                    }
                }
            }
            defaults = make.apply(lv);
        }
        return new SubsetSets(config, any, defaults, bySelector, selectors);
    }

    private static List<Host> levelsOf(List<List<Host>> levels, int priority) {
        while (levels.size() <= priority) {
            levels.add(new ArrayList<>());
        }
        return levels.get(priority);
    }

    /**
     * The value combinations under which the host is grouped for these keys: none when it lacks
     * one; with {@code listAsAny}, one per element of each list value (their product).
     */
    private static List<Map<String, Object>> valuesOf(Map<String, Object> metadata, Set<String> keys, boolean listAsAny) {
        List<Map<String, Object>> combos = new ArrayList<>();
        combos.add(new HashMap<>());
        for (String k : keys) {
            Object v = metadata.get(k);
            if (v == null) {
                return List.of();
            }
            List<?> options = listAsAny && v instanceof List<?> l ? l : List.of(v);
            List<Map<String, Object>> next = new ArrayList<>(combos.size() * options.size());
            for (Map<String, Object> c : combos) {
                for (Object o : options) {
                    Map<String, Object> m = new HashMap<>(c);
                    m.put(k, o);
                    next.add(m);
                }
            }
            combos = next;
        }
        List<Map<String, Object>> out = new ArrayList<>(combos.size());
        for (Map<String, Object> c : combos) {
            out.add(Map.copyOf(c));
        }
        return out;
    }

    private static boolean matches(Map<String, Object> metadata, Map<String, Object> wanted, boolean listAsAny) {
        for (Map.Entry<String, Object> e : wanted.entrySet()) {
            Object have = metadata.get(e.getKey());
            boolean ok = e.getValue().equals(have)
                    || listAsAny && have instanceof List<?> l && l.contains(e.getValue());
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    Host pick(LoadBalancerContext context, LocalZone zone, ZoneStats stats) {
        Map<String, Object> criteria = context == null ? null : context.metadataMatch();
        if (criteria == null || criteria.isEmpty()) {
            return clusterFallback(context, zone, stats);
        }
        return pick(criteria, context, zone, stats);
    }

    /** The subset of {@code criteria}'s values, else its selector's fallback, else the cluster's. */
    private Host pick(Map<String, Object> criteria, LoadBalancerContext context, LocalZone zone, ZoneStats stats) {
        Map<Map<String, Object>, PrioritySet> sets = bySelector.get(criteria.keySet());
        PrioritySet subset = sets == null ? null : sets.get(criteria);
        if (subset != null) {
            return subset.pick(context, zone, stats);
        }
        SubsetConfig.Selector selector = selectors.get(criteria.keySet());
        SubsetConfig.SelectorFallback fallback = selector == null ? SubsetConfig.SelectorFallback.NOT_DEFINED
                : selector.fallback();
        return switch (fallback) {
            case NOT_DEFINED -> clusterFallback(context, zone, stats);
            case NO_FALLBACK -> null;
            case ANY_ENDPOINT -> any.pick(context, zone, stats);
            case DEFAULT_SUBSET -> defaultSubset.pick(context, zone, stats);
            case KEYS_SUBSET -> {
                // Strictly fewer keys than the selector (checked at translation): this ends.
                Map<String, Object> fewer = new HashMap<>();
                for (String k : selector.fallbackKeysSubset()) {
                    fewer.put(k, criteria.get(k));
                }
                yield pick(fewer, context, zone, stats);
            }
        };
    }

    private Host clusterFallback(LoadBalancerContext context, LocalZone zone, ZoneStats stats) {
        return switch (config.fallback()) {
            case NO_FALLBACK -> null;
            case ANY_ENDPOINT -> any.pick(context, zone, stats);
            case DEFAULT_SUBSET -> defaultSubset.pick(context, zone, stats);
        };
    }
}

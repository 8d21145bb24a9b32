package io.remora.upstream;

import io.remora.config.ClusterConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Envoy's subset load balancer over one host set: for each of {@code subset_selectors}, the hosts
 * grouped by their {@code envoy.lb} values for its keys, each group a {@link PrioritySet} of its
 * own (priorities kept, the cluster's policy and panic threshold). A request whose
 * {@code metadata_match} names exactly a selector's keys picks from the group with its values;
 * any other request, or one naming values no host has, takes the fallback: no host, the whole
 * cluster, or {@code default_subset}. Rebuilt with the host set, so health is as current.
 */
final class SubsetSets {

    private final ClusterConfig.SubsetConfig config;
    private final PrioritySet any;
    /** DEFAULT_SUBSET's hosts; null for the other fallbacks. */
    private final PrioritySet defaultSubset;
    private final Map<Set<String>, Map<Map<String, Object>, PrioritySet>> bySelector;

    private SubsetSets(ClusterConfig.SubsetConfig config, PrioritySet any, PrioritySet defaultSubset,
                       Map<Set<String>, Map<Map<String, Object>, PrioritySet>> bySelector) {
        this.config = config;
        this.any = any;
        this.defaultSubset = defaultSubset;
        this.bySelector = bySelector;
    }

    /**
     * @param levels the host set's hosts per priority
     * @param make   a priority set over these levels, built as the cluster builds its own
     */
    static SubsetSets build(ClusterConfig.SubsetConfig config, PrioritySet any, List<List<Host>> levels,
                            Function<List<List<Host>>, PrioritySet> make) {
        Map<Set<String>, Map<Map<String, Object>, PrioritySet>> bySelector = new HashMap<>();
        for (Set<String> keys : config.selectors()) {
            if (keys.isEmpty() || bySelector.containsKey(keys)) {
                continue;
            }
            Map<Map<String, Object>, List<List<Host>>> groups = new LinkedHashMap<>();
            for (int p = 0; p < levels.size(); p++) {
                for (Host h : levels.get(p)) {
                    Map<String, Object> values = valuesOf(h.lbMetadata(), keys);
                    if (values != null) {
                        levelsOf(groups.computeIfAbsent(values, v -> new ArrayList<>()), p).add(h);
                    }
                }
            }
            Map<Map<String, Object>, PrioritySet> sets = new HashMap<>();
            groups.forEach((values, lv) -> sets.put(values, make.apply(lv)));
            bySelector.put(keys, sets);
        }
        PrioritySet defaults = null;
        if (config.fallback() == ClusterConfig.SubsetConfig.Fallback.DEFAULT_SUBSET) {
            List<List<Host>> lv = new ArrayList<>();
            for (int p = 0; p < levels.size(); p++) {
                for (Host h : levels.get(p)) {
                    if (matches(h.lbMetadata(), config.defaultSubset())) {
                        levelsOf(lv, p).add(h);
                    }
                }
            }
            defaults = make.apply(lv);
        }
        return new SubsetSets(config, any, defaults, bySelector);
    }

    private static List<Host> levelsOf(List<List<Host>> levels, int priority) {
        while (levels.size() <= priority) {
            levels.add(new ArrayList<>());
        }
        return levels.get(priority);
    }

    /** The host's values for these keys, or null when it lacks one. */
    private static Map<String, Object> valuesOf(Map<String, Object> metadata, Set<String> keys) {
        Map<String, Object> values = new HashMap<>();
        for (String k : keys) {
            Object v = metadata.get(k);
            if (v == null) {
                return null;
            }
            values.put(k, v);
        }
        return Map.copyOf(values);
    }

    private static boolean matches(Map<String, Object> metadata, Map<String, Object> wanted) {
        for (Map.Entry<String, Object> e : wanted.entrySet()) {
            if (!e.getValue().equals(metadata.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    Host pick(LoadBalancerContext context, LocalZone zone, ZoneStats stats) {
        Map<String, Object> criteria = context == null ? null : context.metadataMatch();
        if (criteria != null && !criteria.isEmpty()) {
            Map<Map<String, Object>, PrioritySet> sets = bySelector.get(criteria.keySet());
            PrioritySet subset = sets == null ? null : sets.get(criteria);
            if (subset != null) {
                return subset.pick(context, zone, stats);
            }
        }
        return switch (config.fallback()) {
            case NO_FALLBACK -> null;
            case ANY_ENDPOINT -> any.pick(context, zone, stats);
            case DEFAULT_SUBSET -> defaultSubset.pick(context, zone, stats);
        };
    }
}

package io.remora.upstream;

import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.SubsetConfig;
import io.remora.stats.LbSubsetStats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Envoy's subset load balancer over one host set: for each of {@code subset_selectors}, the hosts
 * grouped by their {@code envoy.lb} values for its keys (with {@code list_as_any}, a list value
 * puts the host in the group of each element), each group a {@link PrioritySet} of its own
 * (priorities kept, the cluster's policy and panic threshold). A request whose
 * {@code metadata_match} names exactly a selector's keys picks from the group with its values;
 * when no host has them, the selector's own {@code fallback_policy} decides (KEYS_SUBSET tries
 * again with fewer keys), else the cluster's: no host, the whole cluster, or {@code default_subset}.
 * A request without criteria, or naming keys no selector has, takes the cluster's fallback;
 * with {@code panic_mode_any}, a fallback that finds no host gives way to the whole cluster. A
 * {@code single_host_per_subset} selector's subsets are each one host, taken whatever its health;
 * with FALLBACK_LIST, a {@code fallback_list} criterion is a list of criteria overriding the others,
 * tried in order. Rebuilt with the host set, so health is as current.
 */
final class SubsetSets {

    private final SubsetConfig config;
    private final PrioritySet any;
    /** DEFAULT_SUBSET's hosts; null when no fallback names it. */
    private final PrioritySet defaultSubset;
    private final Map<Set<String>, Map<Map<String, Object>, PrioritySet>> bySelector;
    private final Map<Set<String>, SubsetConfig.Selector> selectors;
    /** single_host_per_subset selectors' subsets: each its one host. */
    private final Map<Set<String>, Map<Map<String, Object>, Host>> singleBySelector;
    private final LbSubsetStats stats;
    /** FALLBACK_LIST: each criteria with a fallback_list, as the criteria it stands for. */
    private final Map<Map<String, Object>, List<Map<String, Object>>> expandedFallbacks = new ConcurrentHashMap<>();

    private SubsetSets(SubsetConfig config, PrioritySet any, PrioritySet defaultSubset,
                       Map<Set<String>, Map<Map<String, Object>, PrioritySet>> bySelector,
                       Map<Set<String>, SubsetConfig.Selector> selectors,
                       Map<Set<String>, Map<Map<String, Object>, Host>> singleBySelector, LbSubsetStats stats) {
        this.config = config;
        this.any = any;
        this.defaultSubset = defaultSubset;
        this.bySelector = bySelector;
        this.selectors = selectors;
        this.singleBySelector = singleBySelector;
        this.stats = stats;
    }

    /**
     * @param any     the cluster's own priority set
     * @param levels  the host set's hosts per priority
     * @param weights the cluster's locality weights per priority (empty when it does not weigh localities)
     * @param make    a priority set over these levels with these locality weights, built as the cluster builds its own
     * @param stats   the cluster's {@code lb_subsets_*} stats, or null
     */
    static SubsetSets build(SubsetConfig config, PrioritySet any, List<List<Host>> levels,
                            Map<Integer, Map<Locality, Integer>> weights,
                            BiFunction<List<List<Host>>, Map<Integer, Map<Locality, Integer>>, PrioritySet> make,
                            LbSubsetStats stats) {
        Function<List<List<Host>>, PrioritySet> subsetOf = lv -> make.apply(lv, subsetWeights(config, weights, levels, lv));
        Map<Set<String>, Map<Map<String, Object>, PrioritySet>> bySelector = new HashMap<>();
        Map<Set<String>, Map<Map<String, Object>, Host>> singleBySelector = new HashMap<>();
        Map<Set<String>, SubsetConfig.Selector> selectors = new HashMap<>();
        boolean defaultNeeded = config.fallback() == SubsetConfig.Fallback.DEFAULT_SUBSET;
        long duplicates = 0;
        for (SubsetConfig.Selector selector : config.selectors()) {
            Set<String> keys = selector.keys();
            if (keys.isEmpty() || selectors.containsKey(keys)) {
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
            if (selector.singleHostPerSubset()) {
                Map<Map<String, Object>, Host> single = new HashMap<>();
                for (Map.Entry<Map<String, Object>, List<List<Host>>> g : groups.entrySet()) {
                    // Envoy keeps the first host of each priority and answers with the lowest
                    // priority's; the others of a priority are duplicates, counted.
                    for (List<Host> level : g.getValue()) {
                        if (!level.isEmpty()) {
                            single.putIfAbsent(g.getKey(), level.get(0));
                            duplicates += level.size() - 1;
                        }
                    }
                }
                singleBySelector.put(keys, single);
                continue;
            }
            Map<Map<String, Object>, PrioritySet> sets = new HashMap<>();
            groups.forEach((values, lv) -> sets.put(values, subsetOf.apply(lv)));
            bySelector.put(keys, sets);
        }
        if (stats != null) {
            stats.singleHostPerSubsetDuplicates(duplicates);
            Set<Object> made = new java.util.HashSet<>();
            bySelector.forEach((keys, sets) -> sets.keySet().forEach(values -> made.add(List.of(keys, values))));
            singleBySelector.forEach((keys, hosts) -> hosts.keySet().forEach(values -> made.add(List.of(keys, values))));
            stats.subsets(made);
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
            defaults = subsetOf.apply(lv);
        }
        // As Envoy's any-endpoint subset: the localities weigh only when the subsets' do.
        PrioritySet anySet = weights.isEmpty() || config.localityWeightAware() ? any : make.apply(levels, Map.of());
        return new SubsetSets(config, anySet, defaults, bySelector, selectors, singleBySelector, stats);
    }

    /**
     * A subset's locality weights (Envoy's determineLocalityWeights): none unless
     * {@code locality_weight_aware}; with {@code scale_locality_weight}, each locality's weight times
     * the share of its hosts in the subset, rounded.
     */
    static Map<Integer, Map<Locality, Integer>> subsetWeights(SubsetConfig config,
                                                              Map<Integer, Map<Locality, Integer>> weights,
                                                              List<List<Host>> levels, List<List<Host>> subset) {
        if (!config.localityWeightAware() || weights.isEmpty()) {
            return Map.of();
        }
        if (!config.scaleLocalityWeight()) {
            return weights;
        }
        Map<Integer, Map<Locality, Integer>> scaled = new HashMap<>();
        for (int p = 0; p < subset.size(); p++) {
            Map<Locality, Integer> original = weights.getOrDefault(p, Map.of());
            Map<Locality, Integer> all = countByLocality(levels.get(p));
            Map<Locality, Integer> mine = countByLocality(subset.get(p));
            Map<Locality, Integer> out = new HashMap<>();
            original.forEach((locality, w) -> {
                int total = all.getOrDefault(locality, 0);
                if (total > 0) {
                    out.put(locality, Math.round((float) w * mine.getOrDefault(locality, 0) / total));
                }
            });
            scaled.put(p, out);
        }
        return scaled;
    }

    private static Map<Locality, Integer> countByLocality(List<Host> hosts) {
        Map<Locality, Integer> counts = new HashMap<>();
        for (Host h : hosts) {
            counts.merge(h.locality(), 1, Integer::sum);
        }
        return counts;
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

    Host pick(LoadBalancerContext context, LocalZone zone, ZoneStats zoneStats) {
        Map<String, Object> criteria = context == null ? null : context.metadataMatch();
        if (criteria == null || criteria.isEmpty()) {
            return clusterFallback(context, zone, zoneStats);
        }
        if (config.fallbackList() && criteria.containsKey(SubsetConfig.FALLBACK_LIST_KEY)) {
            // Envoy: the first of the list's criteria that yields a host; none when none does.
            for (Map<String, Object> c : expandedFallbacks.computeIfAbsent(criteria, SubsetSets::fallbacks)) {
                Host h = pick(c, context, zone, zoneStats);
                if (h != null) {
                    return h;
                }
            }
            return null;
        }
        return pick(criteria, context, zone, zoneStats);
    }

    /**
     * The criteria a {@code fallback_list} stands for: the others overridden by each entry of the
     * list in turn; the others alone when the list is empty (or not a list).
     */
    private static List<Map<String, Object>> fallbacks(Map<String, Object> criteria) {
        Map<String, Object> base = new HashMap<>(criteria);
        Object list = base.remove(SubsetConfig.FALLBACK_LIST_KEY);
        if (!(list instanceof List<?> entries) || entries.isEmpty()) {
            return List.of(Map.copyOf(base));
        }
        List<Map<String, Object>> out = new ArrayList<>(entries.size());
        for (Object entry : entries) {
            Map<String, Object> merged = new HashMap<>(base);
            if (entry instanceof Map<?, ?> m) {
                m.forEach((k, v) -> merged.put((String) k, v));
            }
            out.add(Map.copyOf(merged));
        }
        return List.copyOf(out);
    }

    /** The subset of {@code criteria}'s values, else its selector's fallback, else the cluster's. */
    private Host pick(Map<String, Object> criteria, LoadBalancerContext context, LocalZone zone, ZoneStats zoneStats) {
        Map<Map<String, Object>, PrioritySet> sets = bySelector.get(criteria.keySet());
        PrioritySet subset = sets == null ? null : sets.get(criteria);
        if (subset != null) {
            count(stats == null ? null : stats.selected);
            return subset.pick(context, zone, zoneStats);
        }
        Map<Map<String, Object>, Host> single = singleBySelector.get(criteria.keySet());
        Host only = single == null ? null : single.get(criteria);
        if (only != null) {
            count(stats == null ? null : stats.selected);
            return only;
        }
        SubsetConfig.Selector selector = selectors.get(criteria.keySet());
        SubsetConfig.SelectorFallback fallback = selector == null ? SubsetConfig.SelectorFallback.NOT_DEFINED
                : selector.fallback();
        return switch (fallback) {
            case NOT_DEFINED -> clusterFallback(context, zone, zoneStats);
            case NO_FALLBACK -> null;
            case ANY_ENDPOINT -> any.pick(context, zone, zoneStats);
            case DEFAULT_SUBSET -> defaultSubset.pick(context, zone, zoneStats);
            case KEYS_SUBSET -> {
                // Strictly fewer keys than the selector (checked at translation): this ends.
                Map<String, Object> fewer = new HashMap<>();
                for (String k : selector.fallbackKeysSubset()) {
                    fewer.put(k, criteria.get(k));
                }
                yield pick(fewer, context, zone, zoneStats);
            }
        };
    }

    /** The cluster's fallback_policy; with panic_mode_any, any host when that finds none. */
    private Host clusterFallback(LoadBalancerContext context, LocalZone zone, ZoneStats zoneStats) {
        PrioritySet fallback = switch (config.fallback()) {
            case NO_FALLBACK -> null;
            case ANY_ENDPOINT -> any;
            case DEFAULT_SUBSET -> defaultSubset;
        };
        if (fallback == null) {
            return null;
        }
        Host h = fallback.pick(context, zone, zoneStats);
        if (h != null) {
            count(stats == null ? null : stats.fallback);
            return h;
        }
        if (config.panicModeAny()) {
            h = any.pick(context, zone, zoneStats);
            if (h != null) {
                count(stats == null ? null : stats.fallbackPanic);
            }
        }
        return h;
    }

    private static void count(io.micrometer.core.instrument.Counter c) {
        if (c != null) {
            c.increment();
        }
    }
}

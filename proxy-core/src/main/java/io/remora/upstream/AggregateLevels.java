package io.remora.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ToIntFunction;

/**
 * An aggregate cluster's linearized priority set (Envoy's {@code linearizePrioritySet}): the
 * non-empty priorities of its members, member by member in list order, with Envoy's priority
 * load over them. Immutable; built from the members' host sets of one moment and replaced when
 * any of them changes.
 */
final class AggregateLevels {
    static final AggregateLevels EMPTY = build(new ClusterImpl[0], PrioritySet.PANIC_THRESHOLD);

    /** The members found (null: not defined, or not a cluster with hosts) and the host sets used. */
    private final ClusterImpl[] members;
    private final PrioritySet[] sets;
    /** Per member: its priority to this set's level, -1 for an empty priority. */
    private final int[][] levelOf;
    private final int[] health;
    private final int[] degraded;
    private final PriorityLoad load;
    /** Per cumulative-load slot (healthy levels, then degraded levels): the pick that serves it. */
    private final AggregateMember[] picks;
    /** A tried host's level, for the previous_priorities retry priority; made once, not per pick. */
    final ToIntFunction<Host> levelOfHost = this::levelOf;

    private AggregateLevels(ClusterImpl[] members, PrioritySet[] sets, int[][] levelOf, int[] health, int[] degraded,
                            PriorityLoad load, AggregateMember[] picks) {
        this.members = members;
        this.sets = sets;
        this.levelOf = levelOf;
        this.health = health;
        this.degraded = degraded;
        this.load = load;
        this.picks = picks;
    }

    /** @param panicThreshold the aggregate cluster's own {@code healthy_panic_threshold}, as Envoy's aggregate balancer uses */
    static AggregateLevels build(ClusterImpl[] members, double panicThreshold) {
        PrioritySet[] sets = new PrioritySet[members.length];
        int[][] levelOf = new int[members.length][];
        // per level: {member index, member priority}
        List<int[]> levels = new ArrayList<>();
        for (int m = 0; m < members.length; m++) {
            PrioritySet set = members[m] == null ? PrioritySet.EMPTY : members[m].prioritySet();
            sets[m] = set;
            levelOf[m] = new int[set.priorityCount()];
            for (int p = 0; p < set.priorityCount(); p++) {
                // As Envoy's linearization: a priority without hosts is no level.
                levelOf[m][p] = set.levelSize(p) > 0 ? levels.size() : -1;
                if (set.levelSize(p) > 0) {
                    levels.add(new int[] {m, p});
                }
            }
        }
        int n = levels.size();
        int[] health = new int[n];
        int[] degraded = new int[n];
        int[] sizes = new int[n];
        int[] counted = new int[n];
        int[] available = new int[n];
        AggregateMember[] picks = new AggregateMember[2 * n];
        for (int l = 0; l < n; l++) {
            int m = levels.get(l)[0];
            int p = levels.get(l)[1];
            PrioritySet set = sets[m];
            health[l] = set.health(p);
            degraded[l] = set.degradedAvailability(p);
            sizes[l] = set.levelSize(p);
            counted[l] = set.countedSize(p);
            available[l] = set.availableCount(p);
            picks[l] = new AggregateMember(members[m], PriorityLoad.forced(set.priorityCount(), p, false));
            picks[n + l] = new AggregateMember(members[m], PriorityLoad.forced(set.priorityCount(), p, true));
        }
        return new AggregateLevels(members, sets, levelOf, health, degraded,
                PriorityLoad.compute(health, degraded, sizes, counted, available, panicThreshold), picks);
    }

    /** Whether this set was built from exactly these members and their current host sets. */
    boolean current(ClusterImpl[] members) {
        if (members != this.members) {
            return false;
        }
        for (int m = 0; m < members.length; m++) {
            if (members[m] != null && members[m].prioritySet() != sets[m]) {
                return false;
            }
        }
        return true;
    }

    int levelCount() {
        return health.length;
    }

    /** Cumulative load out of 100: healthy loads of the levels, then their degraded loads. */
    int[] cumulativeLoad() {
        return load.cumulative;
    }

    /**
     * The member and level a pick goes to, by this set's priority load (less the levels a
     * previous_priorities retry excludes); null when no level can take load.
     */
    Cluster choose(LoadBalancerContext context) {
        int n = health.length;
        if (n == 0) {
            return null;
        }
        long excluded = context == null ? 0 : context.excludedPriorities(levelOfHost);
        int[] cum = excluded == 0 ? load.cumulative : PriorityLoad.excluding(health, degraded, excluded, load.cumulative);
        int total = cum[2 * n - 1];
        if (total == 0) {
            return null;
        }
        int r = ThreadLocalRandom.current().nextInt(total);
        for (int i = 0; i < 2 * n; i++) {
            if (r < cum[i]) {
                return picks[i];
            }
        }
        return null;
    }

    /** The level of a member's host (by the member whose host set holds it); -1 when it is in none now. */
    private int levelOf(Host host) {
        for (int m = 0; m < members.length; m++) {
            int p = host.priority();
            if (members[m] != null && p >= 0 && p < levelOf[m].length && sets[m].hosts().contains(host)) {
                return levelOf[m][p];
            }
        }
        return -1;
    }
}

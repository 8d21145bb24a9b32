package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.stats.ClusterStats;

import java.util.List;
import java.util.Map;

/**
 * {@code cluster_type envoy.clusters.aggregate}: no hosts of its own; each pick chooses one of its
 * members' priority levels by Envoy's priority load over all of them (members in list order) and
 * hands the request to that member. Members come from the cluster manager's map at every update
 * (a name not defined yet is skipped until CDS brings it); the levels are rebuilt when a member's
 * host set changes (EDS, health), noticed by identity at the next pick.
 */
final class AggregateCluster implements Cluster {
    private final String name;
    private final ClusterStats stats;
    private final ResourceLimits limits;
    private volatile ClusterConfig config;
    /** The members by the config's list, as the last cluster update found them. */
    private volatile ClusterImpl[] members = new ClusterImpl[0];
    private volatile AggregateLevels levels = AggregateLevels.EMPTY;
    private final MaintenanceMode maintenance;

    /** @param runtime the layered runtime now, whose {@code circuit_breakers.*} keys override the thresholds */
    AggregateCluster(ClusterConfig config, ClusterStats stats, java.util.function.Supplier<io.remora.runtime.Runtime> runtime) {
        this.name = config.name();
        this.config = config;
        this.stats = stats;
        this.limits = ResourceLimits.of(config, runtime);
        this.maintenance = new MaintenanceMode(name, runtime);
    }

    /** The aggregate's own key, as Envoy's router asks the cluster the route names. */
    @Override
    public boolean maintenanceMode() {
        return maintenance.drawn();
    }

    /** A new config of this aggregate; its members are resolved by the {@link #members} that follows. */
    void update(ClusterConfig next) {
        config = next;
        limits.configure(next, stats);
    }

    /**
     * Resolves the member names against the cluster manager's new map (control thread). A member
     * that is missing, or is itself an aggregate (whose host set is empty in Envoy too), adds no level.
     */
    void members(Map<String, Cluster> clusters) {
        List<String> names = config.aggregateClusters();
        ClusterImpl[] found = new ClusterImpl[names.size()];
        for (int i = 0; i < found.length; i++) {
            found[i] = clusters.get(names.get(i)) instanceof ClusterImpl c ? c : null;
        }
        members = found;
    }

    /** The levels over the members' current host sets, rebuilt once after any of them changed. */
    AggregateLevels levels() {
        AggregateLevels l = levels;
        ClusterImpl[] m = members;
        if (!l.current(m)) {
            // Workers may race to rebuild; each result is complete and equal, the last write wins.
            l = AggregateLevels.build(m, config.loadBalancing().healthyPanicThreshold());
            levels = l;
        }
        return l;
    }

    @Override
    public Cluster pickCluster(LoadBalancerContext context) {
        return levels().choose(context);
    }

    @Override
    public Host chooseHost(LoadBalancerContext context) {
        Cluster member = pickCluster(context);
        return member == null ? null : member.chooseHost(context);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ClusterConfig config() {
        return config;
    }

    @Override
    public ClusterStats stats() {
        return stats;
    }

    /** None of its own: its members' hosts serve it. */
    @Override
    public List<Host> hosts() {
        return List.of();
    }

    /** The aggregate's own breakers: the router's retry budget counts against them, as Envoy's. */
    @Override
    public ResourceLimits limits() {
        return limits;
    }
}

package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.stats.ClusterStats;

import java.util.List;

/**
 * One pick of an aggregate cluster: a member cluster with the level (priority and health) the
 * aggregate's priority load chose. Everything but the pick is the member's own (config, stats,
 * circuit breakers, TLS, upstream filters), so a request the aggregate routes goes out as the
 * member's, as Envoy hands it to the member's load balancer and connection pools. Made once per
 * aggregate snapshot, shared by the workers.
 */
final class AggregateMember implements Cluster {
    private final ClusterImpl member;
    /** The member's load with everything on the chosen level ({@link PriorityLoad#forced}). */
    private final int[] forced;

    AggregateMember(ClusterImpl member, int[] forced) {
        this.member = member;
        this.forced = forced;
    }

    @Override
    public Host chooseHost(LoadBalancerContext context) {
        return member.chooseHost(context, forced);
    }

    @Override
    public String name() {
        return member.name();
    }

    @Override
    public ClusterConfig config() {
        return member.config();
    }

    @Override
    public ClusterStats stats() {
        return member.stats();
    }

    @Override
    public List<Host> hosts() {
        return member.hosts();
    }

    @Override
    public TransportSocketFactory transportSocketFactory() {
        return member.transportSocketFactory();
    }

    @Override
    public ResourceLimits limits() {
        return member.limits();
    }

    @Override
    public double dropOverload() {
        return member.dropOverload();
    }

    @Override
    public UpstreamFilterChain upstreamFilters() {
        return member.upstreamFilters();
    }

    @Override
    public void hostHealthChanged() {
        member.hostHealthChanged();
    }

    @Override
    public void immediateHealthCheckFail(Host host) {
        member.immediateHealthCheckFail(host);
    }
}

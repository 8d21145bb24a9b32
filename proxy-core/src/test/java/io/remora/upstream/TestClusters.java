package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.DiscoveryType;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.ClusterLoadAssignment.LbEndpoint;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds cluster configs for tests. */
public final class TestClusters {
    private TestClusters() {
    }

    public static LbEndpoint ep(String host, int port) {
        return ep(host, port, 1, HealthStatus.UNKNOWN);
    }

    public static LbEndpoint ep(String host, int port, int weight, HealthStatus health) {
        return new LbEndpoint(new Address.Tcp(host, port), weight, health, null);
    }

    public static ClusterLoadAssignment cla(String name, LbEndpoint... eps) {
        return new ClusterLoadAssignment(name, List.of(new LocalityLbEndpoints(Locality.NONE, 0, 0, List.of(eps))), 0);
    }

    /** Endpoints by priority: levels[p] are the endpoints of priority p. */
    public static ClusterLoadAssignment claPriorities(String name, List<List<LbEndpoint>> levels) {
        List<LocalityLbEndpoints> l = new ArrayList<>();
        for (int p = 0; p < levels.size(); p++) {
            l.add(new LocalityLbEndpoints(Locality.NONE, 0, p, levels.get(p)));
        }
        return new ClusterLoadAssignment(name, l, 0);
    }

    public static ClusterConfig cluster(String name, DiscoveryType type, LbPolicy lb, ClusterLoadAssignment cla) {
        return ClusterConfig.builder(name).type(type).lbPolicy(lb).connectTimeout(Duration.ofSeconds(1))
                .loadAssignment(cla).edsServiceName(type == DiscoveryType.EDS ? name : null)
                .dnsLookupFamily(ClusterConfig.DnsLookupFamily.V4_ONLY).build();
    }

    public static ClusterConfig staticCluster(String name, LbPolicy lb, LbEndpoint... eps) {
        return cluster(name, DiscoveryType.STATIC, lb, cla(name, eps));
    }

    /** An upstream runtime (health checks, outlier detection) for tests outside this package; close it after. */
    public static UpstreamRuntime runtime(io.micrometer.core.instrument.MeterRegistry registry) {
        return new UpstreamRuntime(io.remora.server.Transport.detect(), registry);
    }

    /** As {@link #runtime(io.micrometer.core.instrument.MeterRegistry)}, in {@code context} (its layered runtime, ...). */
    public static UpstreamRuntime runtime(io.micrometer.core.instrument.MeterRegistry registry,
                                          io.remora.server.ServerContext context) {
        UpstreamRuntime r = runtime(registry);
        r.upstreamFilters(f -> null, context);
        return r;
    }
}

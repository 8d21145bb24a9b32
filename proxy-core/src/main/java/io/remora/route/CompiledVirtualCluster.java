package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.VirtualCluster;
import io.remora.config.VirtualHost;
import io.remora.stats.StatsRegistry;
import io.remora.stats.VirtualClusterStats;

import java.util.List;

/**
 * One virtual cluster of a virtual host, its matchers compiled once per route table, or Envoy's
 * catch-all ("other") that takes the requests no virtual cluster matched. Shared by every worker.
 */
public final class CompiledVirtualCluster {

    private static final CompiledHeaderMatcher[] NO_MATCHERS = new CompiledHeaderMatcher[0];

    private final String virtualHost;
    /** Null for the catch-all: Envoy's %VIRTUAL_CLUSTER_NAME% stays unset for it. */
    private final String name;
    private final String statName;
    private final CompiledHeaderMatcher[] matchers;
    /** Bound on first use, so compiling a route table needs no stats registry. */
    private volatile VirtualClusterStats stats;

    private CompiledVirtualCluster(String virtualHost, String name, CompiledHeaderMatcher[] matchers) {
        this.virtualHost = virtualHost;
        this.name = name;
        this.statName = name == null ? VirtualClusterStats.OTHER : name;
        this.matchers = matchers;
    }

    /**
     * A virtual host's virtual clusters in match order, the catch-all last (it matches every
     * request); null when it has none, so such a virtual host's requests pay one null check.
     */
    static CompiledVirtualCluster[] compile(VirtualHost vh) {
        List<VirtualCluster> configured = vh.virtualClusters();
        if (configured.isEmpty()) {
            return null;
        }
        CompiledVirtualCluster[] out = new CompiledVirtualCluster[configured.size() + 1];
        for (int i = 0; i < configured.size(); i++) {
            VirtualCluster vc = configured.get(i);
            out[i] = new CompiledVirtualCluster(vh.name(), vc.name(), vc.headers().stream()
                    .map(CompiledHeaderMatcher::forRequest).toArray(CompiledHeaderMatcher[]::new));
        }
        out[configured.size()] = new CompiledVirtualCluster(vh.name(), null, NO_MATCHERS);
        return out;
    }

    /** Envoy's virtualClusterFromEntries: the first whose matchers all match, else the catch-all. */
    static CompiledVirtualCluster select(CompiledVirtualCluster[] clusters, Http2Headers headers) {
        if (clusters == null) {
            return null;
        }
        for (CompiledVirtualCluster vc : clusters) {
            if (vc.matches(headers)) {
                return vc;
            }
        }
        return clusters[clusters.length - 1];
    }

    private boolean matches(Http2Headers headers) {
        for (CompiledHeaderMatcher m : matchers) {
            if (!m.matches(headers)) {
                return false;
            }
        }
        return true;
    }

    /** The configured name; null for the catch-all. */
    public String name() {
        return name;
    }

    public VirtualClusterStats stats(StatsRegistry registry) {
        VirtualClusterStats s = stats;
        if (s == null) {
            s = registry.virtualCluster(virtualHost, statName);
            stats = s;
        }
        return s;
    }

    @Override
    public String toString() {
        return "virtual cluster " + statName + " of virtual host " + virtualHost;
    }
}

package io.remora.http.testing;

import io.remora.accesslog.AccessLog;
import io.remora.config.AccessLogConfig;
import io.remora.config.RouteConfiguration;
import io.remora.server.ServerContext;
import io.remora.server.Transport;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Test-only server context with a fixed cluster map. */
public final class TestServerContext implements ServerContext, ClusterManager {
    public final StatsRegistry stats = new StatsRegistry();
    public final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
    private final Transport transport;
    private ClusterManager delegate;

    public TestServerContext(Transport transport) {
        this.transport = transport;
    }

    /** Serve clusters from a real cluster manager instead of the fixed map. */
    public TestServerContext use(ClusterManager manager) {
        this.delegate = manager;
        return this;
    }

    public void add(Cluster c) {
        clusters.put(c.name(), c);
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public ClusterManager clusterManager() {
        return this;
    }

    @Override
    public StatsRegistry stats() {
        return stats;
    }

    @Override
    public RouteConfiguration routeConfiguration(String name) {
        return null;
    }

    @Override
    public List<AccessLog> accessLogs(List<AccessLogConfig> configs) {
        return List.of();
    }

    @Override
    public boolean draining() {
        return false;
    }

    @Override
    public Cluster get(String name) {
        return delegate != null ? delegate.get(name) : clusters.get(name);
    }

    @Override
    public Collection<Cluster> all() {
        return delegate != null ? delegate.all() : clusters.values();
    }
}

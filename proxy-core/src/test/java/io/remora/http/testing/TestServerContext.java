package io.remora.http.testing;

import io.remora.accesslog.AccessLog;
import io.remora.accesslog.StreamInfo;
import io.remora.config.AccessLogConfig;
import io.remora.config.RouteConfiguration;
import io.remora.overload.OverloadManager;
import io.remora.server.ServerContext;
import io.remora.server.Transport;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The server as filters and connection managers see it, for tests: real stats, a fixed cluster map
 * (or a real cluster manager), RDS tables set by the test, access log entries captured.
 */
public final class TestServerContext implements ServerContext, ClusterManager {
    public final Transport transport;
    public final StatsRegistry stats = new StatsRegistry();
    public final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
    public final Map<String, RouteConfiguration> rds = new ConcurrentHashMap<>();
    public final LinkedBlockingQueue<StreamInfo> logged = new LinkedBlockingQueue<>();
    public volatile boolean draining;
    /** Envoy's local address (--local-address-ip-version); null: the connection's own stands in. */
    public volatile java.net.InetAddress localAddress;
    public volatile OverloadManager overload = OverloadManager.unmanaged();
    /** The layered runtime {@link #runtime()} answers; empty unless a test sets one. */
    public volatile io.remora.runtime.Runtime runtime = io.remora.runtime.Runtime.EMPTY;
    private ClusterManager delegate;

    public TestServerContext() {
        this(Transport.detect());
    }

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
    public io.remora.runtime.Runtime runtime() {
        return runtime;
    }

    @Override
    public java.net.InetAddress localAddress() {
        return localAddress;
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
    public OverloadManager overload() {
        return overload;
    }

    @Override
    public RouteConfiguration routeConfiguration(String name) {
        return rds.get(name);
    }

    @Override
    public List<AccessLog> accessLogs(List<AccessLogConfig> configs) {
        return List.of(logged::add);
    }

    @Override
    public boolean draining() {
        return draining;
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

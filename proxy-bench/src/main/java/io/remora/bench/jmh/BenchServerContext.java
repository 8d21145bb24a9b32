package io.remora.bench.jmh;

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

/** The least a connection manager needs from a server when no sockets or clusters are involved. */
final class BenchServerContext implements ServerContext {
    private final StatsRegistry stats = new StatsRegistry();
    private final Transport transport = Transport.detect();
    private final ClusterManager clusters = new ClusterManager() {
        @Override
        public Cluster get(String name) {
            return null;
        }

        @Override
        public Collection<Cluster> all() {
            return List.of();
        }
    };

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public ClusterManager clusterManager() {
        return clusters;
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
}

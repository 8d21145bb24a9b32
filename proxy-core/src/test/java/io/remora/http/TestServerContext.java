package io.remora.http;

import io.remora.accesslog.AccessLog;
import io.remora.accesslog.StreamInfo;
import io.remora.config.AccessLogConfig;
import io.remora.config.RouteConfiguration;
import io.remora.server.ServerContext;
import io.remora.server.Transport;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.ClusterManager;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/** A ServerContext for connection manager tests: real stats, captured access log entries. */
final class TestServerContext implements ServerContext {
    final Transport transport = Transport.detect();
    final StatsRegistry stats = new StatsRegistry();
    final Map<String, RouteConfiguration> rds = new ConcurrentHashMap<>();
    final LinkedBlockingQueue<StreamInfo> logged = new LinkedBlockingQueue<>();
    volatile boolean draining;
    volatile io.remora.overload.OverloadManager overload = io.remora.overload.OverloadManager.unmanaged();

    @Override
    public io.remora.overload.OverloadManager overload() {
        return overload;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public ClusterManager clusterManager() {
        return null;
    }

    @Override
    public StatsRegistry stats() {
        return stats;
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
}

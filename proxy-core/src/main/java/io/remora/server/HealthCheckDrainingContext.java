package io.remora.server;

import io.remora.accesslog.AccessLog;
import io.remora.config.AccessLogConfig;
import io.remora.config.RouteConfiguration;
import io.remora.route.RouteTable;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.ClusterManager;

import java.util.List;

/**
 * The server context as the filters of a {@code drain_type: DEFAULT} listener see it: they also
 * drain (HTTP {@code connection: close}, GOAWAY) while the server's health check is failed, and
 * stop when {@code /healthcheck/ok} undoes it, as Envoy's per-listener drain manager polls it. A
 * MODIFY_ONLY listener's filters get the server's own context, which drains only on listener
 * changes and server drains. Everything else is the server's.
 */
final class HealthCheckDrainingContext implements ServerContext {
    private final ServerContext server;

    HealthCheckDrainingContext(ServerContext server) {
        this.server = server;
    }

    @Override
    public boolean draining() {
        return server.draining() || server.healthCheckFailed();
    }

    @Override
    public ServerContext root() {
        return server.root();
    }

    @Override
    public Transport transport() {
        return server.transport();
    }

    @Override
    public ClusterManager clusterManager() {
        return server.clusterManager();
    }

    @Override
    public StatsRegistry stats() {
        return server.stats();
    }

    @Override
    public RouteConfiguration routeConfiguration(String name) {
        return server.routeConfiguration(name);
    }

    @Override
    public RouteTable routeTable(String name) {
        return server.routeTable(name);
    }

    @Override
    public List<AccessLog> accessLogs(List<AccessLogConfig> configs) {
        return server.accessLogs(configs);
    }

    @Override
    public java.util.function.Consumer<String> accessLogFile(String path) {
        return server.accessLogFile(path);
    }

    @Override
    public boolean healthCheckFailed() {
        return server.healthCheckFailed();
    }

    @Override
    public java.net.InetAddress localAddress() {
        return server.localAddress();
    }

    @Override
    public io.remora.runtime.Runtime runtime() {
        return server.runtime();
    }

    @Override
    public io.remora.tracing.SpanSink spanSink(io.remora.config.TracingConfig.Provider provider) {
        return server.spanSink(provider);
    }

    @Override
    public io.remora.overload.OverloadManager overload() {
        return server.overload();
    }

    @Override
    public io.remora.config.NodeInfo node() {
        return server.node();
    }

    @Override
    public io.remora.tls.SecretManager secrets() {
        return server.secrets();
    }

    @Override
    public OnDemandDiscovery onDemand() {
        return server.onDemand();
    }
}

package io.remora.server;

import io.remora.accesslog.AccessLog;
import io.remora.config.AccessLogConfig;
import io.remora.config.RouteConfiguration;
import io.remora.route.RouteTable;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.ClusterManager;

import java.util.List;

/**
 * The server context as one listener's filters see it, as Envoy's per-listener drain manager answers
 * drainClose: a server drain reaches them when its direction covers the listener's (a
 * {@code /drain_listeners?inboundonly} drain only INBOUND listeners, every other drain all), and a
 * {@code drain_type: DEFAULT} listener's also drain while the server's health check is failed,
 * until {@code /healthcheck/ok} undoes it. Everything else is the server's.
 */
final class ListenerDrainContext implements ServerContext {
    private final ServerContext server;
    private final boolean drainOnHealthCheck;
    private final boolean inbound;

    ListenerDrainContext(ServerContext server, boolean drainOnHealthCheck, boolean inbound) {
        this.server = server;
        this.drainOnHealthCheck = drainOnHealthCheck;
        this.inbound = inbound;
    }

    /** What the listener's HTTP connections ask: the scope of its direction, as Envoy's HCM drain_scope. */
    @Override
    public boolean draining() {
        return draining(inbound);
    }

    @Override
    public boolean draining(boolean inboundScope) {
        // Envoy's DrainManagerImpl::drainClose: a failed health check drains a DEFAULT listener in any scope.
        return server.draining(inboundScope) || drainOnHealthCheck && server.healthCheckFailed();
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
    public java.util.Map<java.util.List<String>, io.remora.config.ScopedRoutesConfig.Scope> scopedRoutes() {
        return server.scopedRoutes();
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

package io.remora.server;

import io.remora.accesslog.AccessLog;
import io.remora.config.AccessLogConfig;
import io.remora.config.RouteConfiguration;
import io.remora.route.RouteTable;
import io.remora.stats.StatsRegistry;
import io.remora.upstream.ClusterManager;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/** The server as its filters see it; every getter reads the current snapshot. */
final class ServerContextImpl implements ServerContext {
    private final Transport transport;
    private final ClusterManager clusterManager;
    private final StatsRegistry stats;
    private final Supplier<io.remora.config.ServerConfig> config;
    private final Supplier<Function<List<AccessLogConfig>, List<AccessLog>>> accessLogFactory;
    private final ServerDrainScope draining;
    private final Function<String, RouteTable> routeTables;
    private volatile Supplier<io.remora.runtime.Runtime> runtime = () -> io.remora.runtime.Runtime.EMPTY;
    private final Supplier<io.remora.overload.OverloadManager> overload;
    private final io.remora.tls.SecretManager secrets;

    ServerContextImpl(Transport transport, ClusterManager clusterManager, StatsRegistry stats,
                      Supplier<io.remora.config.ServerConfig> config,
                      Supplier<Function<List<AccessLogConfig>, List<AccessLog>>> accessLogFactory,
                      ServerDrainScope draining, Function<String, RouteTable> routeTables,
                      Supplier<io.remora.overload.OverloadManager> overload, io.remora.tls.SecretManager secrets) {
        this.secrets = secrets;
        this.routeTables = routeTables;
        this.overload = overload;
        this.transport = transport;
        this.clusterManager = clusterManager;
        this.stats = stats;
        this.config = config;
        this.accessLogFactory = accessLogFactory;
        this.draining = draining;
    }

    @Override
    public io.remora.tls.SecretManager secrets() {
        return secrets;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public ClusterManager clusterManager() {
        return clusterManager;
    }

    @Override
    public StatsRegistry stats() {
        return stats;
    }

    @Override
    public RouteConfiguration routeConfiguration(String name) {
        io.remora.config.ServerConfig c = config.get();
        return c == null || c.routeConfigs() == null ? null : c.routeConfigs().get(name);
    }

    @Override
    public RouteTable routeTable(String name) {
        return routeTables.apply(name);
    }

    @Override
    public java.util.Map<List<String>, io.remora.config.ScopedRoutesConfig.Scope> scopedRoutes() {
        io.remora.config.ServerConfig c = config.get();
        return c == null || c.scopedRoutes() == null ? java.util.Map.of() : c.scopedRoutes();
    }

    @Override
    public List<AccessLog> accessLogs(List<AccessLogConfig> configs) {
        if (configs == null || configs.isEmpty()) {
            return List.of();
        }
        List<AccessLog> logs = accessLogFactory.get().apply(configs);
        return logs == null ? List.of() : logs;
    }

    private volatile Function<io.remora.config.TracingConfig.Provider, io.remora.tracing.SpanSink> spanSinks = p -> null;
    private volatile Function<String, java.util.function.Consumer<String>> accessLogFiles = path -> {
        throw new UnsupportedOperationException("no access log files in this server");
    };

    void accessLogFiles(Function<String, java.util.function.Consumer<String>> files) {
        this.accessLogFiles = files;
    }

    @Override
    public java.util.function.Consumer<String> accessLogFile(String path) {
        return accessLogFiles.apply(path);
    }

    void spanSinks(Function<io.remora.config.TracingConfig.Provider, io.remora.tracing.SpanSink> sinks) {
        this.spanSinks = sinks;
    }

    @Override
    public io.remora.tracing.SpanSink spanSink(io.remora.config.TracingConfig.Provider provider) {
        return spanSinks.apply(provider);
    }

    private volatile java.net.InetAddress localAddress;
    private volatile OnDemandDiscovery onDemand = OnDemandDiscovery.NONE;

    void onDemand(OnDemandDiscovery discovery) {
        this.onDemand = discovery;
    }

    @Override
    public OnDemandDiscovery onDemand() {
        return onDemand;
    }

    private volatile BooleanSupplier healthCheckFailed = () -> false;
    /** The listener whose filters this thread is building, or null: a filter built elsewhere meanwhile is not its. */
    private final ThreadLocal<ListenerInit> building = new ThreadLocal<>();

    void building(ListenerInit init) {
        if (init == null) {
            building.remove();
        } else {
            building.set(init);
        }
    }

    @Override
    public Runnable initTarget(String name) {
        ListenerInit b = building.get();
        return b == null ? ListenerInit.NOTHING_TO_WAIT : b.add(name);
    }

    void healthCheckFailed(BooleanSupplier failed) {
        this.healthCheckFailed = failed;
    }

    @Override
    public boolean healthCheckFailed() {
        return healthCheckFailed.getAsBoolean();
    }

    void localAddress(java.net.InetAddress address) {
        this.localAddress = address;
    }

    @Override
    public java.net.InetAddress localAddress() {
        return localAddress;
    }

    void runtime(Supplier<io.remora.runtime.Runtime> runtime) {
        this.runtime = runtime;
    }

    @Override
    public io.remora.runtime.Runtime runtime() {
        return runtime.get();
    }

    @Override
    public boolean draining() {
        return draining.drainClose(true);
    }

    @Override
    public boolean draining(boolean inboundScope) {
        return draining.drainClose(inboundScope);
    }

    @Override
    public io.remora.overload.OverloadManager overload() {
        io.remora.overload.OverloadManager o = overload.get();
        return o != null ? o : ServerContext.super.overload();
    }

    @Override
    public io.remora.config.NodeInfo node() {
        io.remora.config.ServerConfig c = config.get();
        return c == null || c.node() == null ? ServerContext.super.node() : c.node();
    }
}

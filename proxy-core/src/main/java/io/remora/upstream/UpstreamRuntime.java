package io.remora.upstream;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.remora.server.Transport;

import io.remora.config.NetworkFilterConfig;
import io.remora.network.ConnectionFilterFactory;
import io.remora.server.ServerContext;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What outlier detectors and health checkers share: one upstream event loop (Envoy runs both on
 * its main thread), the transport for health check connections, the meters and the outlier
 * event log. The loop is started on first use and stopped with the cluster manager.
 */
public final class UpstreamRuntime implements AutoCloseable {
    private final Transport transport;
    private final MeterRegistry registry;
    private volatile EventLogFile outlierEventLog;
    private volatile Function<NetworkFilterConfig, ConnectionFilterFactory> upstreamFilterFactories;
    private volatile ServerContext context;
    private volatile io.remora.http.filter.HttpFilterFactories httpFilterFactories;
    private EventLoopGroup group;
    private EventLoop loop;

    UpstreamRuntime(Transport transport, MeterRegistry registry) {
        this.transport = transport;
        this.registry = registry;
    }

    public Transport transport() {
        return transport;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The upstream thread's loop; created on first use. */
    public synchronized EventLoop loop() {
        if (loop == null) {
            group = transport.newEventLoopGroup(1, "remora-upstream");
            loop = group.next();
        }
        return loop;
    }

    /** Bootstrap {@code cluster_manager.outlier_detection.event_log_path}. */
    void outlierEventLogPath(String path) {
        this.outlierEventLog = EventLogFile.of(path);
    }

    public EventLogFile outlierEventLog() {
        return outlierEventLog;
    }

    /** The server the clusters run in; null until the server has set up its upstream filters. */
    ServerContext context() {
        return context;
    }

    /**
     * The server's layered runtime now (Envoy's runtime snapshot, which its outlier detectors and
     * health checkers read at each decision); empty until the server has set itself up.
     */
    public io.remora.runtime.Runtime layeredRuntime() {
        ServerContext c = context;
        return c == null ? io.remora.runtime.Runtime.EMPTY : c.runtime();
    }

    /** Where clusters' upstream network filter configs find their runtime, and the context they run in. */
    void upstreamFilters(Function<NetworkFilterConfig, ConnectionFilterFactory> factories, ServerContext context) {
        this.upstreamFilterFactories = factories;
        this.context = context;
    }

    /** The runtime of a cluster's {@code filters}; fails naming a filter this build cannot run. */
    UpstreamFilterChain upstreamFilters(String cluster, List<NetworkFilterConfig> configs) {
        if (configs.isEmpty()) {
            return UpstreamFilterChain.NONE;
        }
        Function<NetworkFilterConfig, ConnectionFilterFactory> f = upstreamFilterFactories;
        ConnectionFilterFactory[] out = new ConnectionFilterFactory[configs.size()];
        for (int i = 0; i < out.length; i++) {
            ConnectionFilterFactory factory = f == null ? null : f.apply(configs.get(i));
            if (factory == null) {
                throw new IllegalArgumentException("cluster '" + cluster + "': upstream network filter "
                        + configs.get(i).filterName() + " has no runtime implementation in this build");
            }
            out[i] = factory;
        }
        return new UpstreamFilterChain(out, context);
    }

    /** Where clusters' upstream HTTP filter configs find their runtime. */
    void upstreamHttpFilters(io.remora.http.filter.HttpFilterFactories factories) {
        this.httpFilterFactories = factories;
    }

    /**
     * The runtime of a cluster's upstream HTTP filters, their stats in the cluster's scope as Envoy's
     * ({@code cluster.<alt_stat_name or name>.}); null when it lists none.
     */
    io.remora.http.filter.UpstreamHttpFilterChain upstreamHttpFilters(io.remora.config.ClusterConfig c) {
        if (c.upstreamHttpFilters() == null) {
            return null;
        }
        io.remora.http.filter.HttpFilterFactories f = httpFilterFactories;
        if (f == null && !c.upstreamHttpFilters().isEmpty()) {
            throw new IllegalArgumentException("cluster '" + c.name() + "': upstream HTTP filter "
                    + c.upstreamHttpFilters().get(0).name() + " has no runtime implementation in this build");
        }
        String prefix = "cluster." + (c.altStatName() != null && !c.altStatName().isEmpty() ? c.altStatName() : c.name()) + ".";
        return io.remora.http.filter.UpstreamHttpFilterChain.of(c.upstreamHttpFilters(),
                config -> f.build(config, context, prefix), prefix);
    }

    @Override
    public synchronized void close() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            group = null;
            loop = null;
        }
    }
}

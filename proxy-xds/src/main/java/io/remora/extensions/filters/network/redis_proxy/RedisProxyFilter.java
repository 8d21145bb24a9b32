package io.remora.extensions.filters.network.redis_proxy;

import io.netty.channel.Channel;
import io.remora.network.ConnectionInfo;
import io.remora.network.NetworkFilter;
import io.remora.redis.RespReader;
import io.remora.server.ServerContext;
import io.remora.upstream.UpstreamConnector;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code envoy.filters.network.redis_proxy} (terminal): one per filter chain, shared by its
 * connections: the routes, the connection pools of every cluster they name, the stats.
 */
final class RedisProxyFilter implements NetworkFilter {
    /** Envoy's runtime key: whether a draining listener closes idle redis connections. */
    static final String DRAIN_CLOSE_KEY = "redis.drain_close_enabled";

    final RedisProxyConfig config;
    final RedisProxyStats stats;
    final CommandSplitter splitter;
    private final ServerContext context;
    /** The listener's drain once begun, else null. */
    private volatile io.remora.server.DrainDecision drain;

    RedisProxyFilter(RedisProxyConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
        this.stats = RedisProxyStats.of(context.stats().meterRegistry(), config.statPrefix());
        UpstreamConnector connector = new UpstreamConnector(context.transport());
        Map<String, RedisUpstream> upstreams = new HashMap<>();
        PrefixRouter router = new PrefixRouter(config.routes(), cluster -> upstreams.computeIfAbsent(cluster,
                c -> new RedisUpstream(c, context.clusterManager(), connector, config.settings(),
                        context.stats().meterRegistry())), context.runtime());
        this.splitter = new CommandSplitter(router, stats, new FaultPicker(config.faults(), context.runtime()),
                config.customCommands(), config.latencyInMicros());
    }

    @Override
    public void onAccept(Channel downstream, ConnectionInfo info) {
        RespReader reader = new RespReader(stats.downstreamCxRxBytesTotal::increment);
        downstream.pipeline().addLast("redis-codec", reader);
        downstream.pipeline().addLast("redis-proxy", new RedisSession(this, reader));
    }

    @Override
    public void startDrain(io.remora.server.DrainDecision drain) {
        this.drain = io.remora.server.DrainDecision.keep(this.drain, drain);
    }

    /** Whether a connection with nothing outstanding should close now (the listener is draining). */
    boolean drainClose() {
        io.remora.server.DrainDecision d = drain;
        return (d != null && d.drainClose() || context.draining())
                && context.runtime().featureEnabled(DRAIN_CLOSE_KEY, 100);
    }
}

package io.remora.extensions.filters.network.thrift_proxy;

import io.netty.channel.Channel;
import io.remora.network.ConnectionInfo;
import io.remora.network.NetworkFilter;
import io.remora.server.ServerContext;
import io.remora.upstream.UpstreamConnector;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One filter chain's thrift proxy: its config, route table, stats and upstream pools. */
final class ThriftProxyFilter implements NetworkFilter {

    final ThriftProxyConfig config;
    final ServerContext context;
    final ThriftStats stats;
    final ThriftRouteMatcher routes;
    final ThriftUpstreamPool pool;
    final io.remora.accesslog.AccessLog[] accessLogs;
    /** Filters or access logs need each request's stream info; without either none is made. */
    final boolean streamInfos;
    private final Map<String, ThriftClusterStats> clusterStats = new ConcurrentHashMap<>();

    ThriftProxyFilter(ThriftProxyConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
        this.stats = new ThriftStats(context.stats().meterRegistry(), config.statPrefix());
        this.routes = new ThriftRouteMatcher(config.routes());
        this.pool = new ThriftUpstreamPool(new UpstreamConnector(context.transport()));
        this.accessLogs = context.accessLogs(config.accessLogs()).toArray(new io.remora.accesslog.AccessLog[0]);
        this.streamInfos = accessLogs.length > 0 || !config.filters().isEmpty();
    }

    ThriftClusterStats clusterStats(io.remora.upstream.Cluster c) {
        String name = c.stats().name();
        ThriftClusterStats s = clusterStats.get(name);
        return s != null ? s : clusterStats.computeIfAbsent(name,
                n -> new ThriftClusterStats(context.stats().meterRegistry(), n));
    }

    @Override
    public void onAccept(Channel downstream, ConnectionInfo info) {
        downstream.pipeline().addLast("thrift_proxy", new ThriftDownstream(this, info));
    }
}

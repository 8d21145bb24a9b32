package io.remora.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.remora.accesslog.AccessLog;
import io.remora.config.ClusterSpecifier;
import io.remora.config.TcpProxyConfig;
import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import io.remora.network.NetworkFilter;
import io.remora.server.ServerContext;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** The tcp_proxy of one filter chain: shared, immutable; each connection gets a {@link TcpProxySession}. */
final class TcpProxyFilter implements NetworkFilter {
    /** Envoy's default tcp_proxy idle_timeout. */
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

    final TcpProxyConfig config;
    final ServerContext context;
    final AccessLog[] accessLogs;
    final long idleTimeoutNanos;
    final int maxConnectAttempts;
    final io.remora.upstream.UpstreamConnector connector;
    /** tunneling_config, compiled; null for a plain relay. */
    final HttpTunnelUpstream.Head tunnel;
    final io.remora.stats.TcpProxyStats stats;
    /** max_downstream_connection_duration; 0 for none. */
    final long maxDurationNanos;
    /** on_demand's stats; null when clusters are not discovered on demand. */
    final io.remora.stats.TcpProxyStats.OnDemand onDemandStats;

    TcpProxyFilter(TcpProxyConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
        this.accessLogs = context.accessLogs(config.accessLogs()).toArray(new AccessLog[0]);
        Duration idle = config.idleTimeout() != null ? config.idleTimeout() : DEFAULT_IDLE_TIMEOUT;
        this.idleTimeoutNanos = idle.toNanos();
        this.maxConnectAttempts = Math.max(1, config.maxConnectAttempts());
        this.connector = new io.remora.upstream.UpstreamConnector(context.transport());
        this.tunnel = config.tunneling() == null ? null : HttpTunnelUpstream.Head.of(config.tunneling());
        this.stats = context.stats().tcp(config.statPrefix() == null ? "" : config.statPrefix());
        this.maxDurationNanos = config.maxDownstreamConnectionDuration() == null ? 0
                : config.maxDownstreamConnectionDuration().toNanos();
        this.onDemandStats = config.onDemandTimeout() == null ? null : stats.onDemand();
    }

    @Override
    public void onAccept(Channel downstream, ConnectionInfo info) {
        downstream.config().setAutoRead(false);
        downstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        downstream.config().setRecvByteBufAllocator(TcpUpstreamAttempts.bulkReads());
        downstream.pipeline().addLast("tcp_proxy", new TcpProxySession(this, info));
    }

    @Override
    public void onClosedBeforeStart(Channel downstream, ConnectionInfo info) {
        if (accessLogs.length > 0) {
            TcpProxySession.logRefused(this, downstream, info);
        }
    }

    /**
     * The cluster for one connection: the filter state's, else the single one, or a weighted random
     * pick; the session's subset criteria are the proxy's metadata_match, or the picked entry's.
     */
    String pickCluster(TcpProxySession session) {
        session.metadataMatch = config.metadataMatch();
        FilterState state = FilterState.existing(session.downstream);
        Object perConnection = state == null ? null : state.get(TcpProxyConfig.PER_CONNECTION_CLUSTER);
        if (perConnection != null) {
            return perConnection.toString();
        }
        ClusterSpecifier spec = config.cluster();
        if (spec instanceof ClusterSpecifier.Single single) {
            return single.cluster();
        }
        if (spec instanceof ClusterSpecifier.Weighted w && w.totalWeight() > 0) {
            int r = ThreadLocalRandom.current().nextInt(w.totalWeight());
            ClusterSpecifier.WeightedCluster picked = w.clusters().get(w.clusters().size() - 1);
            for (ClusterSpecifier.WeightedCluster c : w.clusters()) {
                r -= c.weight();
                if (r < 0) {
                    picked = c;
                    break;
                }
            }
            session.metadataMatch = picked.metadataMatch();
            return picked.name();
        }
        return null;
    }
}

package io.remora.extensions.filters.istio.stats;

import io.netty.buffer.ByteBuf;
import io.remora.accesslog.StreamInfo;
import io.remora.extensions.filters.istio.common.LocalWorkload;
import io.remora.extensions.filters.istio.common.PeerState;
import io.remora.extensions.filters.istio.common.WorkloadMetadata;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.FilterState;
import io.remora.network.NetworkFilterStatus;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Istio's TCP stats for one connection, as istio-proxy reports them: the connection counts as
 * opened once the metadata exchange has finished (or at close), byte counters are flushed every
 * {@code tcp_reporting_duration} and at close, and the labels are fixed when first reported.
 * Bytes are counted at this filter: received from, and sent to, the downstream peer.
 */
final class IstioTcpStatsFilter implements ConnectionFilter {

    /** Where tcp_proxy leaves its session's stream info (upstream cluster and TLS) in the connection's filter state. */
    static final String TCP_PROXY_INFO = "remora.tcp_proxy.stream_info";

    private final StatsPluginSettings settings;
    private final IstioMetrics metrics;
    private ConnectionFilterCallbacks cb;
    private ScheduledFuture<?> timer;
    private String[] labels;
    /** The expressions' values, evaluated once when the connection is first reported. */
    private ExpressionValues values = ExpressionValues.NONE;
    private long received;
    private long sent;
    private long reportedReceived;
    private long reportedSent;
    private boolean closed;

    IstioTcpStatsFilter(StatsPluginSettings settings, IstioMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void initialize(ConnectionFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public NetworkFilterStatus onNewConnection() {
        metrics.rotateOn(cb.channel().eventLoop());
        if (settings.tcpReportingMillis() > 0) {
            timer = cb.channel().eventLoop().scheduleAtFixedRate(() -> report(false), settings.tcpReportingMillis(),
                    settings.tcpReportingMillis(), TimeUnit.MILLISECONDS);
        }
        return NetworkFilterStatus.CONTINUE;
    }

    @Override
    public NetworkFilterStatus onData(ByteBuf data, boolean endStream) {
        received += data.readableBytes();
        return NetworkFilterStatus.CONTINUE;
    }

    @Override
    public NetworkFilterStatus onWrite(ByteBuf data, boolean endStream) {
        sent += data.readableBytes();
        return NetworkFilterStatus.CONTINUE;
    }

    @Override
    public void onClose() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        report(true);
    }

    private void report(boolean end) {
        if (closed) {
            return;
        }
        closed = end;
        boolean server = settings.reporter().server();
        if (labels == null && (end || PeerState.read(peerState(server), server))) {
            labels = labels(server);
            values = ExpressionValues.evaluate(settings, attributes());
            metrics.tcp(IstioMetrics.TCP_OPENED, labels, 1, values);
        }
        if (labels != null) {
            metrics.tcp(IstioMetrics.TCP_SENT, labels, sent - reportedSent, values);
            metrics.tcp(IstioMetrics.TCP_RECEIVED, labels, received - reportedReceived, values);
            reportedSent = sent;
            reportedReceived = received;
        }
        if (end) {
            metrics.tcp(IstioMetrics.TCP_CLOSED, labels, 1, values);
            metrics.custom(values);
        }
    }

    /** The attributes of dimensions, over tcp_proxy's stream info (null: none, or no expression). */
    private dev.cel.runtime.CelVariableResolver attributes() {
        StreamInfo info = settings.usesCel() ? cb.filterState().get(TCP_PROXY_INFO, StreamInfo.class) : null;
        return info == null ? null : IstioAttributes.of(info, cb.filterState(), cb.serverContext());
    }

    /**
     * Where the metadata exchange left the peer: on the server side the downstream connection's
     * filter state; on the client side the upstream connection's (the cluster's exchange filter),
     * falling back to the downstream one.
     */
    private FilterState peerState(boolean server) {
        if (!server) {
            StreamInfo upstream = cb.filterState().get(TCP_PROXY_INFO, StreamInfo.class);
            if (upstream != null && upstream.upstreamFilterState() != null
                    && PeerState.read(upstream.upstreamFilterState(), false)) {
                return upstream.upstreamFilterState();
            }
        }
        return cb.filterState();
    }

    private String[] labels(boolean server) {
        LocalWorkload local = LocalWorkload.of(cb.serverContext());
        metrics.recordBuild(local.istioVersion());
        FilterState state = cb.filterState();
        WorkloadMetadata peer = PeerState.peer(peerState(server), server);
        StreamInfo upstream = state.get(TCP_PROXY_INFO, StreamInfo.class);
        if (peer == null && !server) {
            peer = PeerLabels.endpointPeer(upstream);
        }
        String peerSan;
        String localSan;
        Boolean mutualTls = null;
        if (server) {
            peerSan = state.get(PeerState.PEER_PRINCIPAL, String.class);
            localSan = state.get(PeerState.LOCAL_PRINCIPAL, String.class);
            if (peerSan == null && localSan == null) {
                peerSan = IstioStatsFilter.firstUriSan(cb.connection().tls(), true);
                localSan = IstioStatsFilter.firstUriSan(cb.connection().tls(), false);
            }
            mutualTls = peerSan != null && !peerSan.isEmpty() && localSan != null && !localSan.isEmpty();
        } else {
            peerSan = upstream == null ? null : IstioStatsFilter.firstUriSan(upstream.upstreamTls, true);
            localSan = upstream == null ? null : IstioStatsFilter.firstUriSan(upstream.upstreamTls, false);
        }
        PeerLabels.Facts facts = new PeerLabels.Facts(settings.reporter(), local.workload(), peer, peerSan, localSan,
                null, null, upstream == null ? null : upstream.upstreamCluster, "tcp",
                PeerLabels.clusterIstio(cb.serverContext(), upstream == null ? null : upstream.upstreamCluster),
                IstioStatsFilter.waypointUpstreamPeer(settings, state));
        String[] values = PeerLabels.compute(facts, 2);
        int i = IstioMetrics.PEER_LABELS.size();
        values[i++] = upstream == null ? "-" : upstream.responseFlagsString();
        values[i] = mutualTls == null ? PeerLabels.UNKNOWN : mutualTls ? "mutual_tls" : "none";
        return values;
    }
}

package io.remora.extensions.filters.istio.stats;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.extensions.filters.istio.common.LocalWorkload;
import io.remora.extensions.filters.istio.common.PeerState;
import io.remora.extensions.filters.istio.common.WorkloadMetadata;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.network.FilterState;
import io.remora.tls.TlsConnection;

import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Istio's HTTP stats for one stream: when the stream ends (after the access log's view of it is
 * complete) it adds to {@code istio_requests_total} and records duration and body sizes, labelled
 * with both workloads as istio-proxy labels them. A gRPC stream also reports its messages every
 * {@code tcp_reporting_duration} once the exchange has named the peer, as istio-proxy's report
 * timer does, so a long-lived stream shows its traffic before it ends.
 */
final class IstioStatsFilter implements StreamDecoderFilter {

    private final StatsPluginSettings settings;
    private final IstioMetrics metrics;
    private DecoderFilterCallbacks callbacks;
    private boolean grpc;
    private ScheduledFuture<?> reportTimer;
    /** The peer labels, fixed when first reported (the exchange named the peer, or the stream ended), as istio-proxy's tags. */
    private String[] labels;
    /** connection_security_policy, decided with the labels (null: the client side, which cannot tell). */
    private Boolean mutualTls;
    /** The expressions' values the message counters were first reported with (null: not yet). */
    private ExpressionValues messageAttributes;
    private long reportedRequestMessages;
    private long reportedResponseMessages;
    private boolean ended;

    IstioStatsFilter(StatsPluginSettings settings, IstioMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        grpc = isGrpcRequest(headers);
        metrics.rotateOn(callbacks.eventLoop());
        long every = settings.tcpReportingMillis();
        if (grpc && every > 0 && reportTimer == null) {
            reportTimer = callbacks.eventLoop().scheduleAtFixedRate(this::reportPeriodically, every, every,
                    TimeUnit.MILLISECONDS);
        }
        return FilterStatus.CONTINUE;
    }

    /** istio-proxy's report timer: nothing until the peer is known, then the messages since the last report. */
    private void reportPeriodically() {
        if (ended || !PeerState.read(callbacks.filterState(), settings.reporter().server())) {
            return;
        }
        fixLabels();
        if (messageAttributes == null) {
            messageAttributes = ExpressionValues.evaluate(settings, attributes());
        }
        reportMessages(messageAttributes);
    }

    @Override
    public void onDestroy() {
        if (callbacks == null || ended) {
            return;
        }
        ended = true;
        if (reportTimer != null) {
            reportTimer.cancel(false);
            reportTimer = null;
        }
        StreamInfo info = callbacks.streamInfo();
        fixLabels();
        String[] values = labels.clone();
        int i = IstioMetrics.PEER_LABELS.size();
        values[i++] = Integer.toString(info.responseCode);
        values[i++] = grpc ? grpcStatus(info) : "";
        values[i++] = info.responseFlagsString();
        values[i] = mutualTls == null ? PeerLabels.UNKNOWN : mutualTls ? "mutual_tls" : "none";
        long durationMillis = info.durationNanos < 0 ? 0 : info.durationNanos / 1_000_000;
        ExpressionValues attributes = ExpressionValues.evaluate(settings, attributes());
        if (grpc) {
            reportMessages(messageAttributes != null ? messageAttributes : attributes);
        }
        // As istio-proxy: the downstream connection's wire bytes of the stream (heads and framing
        // included); a stream on a connection made before any meter was wanted has only its bodies.
        io.remora.accesslog.WireBytes wire = info.wireBytesIfAny();
        boolean metered = wire != null && !wire.unmeteredDownstream;
        metrics.http(values, durationMillis, metered ? wire.downstreamWireReceived : info.bytesReceived,
                metered ? wire.downstreamWireSent : info.bytesSent, attributes);
    }

    private dev.cel.runtime.CelVariableResolver attributes() {
        return settings.usesCel() ? IstioAttributes.of(callbacks.streamInfo(), callbacks.filterState(),
                callbacks.serverContext()) : null;
    }

    /** The messages grpc_stats counted since the last report (its filter state holds running totals). */
    private void reportMessages(ExpressionValues attributes) {
        long[] messages = grpcMessages(callbacks.filterState().get(GRPC_STATS));
        if (messages == null) {
            return;
        }
        metrics.messages(labels, messages[0] - reportedRequestMessages, messages[1] - reportedResponseMessages,
                attributes);
        reportedRequestMessages = messages[0];
        reportedResponseMessages = messages[1];
    }

    /** Computes the peer labels once, from what the stream knows now. */
    private void fixLabels() {
        if (labels != null) {
            return;
        }
        StreamInfo info = callbacks.streamInfo();
        LocalWorkload local = LocalWorkload.of(callbacks.serverContext());
        metrics.recordBuild(local.istioVersion());
        boolean server = settings.reporter().server();
        FilterState state = callbacks.filterState();
        WorkloadMetadata peer = PeerState.peer(state, server);
        if (peer == null && !server) {
            peer = PeerLabels.endpointPeer(info);
        }
        String peerSan;
        String localSan;
        if (server) {
            peerSan = state.get(PeerState.PEER_PRINCIPAL, String.class);
            localSan = state.get(PeerState.LOCAL_PRINCIPAL, String.class);
            if (peerSan == null && localSan == null) {
                peerSan = firstUriSan(info.downstreamTls(), true);
                localSan = firstUriSan(info.downstreamTls(), false);
            }
            mutualTls = peerSan != null && !peerSan.isEmpty() && localSan != null && !localSan.isEmpty();
        } else {
            peerSan = firstUriSan(info.upstreamTls, true);
            localSan = firstUriSan(info.upstreamTls, false);
        }
        String host = null;
        if (!settings.disableHostHeaderFallback()) {
            Http2Headers req = info.requestHeaders != null ? info.requestHeaders : callbacks.requestHeaders();
            CharSequence a = req == null ? null : req.authority();
            host = a != null ? a.toString() : info.authority();
        }
        String cluster = info.upstreamCluster != null ? info.upstreamCluster : callbacks.clusterName();
        PeerLabels.Facts facts = new PeerLabels.Facts(settings.reporter(), local.workload(), peer, peerSan, localSan,
                host, info.routeName, cluster, grpc ? "grpc" : "http",
                PeerLabels.clusterIstio(callbacks.serverContext(), cluster), waypointUpstreamPeer(settings, state));
        labels = PeerLabels.compute(facts, 4);
    }

    /** A waypoint's destination: the upstream peer its exchange found in this filter state (null elsewhere). */
    static WorkloadMetadata waypointUpstreamPeer(StatsPluginSettings settings, FilterState state) {
        return settings.reporter() == StatsPluginSettings.Reporter.SERVER_GATEWAY ? PeerState.peer(state, false) : null;
    }

    /** Where the grpc_stats filter ({@code emit_filter_state}) leaves a stream's message counts. */
    static final String GRPC_STATS = "envoy.filters.http.grpc_stats";

    /** Envoy's GrpcStatsObject in its text form, "requests,responses"; null when absent or not that. */
    static long[] grpcMessages(Object counts) {
        if (counts == null) {
            return null;
        }
        String[] parts = counts.toString().split(",");
        try {
            return parts.length == 2 ? new long[]{Long.parseLong(parts[0].trim()), Long.parseLong(parts[1].trim())} : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Envoy's {@code Grpc::Common::isGrpcRequestHeaders}: a path and a content type that is
     * {@code application/grpc} or {@code application/grpc+<subtype>} (gRPC-Web and
     * {@code application/grpc;...} are plain HTTP to istio-proxy).
     */
    static boolean isGrpcRequest(Http2Headers headers) {
        CharSequence ct = headers.get("content-type");
        if (headers.path() == null || ct == null || !ct.toString().startsWith("application/grpc")) {
            return false;
        }
        return ct.length() == "application/grpc".length() || ct.charAt("application/grpc".length()) == '+';
    }

    /**
     * Envoy's {@code Grpc::Common::getGrpcStatus(trailers, headers, info)}: trailers, then headers
     * (an empty grpc-status counts as absent), then inferred from the HTTP status; empty when there
     * is no status at all (a reset before any response).
     */
    static String grpcStatus(StreamInfo info) {
        for (Http2Headers h : new Http2Headers[]{info.responseTrailers, info.responseHeaders}) {
            CharSequence s = h == null ? null : h.get("grpc-status");
            if (s != null && s.length() > 0) {
                return Long.toString(grpcStatusCode(s.toString()));
            }
        }
        return info.responseCode == 0 ? "" : Integer.toString(io.remora.http.GrpcHttpStatus.fromHttp(info.responseCode));
    }

    /** A grpc-status value as Envoy reads it (absl's SimpleAtoi): an unsigned decimal up to 16, else InvalidCode (-1). */
    private static long grpcStatusCode(String value) {
        String digits = value.strip();
        if (digits.startsWith("+")) {
            digits = digits.substring(1);
        }
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        digits = digits.replaceFirst("^0+(?=.)", "");
        return digits.length() > 2 || Integer.parseInt(digits) > 16 ? -1 : Integer.parseInt(digits);
    }

    static String firstUriSan(TlsConnection tls, boolean peer) {
        if (tls == null || !tls.established()) {
            return null;
        }
        List<String> sans = peer ? tls.peerUriSans() : tls.localUriSans();
        return sans.isEmpty() ? null : sans.get(0);
    }
}

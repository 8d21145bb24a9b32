package io.remora.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.accesslog.AccessLog;
import io.remora.accesslog.StreamInfo;
import io.remora.config.AccessLogType;
import io.remora.http.upstream.ResetReason;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A try of a router with {@code upstream_log}: the try keeps a stream info of its own, as Envoy's
 * UpstreamRequest does, and logs it when it ends (and, when configured, when its stream is ready and
 * periodically). Made only for such routers, so every other try stays the plain, smaller object.
 *
 * <p>As Envoy's: the downstream connection's view and the request as sent upstream, this try's
 * host, connection and response; bytes sent are the request body written upstream and bytes received
 * the response body read; the duration is the try's; filter state is the try's own (empty). Its
 * durations run from the try's start; it has no downstream moments (Envoy's upstream stream info
 * has no downstream timing), so those print {@code -}.
 */
final class LoggedUpstreamRequest extends UpstreamRequest {
    private final StreamInfo tryInfo = new StreamInfo();
    private final java.util.List<AccessLog> logs;
    private ScheduledFuture<?> periodic;
    private boolean ready;
    private boolean ended;

    LoggedUpstreamRequest(RouterFilter router, Cluster cluster, Host host, Http2Headers headers,
                          java.util.List<AccessLog> logs) {
        super(router, cluster, host, headers);
        this.logs = logs;
        StreamInfo parent = router.info;
        tryInfo.fromConnection(router.cb.connection(), null);
        tryInfo.connectionId = parent.connectionId;
        tryInfo.shareWireBytes(parent);
        tryInfo.downstreamRemoteAddress = parent.downstreamRemoteAddress;
        tryInfo.downstreamDirectRemoteAddress = parent.downstreamDirectRemoteAddress;
        tryInfo.downstreamLocalAddress = parent.downstreamLocalAddress;
        tryInfo.downstreamDirectLocalAddress(parent.downstreamDirectLocalAddress());
        tryInfo.protocol = parent.protocol;
        tryInfo.routeName = parent.routeName;
        tryInfo.attemptCount = parent.attemptCount;
        tryInfo.requestHeaders = headers;
        tryInfo.requestLine(headers);
        tryInfo.forwarding(headers);
        tryInfo.upstreamCluster(cluster.config().name(), cluster.config());
        tryInfo.upstreamHost = host.address();
        tryInfo.upstreamHostName = host.hostname();
        tryInfo.upstreamConfiguredAddress(host.configuredAddress());
        tryInfo.upstreamHostMetadata = host.metadataByNamespace;
        tryInfo.upstreamClusterMetadata = router.cluster.config().metadata();
    }

    /** The try's own log reads how its connection closed, as Envoy's upstream info has it. */
    @Override
    public void onConnectionClosed(io.remora.accesslog.ConnectionCloses.Type type, String localReason) {
        super.onConnectionClosed(type, localReason);
        tryInfo.upstreamClosed(type, localReason);
    }

    /** The pool gave the stream (or a hedged try won): before anything is written on it. */
    @Override
    void describeUpstream() {
        super.describeUpstream();
        if (ready || ended) {
            return;
        }
        ready = true;
        tryInfo.upstreamLocalAddress = stream.localAddress();
        tryInfo.upstreamRemoteAddress(router.info.upstreamRemoteAddress());
        tryInfo.upstreamConnection = stream;
        tryInfo.upstreamTls = stream.tls();
        Duration every = router.shared.config().upstreamLogFlushInterval();
        if (every != null) {
            long ms = every.toMillis();
            periodic = router.cb.eventLoop().scheduleAtFixedRate(() -> log(AccessLogType.UPSTREAM_PERIODIC),
                    ms, ms, TimeUnit.MILLISECONDS);
        }
        if (router.shared.config().flushUpstreamLogOnUpstreamStream()) {
            log(AccessLogType.UPSTREAM_POOL_READY);
        }
    }

    /**
     * The try's own info keeps its upstream moments too: Envoy's upstream log reads the upstream
     * timing the try shares with the stream, against the try's own start.
     */
    @Override
    void mark(io.remora.accesslog.StreamTimings.Point p) {
        super.mark(p);
        tryInfo.mark(p);
    }

    @Override
    void flush() {
        int before = written;
        super.flush();
        for (int i = before; i < written; i++) {
            tryInfo.bytesSent += router.body.chunk(i).readableBytes();
        }
    }

    @Override
    void responseHeaders(Http2Headers h, int status) {
        super.responseHeaders(h, status);
        tryInfo.responseHeaders = h;
        tryInfo.responseCode = status;
        tryInfo.upstreamServiceTimeNanos = System.nanoTime() - tryInfo.startNanos;
    }

    @Override
    void deliverData(ByteBuf data, boolean endStream) {
        tryInfo.bytesReceived += data.readableBytes();
        super.deliverData(data, endStream);
    }

    @Override
    void deliverTrailers(Http2Headers trailers) {
        tryInfo.responseTrailers = trailers;
        super.deliverTrailers(trailers);
    }

    @Override
    void recordReset(ResetReason reason, String transportFailure) {
        tryInfo.setFlag(reason.responseFlag());
        if (transportFailure != null) {
            tryInfo.upstreamTransportFailureReason(transportFailure);
        }
        super.recordReset(reason, transportFailure);
    }

    @Override
    void release() {
        super.release();
        if (ended) {
            return;
        }
        ended = true;
        if (periodic != null) {
            periodic.cancel(false);
        }
        tryInfo.durationNanos = System.nanoTime() - tryInfo.startNanos;
        log(AccessLogType.UPSTREAM_END);
    }

    private void log(AccessLogType type) {
        tryInfo.accessLogType(type);
        for (AccessLog l : logs) {
            l.log(tryInfo);
        }
    }
}

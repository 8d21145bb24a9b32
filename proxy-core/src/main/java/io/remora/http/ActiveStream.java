package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.AccessLogs;
import io.remora.config.AccessLogType;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.network.FilterState;
import io.remora.route.HeaderFormatter;
import io.remora.route.RouteEntry;

import java.net.SocketAddress;
import java.util.function.Consumer;

/**
 * One request/response exchange on the downstream side, whatever the protocol (Envoy's
 * {@code ConnectionManagerImpl::ActiveStream}): Envoy's request header handling, the route cache,
 * the stream's {@link FilterManager}, the codec end of the response, stats and access logging;
 * its request head ({@link StreamRequestHead}), header checks ({@link RequestHeaderChecks},
 * {@link ResponseHeaderMutator}), local replies
 * ({@link LocalReply}), timeouts ({@link StreamTimeouts}) and what a cached route sets
 * ({@link CachedRouteUpdate}) live beside it, static over its fields. Confined to the connection's event loop.
 */
final class ActiveStream extends StreamFlowControl implements HeaderFormatter.Context {

    final ConnectionContext cx;
    final HttpConnectionManager hcm;
    final StreamEncoder encoder;
    final StreamInfo info = new StreamInfo();
    Http2Headers requestHeaders;
    Routes routes = Routes.NONE;
    private RouteEntry route;
    /** The cluster the route picked for this stream (weighted pick, header), or null. */
    String clusterName;
    private boolean routeCached;
    /** What filters asked to run when the route is looked up again (tracing's refresh); null: nothing. */
    Runnable routeRefreshed;
    boolean grpc;
    boolean head;
    /** Null until the request headers passed Envoy's checks; local replies before go straight out. */
    FilterManager filters;
    /** A local reply was sent: no more request data reaches the filters. */
    private boolean decodingAborted;
    boolean remoteComplete;
    boolean responseStarted;
    boolean localComplete;
    private boolean ended;
    long idleTimeoutNanos;
    long lastActivityNanos;
    /** Links in the connection's list of streams its stream-idle timer watches. */
    ActiveStream idlePrev;
    ActiveStream idleNext;
    boolean idleWatched;
    /** request_timeout's, max_stream_duration's and periodic access logs' timers; null while none runs (most streams). */
    StreamTimeouts.Timers timers;
    /** The upgrade this stream asked for and was allowed (its Upgrade value, or CONNECT), or null. */
    String upgrade;
    /** Counted in downstream_cx_upgrades_active until the stream ends. */
    boolean upgradeActive;
    /**
     * The upstream accepted the upgrade (101, or 2xx to CONNECT): both directions are now an
     * opaque byte stream that ends when both sides have ended (half-close either way).
     */
    boolean tunnel;

    /** Envoy's stream start: where its head began, which request_timeout and max_stream_duration count from. */
    final long startNanos;

    ActiveStream(ConnectionContext cx, StreamEncoder encoder) {
        this.cx = cx;
        this.hcm = cx.hcm;
        this.encoder = encoder;
        SocketAddress remote = cx.remoteAddress();
        info.downstreamRemoteAddress = remote;
        // The socket's peer, even when a PROXY header named another client, as Envoy's.
        SocketAddress peer = cx.channel.remoteAddress();
        info.downstreamDirectRemoteAddress = peer != null ? peer : remote;
        info.downstreamLocalAddress = cx.localAddress();
        info.downstreamDirectLocalAddress(cx.channel.localAddress());
        info.protocol = cx.protocol();
        info.fromConnection(cx.info, cx.channel); // id, TLS, SNI, filter chain
        adoptConnectionFilterState();
        hcm.stats.downstreamRqTotal.increment();
        hcm.stats.downstreamRqActive.incrementAndGet();
        if (cx.http2) {
            hcm.stats.downstreamRqHttp2Total.increment();
        } else {
            hcm.stats.downstreamRqHttp1Total.increment();
        }
        cx.streamStarted();
        cx.worker().addStream(this);
        lastActivityNanos = info.startNanos;
        long headStart = cx.headerPhaseStartNanos;
        cx.headerPhaseStartNanos = 0;
        if (headStart != 0) {
            // Envoy's codec makes the stream at the request's first byte: %START_TIME% and the
            // durations counted from it start there, not where the head was complete.
            info.startedAt(headStart);
        }
        startNanos = info.startNanos;
        idleTimeoutNanos = hcm.streamIdleTimeoutNanos;
        StreamTimeouts.armIdleTimer(this);
        StreamTimeouts.startRequestTimer(this);
        StreamAccessLogs.startPeriodic(this);
    }

    @Override
    boolean ended() {
        return ended;
    }

    @Override
    StreamEncoder encoder() {
        return encoder;
    }

    @Override
    io.remora.stats.HttpConnManagerStats connectionManagerStats() {
        return hcm.stats;
    }

    boolean responseStarted() {
        return responseStarted;
    }

    boolean remoteComplete() {
        return remoteComplete;
    }

    boolean decodingAborted() {
        return decodingAborted;
    }

    /** A local reply was sent (or the stream was reset for overload): no more request data reaches the filters. */
    void abortDecoding() {
        decodingAborted = true;
    }

    /** The upstream accepted this stream's upgrade: its bodies are raw tunnel bytes. */
    boolean tunnel() {
        return tunnel;
    }

    // ---------------------------------------------------------------- request path (from codec)

    /** Envoy's ActiveStream::decodeHeaders: see {@link StreamRequestHead}. */
    void decodeHeaders(Http2Headers headers, boolean endStream) {
        StreamRequestHead.decode(this, headers, endStream);
    }

    /** Envoy's recreateStream, for an internal redirect: see {@link StreamRecreation}. */
    boolean recreateStream(ByteBuf body, Http2Headers response) {
        // An encoder (custom response) may recreate from its response headers: nothing went downstream yet.
        if (ended || !remoteComplete || filters == null || responseStarted || tunnel) {
            if (body != null) {
                body.release();
            }
            return false;
        }
        FilterManager first = filters;
        filters = null;
        // A custom response may send again a request answered by a local reply: the new run decodes afresh.
        decodingAborted = false;
        clearWatermarkCallbacks();
        first.destroy();
        StreamRecreation.logFirstRun(this, response);
        info.restartForInternalRedirect();
        cx.channel.eventLoop().execute(() -> StreamRecreation.decode(this, body));
        return true;
    }

    /** The cached route, without resolving one: null when none has been resolved (or none matched). */
    RouteEntry cachedRoute() {
        return routeCached ? route : null;
    }

    /** The route cache (Envoy's cached route): resolved on first use after each clear. */
    RouteEntry route() {
        if (!routeCached && requestHeaders != null) {
            routeCached = true;
            // As Envoy's refreshCachedRoute: the stream's id is the one random of runtime-fraction
            // matches and of the weighted pick (and of mirror policies), so their samples line up.
            long random = info.streamId() & Long.MAX_VALUE;
            route = routes.route(requestHeaders, random, info);
            clusterName = route == null ? null : route.pickCluster(requestHeaders, random, hcm.context.runtime());
            CachedRouteUpdate.taken(this, route);
        }
        return route;
    }

    /**
     * Envoy gives every stream a filter state whose parent is the connection's, so the stream's access
     * log, formatters, matchers and router (which hands shared objects on) see what connection-level
     * filters left, or what an outer connection shared into this internal listener's. Made only when
     * the connection has state: no allocation for streams of connections without any.
     */
    private void adoptConnectionFilterState() {
        if (info.filterState() == null && FilterState.existing(cx.channel) != null) {
            filterState();
        }
    }

    FilterState filterState() {
        FilterState f = info.filterState();
        if (f == null) {
            f = new FilterState(cx.filterState());
            info.filterState(f);
        }
        return f;
    }

    void decodeData(ByteBuf data, boolean endStream) {
        if (ended || remoteComplete) {
            data.release();
            return;
        }
        touch();
        info.bytesReceived += data.readableBytes();
        if (endStream) {
            remoteComplete = true;
            cancelRequestTimer();
            info.mark(io.remora.accesslog.StreamTimings.Point.DS_RX_END);
        }
        if (filters == null) {
            data.release();
            return;
        }
        filters.data(0, data, endStream);
        if (endStream && tunnel && localComplete) {
            end(); // the second half of the tunnel closed
        }
    }

    void decodeTrailers(Http2Headers trailers) {
        if (ended || remoteComplete) {
            return;
        }
        touch();
        remoteComplete = true;
        cancelRequestTimer();
        info.mark(io.remora.accesslog.StreamTimings.Point.DS_RX_END);
        if (filters != null) {
            filters.trailers(0, trailers);
        }
    }

    void sendLocalReply(int status, String body, ResponseFlag flag, String details) {
        sendLocalReply(status, body, flag, details, null, -1);
    }

    /** Envoy's sendLocalReply (see {@link LocalReply#send}). */
    void sendLocalReply(int status, String body, ResponseFlag flag, String details,
                        Consumer<Http2Headers> modifyHeaders, int grpcStatus) {
        LocalReply.send(this, status, body, flag, details, modifyHeaders, grpcStatus);
    }

    void resetStream() {
        if (ended) {
            return;
        }
        hcm.stats.downstreamRqTxReset.increment();
        encoder.resetStream(false);
        end();
    }

    void clearRouteCache() {
        routeCached = false;
        route = null;
        clusterName = null;
    }

    // ---------------------------------------------------------------- timeouts

    void touch() {
        lastActivityNanos = System.nanoTime();
    }

    /** Called by the connection's stream-idle timer (see {@link StreamTimeouts#checkIdle}). */
    long checkIdle(long now) {
        return StreamTimeouts.checkIdle(this, now);
    }

    void cancelRequestTimer() {
        StreamTimeouts.cancelRequestTimer(this);
    }

    // ---------------------------------------------------------------- end of stream

    /** The stream is over (both halves, a reset, or a local reply's end): release it, count it, log it. */
    void end() {
        if (ended) {
            return;
        }
        ended = true;
        cx.worker().removeStream(this);
        cancelRequestTimer();
        StreamTimeouts.cancelDurationTimer(this);
        StreamAccessLogs.cancelPeriodic(this);
        cx.unwatchStreamIdle(this);
        info.finish();
        if (filters != null) {
            filters.destroy();
        }
        if (upgradeActive) {
            upgradeActive = false;
            hcm.stats.downstreamCxUpgradesActive.decrementAndGet();
        }
        hcm.stats.downstreamRqActive.decrementAndGet();
        hcm.stats.downstreamRqTime.record(info.durationNanos / 1_000_000); // whole milliseconds, as Envoy records it
        adoptConnectionFilterState(); // a connection-level object set while the stream ran
        AccessLogs.emit(hcm.accessLogs, info, AccessLogType.DOWNSTREAM_END);
        cx.streamEnded();
        encoder.streamDone();
    }

    // ---------------------------------------------------------------- overload (WorkerOverload.Tracked)

    @Override
    protected long bufferedBytes() {
        long n = filters == null ? 0 : filters.heldBytes();
        if (!cx.http2) {
            // HTTP/1.1 runs one stream at a time: the connection's unsent response bytes are its.
            io.netty.channel.ChannelOutboundBuffer out = cx.channel.unsafe().outboundBuffer();
            if (out != null) {
                n += out.totalPendingWriteBytes();
            }
        }
        return n;
    }

    @Override
    protected void resetForOverload() {
        StreamResets.overload(this);
    }

    // ---------------------------------------------------------------- HeaderFormatter.Context

    @Override
    public StreamInfo streamInfo() {
        return info;
    }

    @Override
    public Http2Headers requestHeaders() {
        return requestHeaders;
    }
}

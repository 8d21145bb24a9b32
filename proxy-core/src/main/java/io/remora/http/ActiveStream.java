package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.AccessLog;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.ForwardAction;
import io.remora.http.filter.WatermarkCallbacks;
import io.remora.network.FilterState;
import io.remora.config.OverloadManagerConfig.TimerType;
import io.remora.overload.WorkerOverload;
import io.remora.route.HeaderFormatter;
import io.remora.route.RouteEntry;
import io.remora.stats.HttpConnManagerStats;
import io.remora.util.WorkerTimer;

import java.net.SocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * One request/response exchange on the downstream side, whatever the protocol (Envoy's
 * {@code ConnectionManagerImpl::ActiveStream}): Envoy's request header handling, the route cache,
 * the stream's {@link FilterManager}, the codec end of the response, local replies, timeouts,
 * stats and access logging. Confined to the connection's event loop.
 */
final class ActiveStream extends WorkerOverload.Tracked implements HeaderFormatter.Context {

    private static final AsciiString SERVER = AsciiString.cached("server");
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString USER_AGENT = AsciiString.cached("user-agent");
    private static final AsciiString XFF = AsciiString.cached("x-forwarded-for");
    private static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain");
    private static final AsciiString CLOSE = AsciiString.cached("close");

    final ConnectionContext cx;
    final HttpConnectionManager hcm;
    final HttpConnManagerStats stats;
    final StreamEncoder encoder;
    final StreamInfo info = new StreamInfo();
    Http2Headers requestHeaders;
    Routes routes = Routes.NONE;
    private RouteEntry route;
    /** The cluster the route picked for this stream (weighted pick, header), or null. */
    String clusterName;
    private boolean routeCached;
    long random;
    private long clusterRandom;
    boolean grpc;
    boolean head;
    /** Null until the request headers passed Envoy's checks; local replies before go straight out. */
    private FilterManager filters;
    private FilterState filterState;
    /** A local reply was sent: no more request data reaches the filters. */
    private boolean decodingAborted;
    private WatermarkCallbacks watermarks;
    private boolean remoteComplete;
    private boolean responseStarted;
    private boolean localComplete;
    private boolean ended;
    private int readDisables;
    private long idleTimeoutNanos;
    private long lastActivityNanos;
    /** Links in the connection's list of streams its stream-idle timer watches. */
    ActiveStream idlePrev;
    ActiveStream idleNext;
    boolean idleWatched;
    private WorkerTimer.Timeout requestTimer;
    /** The upgrade this stream asked for and was allowed (its Upgrade value, or CONNECT), or null. */
    String upgrade;
    /** Counted in downstream_cx_upgrades_active until the stream ends. */
    private boolean upgradeActive;
    /**
     * The upstream accepted the upgrade (101, or 2xx to CONNECT): both directions are now an
     * opaque byte stream that ends when both sides have ended (half-close either way).
     */
    private boolean tunnel;

    ActiveStream(ConnectionContext cx, StreamEncoder encoder) {
        this.cx = cx;
        this.hcm = cx.hcm;
        this.stats = hcm.stats;
        this.encoder = encoder;
        info.downstreamRemoteAddress = cx.remoteAddress;
        info.downstreamDirectRemoteAddress = cx.remoteAddress;
        info.downstreamLocalAddress = cx.localAddress;
        info.protocol = cx.protocol;
        info.fromConnection(cx.info, cx.channel); // id, TLS, SNI, filter chain
        stats.downstreamRqTotal.increment();
        stats.downstreamRqActive.incrementAndGet();
        if ("HTTP/2".equals(cx.protocol)) {
            stats.downstreamRqHttp2Total.increment();
        } else {
            stats.downstreamRqHttp1Total.increment();
        }
        cx.streamStarted();
        cx.worker.addStream(this);
        lastActivityNanos = info.startNanos;
        idleTimeoutNanos = hcm.streamIdleTimeoutNanos;
        armIdleTimer();
        if (hcm.requestTimeoutNanos > 0) {
            requestTimer = new WorkerTimer.Timeout(this::onRequestTimeout);
            WorkerTimer.of(cx.channel.eventLoop()).arm(requestTimer, hcm.requestTimeoutNanos);
        }
    }

    boolean ended() {
        return ended;
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

    /** The upstream accepted this stream's upgrade: its bodies are raw tunnel bytes. */
    boolean tunnel() {
        return tunnel;
    }

    // ---------------------------------------------------------------- request path (from codec)

    void decodeHeaders(Http2Headers headers, boolean endStream) {
        requestHeaders = headers;
        info.requestHeaders = headers; // %REQ(x)% sees them as forwarded, as Envoy's access log does
        remoteComplete = endStream;
        if (endStream) {
            cancelRequestTimer();
        }
        CharSequence method = headers.method();
        info.method = method == null ? null : method.toString();
        CharSequence path = headers.path();
        info.path = path == null ? null : path.toString();
        CharSequence authority = headers.authority();
        info.authority = authority == null ? null : authority.toString();
        CharSequence ua = headers.get(USER_AGENT);
        info.userAgent = ua == null ? null : ua.toString();
        head = method != null && AsciiString.contentEquals("HEAD", method);
        CharSequence ct = headers.get(CONTENT_TYPE);
        grpc = ct != null && AsciiString.regionMatches(ct, false, 0, "application/grpc", 0, 16);

        if (hcm.overload.shouldStopAcceptingRequest()) {
            // Envoy's stop_accepting_requests: no filter chain, 503 at once.
            stats.downstreamRqOverloadClose.increment();
            sendLocalReply(503, "envoy overloaded", ResponseFlag.OVERLOAD_MANAGER, "overload");
            return;
        }
        if (headers.size() > hcm.maxRequestHeadersCount) {
            sendLocalReply(431, "Request Header Fields Too Large", null, "http1.too_many_headers");
            return;
        }
        if (path == null && (method == null || !AsciiString.contentEquals("CONNECT", method))) {
            sendLocalReply(400, "Bad Request", ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "missing_path_rejected");
            return;
        }
        if (path != null && (hcm.config.normalizePath() || hcm.config.mergeSlashes())) {
            String normalized = PathNormalizer.normalize(path.toString(), hcm.config.normalizePath(),
                    hcm.config.mergeSlashes());
            if (normalized == null) {
                sendLocalReply(400, "Bad Request", null, "path_normalization_failed");
                return;
            }
            if (!AsciiString.contentEquals(normalized, path)) {
                headers.path(normalized);
                info.path = normalized;
            }
        }
        routes = hcm.routes.current();
        io.remora.tls.ForwardedClientCert.apply(hcm.config.clientCertForwarding(),
                cx.info == null ? null : cx.info.tls(), headers);
        RequestHeaderMutator.mutate(headers, this);
        CharSequence xff = headers.get(XFF);
        info.forwardedFor = xff == null ? null : xff.toString();
        CharSequence rid = headers.get(X_REQUEST_ID);
        info.requestId = rid == null ? null : rid.toString();

        random = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        clusterRandom = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        HttpConnectionManager.FilterFactoryEntry[] chain = hcm.filterFactories;
        String requested = Upgrades.requested(headers);
        if (requested != null) {
            // Envoy's createUpgradeFilterChain: the route's upgrade_configs, else the connection manager's.
            chain = hcm.upgrades.chain(requested, route(), hcm.filterFactories);
            if (chain == null) {
                stats.downstreamRqWsOnNonWsRoute.increment();
                sendLocalReply(403, "", null, "upgrade_failed");
                return;
            }
            upgrade = requested;
            upgradeActive = true;
            stats.downstreamCxUpgradesTotal.increment();
            stats.downstreamCxUpgradesActive.incrementAndGet();
        }
        filters = new FilterManager(this, chain, route(), clusterName);
        filters.decode.headers(0, headers, endStream);
    }

    /** The route cache (Envoy's cached route): resolved on first use after each clear. */
    RouteEntry route() {
        if (!routeCached && requestHeaders != null) {
            routeCached = true;
            route = routes.route(requestHeaders, random, clusterRandom, info);
            clusterName = route == null ? null : route.pickCluster(requestHeaders, clusterRandom);
            info.routeName = route == null ? null : route.route().name();
            if (route != null && route.route().action() instanceof ForwardAction f && f.idleTimeout() != null) {
                idleTimeoutNanos = f.idleTimeout().toNanos();
                armIdleTimer(); // a shorter route timeout pulls the connection's timer forward
            }
        }
        return route;
    }

    FilterState filterState() {
        if (filterState == null) {
            filterState = new FilterState(cx.filterState());
            info.filterState = filterState;
        }
        return filterState;
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
        }
        if (filters == null) {
            data.release();
            return;
        }
        filters.decode.data(0, data, endStream);
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
        if (filters != null) {
            filters.decode.trailers(0, trailers);
        }
    }

    /** The downstream reset the stream or the connection closed under it. */
    void onDownstreamReset() {
        if (ended) {
            return;
        }
        stats.downstreamRqRxReset.increment();
        info.setFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
        if (info.responseCodeDetails == null) {
            info.responseCodeDetails = "downstream_remote_disconnect";
        }
        end();
    }

    void onWritabilityChanged(boolean writable) {
        WatermarkCallbacks w = watermarks;
        if (w != null && !ended) {
            if (writable) {
                w.onBelowWriteBufferLowWatermark();
            } else {
                w.onAboveWriteBufferHighWatermark();
            }
        }
    }

    // ---------------------------------------------------------------- response path, codec end

    /** Response headers that passed the encoder filters: Envoy's last touches, then the codec. */
    void writeHeaders(Http2Headers headers, boolean endStream) {
        if (ended || responseStarted) {
            return;
        }
        int status = statusOf(headers);
        if (status < 100 || status > 999) {
            // Nothing valid to send downstream: a bug upstream of us costs only this stream.
            resetStream();
            return;
        }
        touch();
        responseStarted = true;
        info.responseCode = status;
        if (info.responseCodeDetails == null) {
            info.responseCodeDetails = "via_upstream";
        }
        switch (hcm.serverHeaderTransformation) {
            case OVERWRITE -> headers.set(SERVER, hcm.serverName);
            case APPEND_IF_ABSENT -> {
                if (!headers.contains(SERVER)) {
                    headers.set(SERVER, hcm.serverName);
                }
            }
            default -> {
            }
        }
        stats.response(status);
        boolean upgradeAccepted = upgrade != null
                && (status == 101 || (Upgrades.CONNECT.equals(upgrade) && status >= 200 && status < 300));
        if (!upgradeAccepted && !cx.draining && !hcm.draining() && hcm.overload.shouldDisableKeepalive()) {
            // Envoy's disable_http_keepalive: HTTP/1 closes after this response, HTTP/2 drains
            // (GOAWAY) once this stream's frames are out; an accepted upgrade is no longer HTTP.
            stats.downstreamCxOverloadDisableKeepalive.increment();
            if ("HTTP/2".equals(cx.protocol)) {
                cx.channel.eventLoop().execute(cx::drain);
            } else {
                headers.set(Http1Headers.CONNECTION, CLOSE);
            }
        }
        info.responseHeaders = headers;
        if (upgradeAccepted) {
            // No request or route timeout for the life of a tunnel; the stream idle timeout stays.
            tunnel = true;
            cancelRequestTimer();
        }
        if (endStream) {
            localComplete = true;
        }
        encoder.encodeHeaders(headers, endStream);
        if (endStream) {
            onLocalComplete();
        }
    }

    void writeData(ByteBuf data, boolean endStream) {
        if (ended || !responseStarted || localComplete) {
            data.release();
            return;
        }
        touch();
        info.bytesSent += data.readableBytes();
        if (endStream) {
            localComplete = true;
        }
        encoder.encodeData(data, endStream);
        if (endStream) {
            onLocalComplete();
        }
    }

    void writeTrailers(Http2Headers trailers) {
        if (ended || !responseStarted || localComplete) {
            return;
        }
        touch();
        localComplete = true;
        info.responseTrailers = trailers;
        encoder.encodeTrailers(trailers);
        onLocalComplete();
    }

    private void onLocalComplete() {
        if (ended) {
            return;
        }
        if (!remoteComplete) {
            if (tunnel) {
                return; // half-closed: the client may still send until it ends its side
            }
            // The response is done before the request: abandon the rest of the request.
            encoder.resetStream(true);
        }
        end();
    }

    void sendLocalReply(int status, String body, ResponseFlag flag, String details) {
        sendLocalReply(status, body, flag, details, null, -1);
    }

    /**
     * Envoy's sendLocalReply: through the encoder filters when none has seen response headers yet,
     * else straight to the codec; a reset once the codec has started the response.
     */
    void sendLocalReply(int status, String body, ResponseFlag flag, String details,
                        Consumer<Http2Headers> modifyHeaders, int grpcStatus) {
        if (ended) {
            return;
        }
        if (flag != null) {
            info.setFlag(flag);
        }
        info.responseCodeDetails = details;
        decodingAborted = true;
        if (responseStarted) {
            resetStream();
            return;
        }
        boolean viaFilters = filters != null && !filters.encode.headersStarted;
        String text = body == null ? "" : body;
        Http2Headers h = new DefaultHttp2Headers(false);
        if (!remoteComplete) {
            // The rest of the request will not be read: HTTP/1.1 must close (HTTP/2 strips this).
            h.set(Http1Headers.CONNECTION, CLOSE);
        }
        ByteBuf buf = null;
        if (grpc) {
            LocalReply.grpcTrailersOnly(h, status, text, grpcStatus);
        } else {
            h.status(LocalReply.statusText(status));
            if (text.isEmpty() || head) {
                h.setInt(CONTENT_LENGTH, head ? LocalReply.utf8Length(text) : 0);
            } else {
                buf = cx.channel.alloc().buffer(text.length());
                buf.writeCharSequence(text, java.nio.charset.StandardCharsets.UTF_8);
                h.setInt(CONTENT_LENGTH, buf.readableBytes());
                h.set(CONTENT_TYPE, TEXT_PLAIN);
            }
        }
        if (modifyHeaders != null) {
            modifyHeaders.accept(h);
        }
        if (viaFilters) {
            filters.encodeHeaders(h, buf == null);
        } else {
            writeHeaders(h, buf == null);
        }
        if (buf == null) {
            return;
        }
        if (ended) {
            buf.release();
        } else if (viaFilters) {
            filters.encodeData(buf, true);
        } else {
            writeData(buf, true);
        }
    }

    void resetStream() {
        if (ended) {
            return;
        }
        stats.downstreamRqTxReset.increment();
        encoder.resetStream(false);
        end();
    }

    // ---------------------------------------------------------------- flow control

    void pauseDecoding() {
        if (readDisables++ == 0 && !ended) {
            encoder.readDisable(true);
        }
    }

    void resumeDecoding() {
        if (readDisables > 0 && --readDisables == 0 && !ended) {
            encoder.readDisable(false);
        }
    }

    void setWatermarkCallbacks(WatermarkCallbacks callbacks) {
        this.watermarks = callbacks;
        if (callbacks != null && !encoder.isWritable()) {
            callbacks.onAboveWriteBufferHighWatermark();
        }
    }

    void clearRouteCache() {
        routeCached = false;
        route = null;
        clusterName = null;
    }

    // ---------------------------------------------------------------- timeouts

    private void touch() {
        lastActivityNanos = System.nanoTime();
    }

    // The connection's one stream-idle timer watches this stream: no timer scheduled per request.
    private void armIdleTimer() {
        if (idleTimeoutNanos > 0 && !ended) {
            cx.watchStreamIdle(this, lastActivityNanos + scaledIdleTimeout());
        }
    }

    /** The stream idle timeout now: reduce_timeouts (HTTP_DOWNSTREAM_STREAM_IDLE) shortens it under pressure. */
    private long scaledIdleTimeout() {
        return hcm.overload.scaledTimeoutNanos(TimerType.HTTP_DOWNSTREAM_STREAM_IDLE, idleTimeoutNanos);
    }

    /**
     * Called by the connection's stream-idle timer; times the stream out if it has been idle for
     * its timeout, and returns when it next needs a look ({@code Long.MAX_VALUE}: never).
     */
    long checkIdle(long now) {
        if (ended || idleTimeoutNanos <= 0) {
            return Long.MAX_VALUE;
        }
        long idle = now - lastActivityNanos;
        long timeout = scaledIdleTimeout();
        if (idle < timeout) {
            return now + (timeout - idle);
        }
        stats.downstreamRqIdleTimeout.increment();
        info.setFlag(ResponseFlag.STREAM_IDLE_TIMEOUT);
        if (responseStarted) {
            info.responseCodeDetails = "stream_idle_timeout";
            resetStream();
        } else {
            sendLocalReply(408, "stream timeout", ResponseFlag.STREAM_IDLE_TIMEOUT, "stream_idle_timeout");
        }
        return Long.MAX_VALUE;
    }

    private void onRequestTimeout() {
        if (ended || remoteComplete) {
            return;
        }
        stats.downstreamRqTimeout.increment();
        if (responseStarted) {
            info.responseCodeDetails = "request_overall_timeout";
            resetStream();
        } else {
            sendLocalReply(408, "request timeout", null, "request_overall_timeout");
        }
    }

    private void cancelRequestTimer() {
        if (requestTimer != null) {
            requestTimer.cancel();
            requestTimer = null;
        }
    }

    // ---------------------------------------------------------------- end of stream

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        cx.worker.removeStream(this);
        cancelRequestTimer();
        cx.unwatchStreamIdle(this);
        info.finish();
        if (filters != null) {
            filters.destroy();
        }
        if (upgradeActive) {
            upgradeActive = false;
            stats.downstreamCxUpgradesActive.decrementAndGet();
        }
        stats.downstreamRqActive.decrementAndGet();
        stats.downstreamRqTime.record(info.durationNanos / 1_000_000.0);
        for (AccessLog log : hcm.accessLogs) {
            try {
                log.log(info);
            } catch (RuntimeException e) {
                // An access log failure never fails the stream.
            }
        }
        cx.streamEnded();
        encoder.streamDone();
    }

    // ---------------------------------------------------------------- overload (WorkerOverload.Tracked)

    @Override
    protected long bufferedBytes() {
        long n = filters == null ? 0 : filters.bufferedBytes();
        if (!"HTTP/2".equals(cx.protocol)) {
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
        if (ended) {
            return;
        }
        // Envoy's reset_high_memory_stream: a reset, not a reply, with flag OM and details overload.
        info.setFlag(ResponseFlag.OVERLOAD_MANAGER);
        info.responseCodeDetails = "overload";
        decodingAborted = true;
        resetStream();
    }

    static int statusOf(Http2Headers headers) {
        CharSequence s = headers.status();
        if (s == null) {
            return 0;
        }
        try {
            return AsciiString.of(s).parseInt();
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ---------------------------------------------------------------- HeaderFormatter.Context

    @Override
    public SocketAddress downstreamRemoteAddress() {
        return info.downstreamRemoteAddress;
    }

    @Override
    public SocketAddress downstreamLocalAddress() {
        return cx.localAddress;
    }

    @Override
    public String protocol() {
        return cx.protocol;
    }

    @Override
    public long startTimeMillis() {
        return info.startMillis;
    }

    @Override
    public Http2Headers requestHeaders() {
        return requestHeaders;
    }
}

package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.AccessLog;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.DirectResponseAction;
import io.remora.config.ForwardAction;
import io.remora.config.RedirectAction;
import io.remora.config.RouteAction;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.WatermarkCallbacks;
import io.remora.route.HeaderFormatter;
import io.remora.route.RouteEntry;
import io.remora.stats.HttpConnManagerStats;

import java.net.SocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One request/response exchange on the downstream side, whatever the protocol (Envoy's
 * {@code ConnectionManagerImpl::ActiveStream}): Envoy's request header handling, route selection,
 * the decoder filter chain, response headers, local replies, timeouts, stats and access logging.
 * Confined to the connection's event loop.
 */
final class ActiveStream implements HeaderFormatter.Context {

    private static final AsciiString SERVER = AsciiString.cached("server");
    private static final AsciiString LOCATION = AsciiString.cached("location");
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
    RouteEntry route;
    long random;
    boolean grpc;
    boolean head;
    private FilterSlot[] slots = new FilterSlot[0];
    private WatermarkCallbacks watermarks;
    private boolean remoteComplete;
    private boolean responseStarted;
    private boolean localComplete;
    private boolean ended;
    /** The stream ended other than by a complete request and response: filters get onDestroy. */
    private boolean abnormal;
    private int readDisables;
    private long idleTimeoutNanos;
    private long lastActivityNanos;
    /** Links in the connection's list of streams its stream-idle timer watches. */
    ActiveStream idlePrev;
    ActiveStream idleNext;
    boolean idleWatched;
    private ScheduledFuture<?> requestTimer;

    ActiveStream(ConnectionContext cx, StreamEncoder encoder) {
        this.cx = cx;
        this.hcm = cx.hcm;
        this.stats = hcm.stats;
        this.encoder = encoder;
        info.downstreamRemoteAddress = cx.remoteAddress;
        info.downstreamLocalAddress = cx.localAddress;
        info.protocol = cx.protocol;
        stats.downstreamRqTotal.increment();
        stats.downstreamRqActive.incrementAndGet();
        if ("HTTP/2".equals(cx.protocol)) {
            stats.downstreamRqHttp2Total.increment();
        } else {
            stats.downstreamRqHttp1Total.increment();
        }
        cx.streamStarted();
        lastActivityNanos = info.startNanos;
        idleTimeoutNanos = hcm.streamIdleTimeoutNanos;
        armIdleTimer();
        if (hcm.requestTimeoutNanos > 0) {
            requestTimer = cx.channel.eventLoop().schedule(this::onRequestTimeout, hcm.requestTimeoutNanos,
                    TimeUnit.NANOSECONDS);
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

    // ---------------------------------------------------------------- request path (from codec)

    void decodeHeaders(Http2Headers headers, boolean endStream) {
        requestHeaders = headers;
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
        RequestHeaderMutator.mutate(headers, this);
        CharSequence xff = headers.get(XFF);
        info.forwardedFor = xff == null ? null : xff.toString();
        CharSequence rid = headers.get(X_REQUEST_ID);
        info.requestId = rid == null ? null : rid.toString();

        random = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        if (!selectRoute()) {
            return;
        }
        buildFilterChain();
        if (ended) {
            return;
        }
        iterateHeaders(0, headers, endStream);
    }

    /** Looks up the route and answers what the HCM answers itself; false when the stream is done. */
    private boolean selectRoute() {
        route = routes.route(requestHeaders, random);
        if (route == null) {
            stats.noRoute.increment();
            sendLocalReply(404, "", ResponseFlag.NO_ROUTE_FOUND, "route_not_found");
            return false;
        }
        info.routeName = route.route().name();
        RouteAction action = route.route().action();
        if (action instanceof DirectResponseAction d) {
            stats.rqDirectResponse.increment();
            sendLocalReply(d.status(), d.body() == null ? "" : d.body(), null, "direct_response");
            return false;
        }
        if (action instanceof RedirectAction r) {
            stats.rqRedirect.increment();
            Http2Headers h = new DefaultHttp2Headers(false);
            h.status(AsciiString.of(Integer.toString(r.responseCode() == 0 ? 301 : r.responseCode())));
            h.set(LOCATION, route.redirectLocation(requestHeaders));
            info.responseCodeDetails = "direct_response";
            encodeHeaders(h, true);
            return false;
        }
        if (action instanceof ForwardAction f) {
            if (f.idleTimeout() != null) {
                idleTimeoutNanos = f.idleTimeout().toNanos();
                armIdleTimer(); // a shorter route timeout pulls the connection's timer forward
            }
            // The router only forwards: the cluster is picked here so that a weighted cluster's own
            // header mutations and host rewrite apply, then Envoy's finalizeRequestHeaders order
            // (mutations see the original path, rewrites come last). The router keeps this pick.
            String cluster = route.pickCluster(requestHeaders,
                    java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
            info.upstreamCluster = cluster;
            route.finalizeRequestHeaders(requestHeaders, cluster, this, true);
            CharSequence p = requestHeaders.path();
            info.path = p == null ? null : p.toString();
        }
        return true;
    }

    private void buildFilterChain() {
        var factories = hcm.filterFactories;
        FilterSlot[] s = new FilterSlot[factories.length];
        for (int i = 0; i < factories.length; i++) {
            s[i] = new FilterSlot(this, i, factories[i].newFilter());
        }
        slots = s;
        for (FilterSlot slot : s) {
            slot.filter.setDecoderFilterCallbacks(slot);
        }
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
        iterateData(0, data, endStream);
    }

    void decodeTrailers(Http2Headers trailers) {
        if (ended || remoteComplete) {
            return;
        }
        touch();
        remoteComplete = true;
        cancelRequestTimer();
        iterateTrailers(0, trailers);
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
        abnormal = true;
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

    // ---------------------------------------------------------------- filter iteration

    void iterateHeaders(int from, Http2Headers headers, boolean endStream) {
        for (int i = from; i < slots.length && !ended; i++) {
            if (slots[i].filter.decodeHeaders(headers, endStream) == FilterStatus.STOP_ITERATION) {
                return;
            }
        }
    }

    void iterateData(int from, ByteBuf data, boolean endStream) {
        for (int i = from; i < slots.length; i++) {
            if (ended) {
                break;
            }
            if (slots[i].filter.decodeData(data, endStream) == FilterStatus.STOP_ITERATION) {
                return;
            }
        }
        // Nobody took it (no terminal filter, or the stream is over).
        data.release();
    }

    void iterateTrailers(int from, Http2Headers trailers) {
        for (int i = from; i < slots.length && !ended; i++) {
            if (slots[i].filter.decodeTrailers(trailers) == FilterStatus.STOP_ITERATION) {
                return;
            }
        }
    }

    // ---------------------------------------------------------------- response path

    void encodeHeaders(Http2Headers headers, boolean endStream) {
        if (ended || responseStarted) {
            return;
        }
        int status = statusOf(headers);
        if (status < 100 || status > 999) {
            // Nothing valid to send downstream: a bug upstream of us costs only this stream.
            resetStream();
            return;
        }
        if (status >= 100 && status < 200 && status != 101) {
            // 100-continue was answered by us already; other 1xx are not forwarded.
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
        if (route != null) {
            route.mutateResponseHeaders(headers, info.upstreamCluster, this);
        }
        stats.response(status);
        if (endStream) {
            localComplete = true;
        }
        encoder.encodeHeaders(headers, endStream);
        if (endStream) {
            onLocalComplete();
        }
    }

    void encodeData(ByteBuf data, boolean endStream) {
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

    void encodeTrailers(Http2Headers trailers) {
        if (ended || !responseStarted || localComplete) {
            return;
        }
        touch();
        localComplete = true;
        encoder.encodeTrailers(trailers);
        onLocalComplete();
    }

    private void onLocalComplete() {
        if (ended) {
            return;
        }
        if (!remoteComplete) {
            // The response is done before the request: abandon the rest of the request.
            abnormal = true;
            encoder.resetStream(true);
        }
        end();
    }

    void sendLocalReply(int status, String body, ResponseFlag flag, String details) {
        if (ended) {
            return;
        }
        if (flag != null) {
            info.setFlag(flag);
        }
        info.responseCodeDetails = details;
        abnormal = true;
        if (responseStarted) {
            resetStream();
            return;
        }
        String text = body == null ? "" : body;
        Http2Headers h = new DefaultHttp2Headers(false);
        if (!remoteComplete) {
            // The rest of the request will not be read: HTTP/1.1 must close (HTTP/2 strips this).
            h.set(Http1Headers.CONNECTION, CLOSE);
        }
        if (grpc) {
            LocalReply.grpcTrailersOnly(h, status, text);
            encodeHeaders(h, true);
            // encodeHeaders recorded 200; the access log keeps the gRPC :status.
            return;
        }
        h.status(LocalReply.statusText(status));
        if (text.isEmpty() || head) {
            h.setInt(CONTENT_LENGTH, head ? LocalReply.utf8Length(text) : 0);
            encodeHeaders(h, true);
            return;
        }
        ByteBuf buf = cx.channel.alloc().buffer(text.length());
        buf.writeCharSequence(text, java.nio.charset.StandardCharsets.UTF_8);
        h.setInt(CONTENT_LENGTH, buf.readableBytes());
        h.set(CONTENT_TYPE, TEXT_PLAIN);
        encodeHeaders(h, false);
        if (ended) {
            buf.release();
            return;
        }
        encodeData(buf, true);
    }

    void resetStream() {
        if (ended) {
            return;
        }
        stats.downstreamRqTxReset.increment();
        abnormal = true;
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
        if (requestHeaders != null && !ended) {
            route = routes.route(requestHeaders, random);
            info.routeName = route == null ? null : route.route().name();
        }
    }

    // ---------------------------------------------------------------- timeouts

    private void touch() {
        lastActivityNanos = System.nanoTime();
    }

    // The connection's one stream-idle timer watches this stream: no timer scheduled per request.
    private void armIdleTimer() {
        if (idleTimeoutNanos > 0 && !ended) {
            cx.watchStreamIdle(this, lastActivityNanos + idleTimeoutNanos);
        }
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
        if (idle < idleTimeoutNanos) {
            return now + (idleTimeoutNanos - idle);
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
            requestTimer.cancel(false);
            requestTimer = null;
        }
    }

    // ---------------------------------------------------------------- end of stream

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        cancelRequestTimer();
        cx.unwatchStreamIdle(this);
        info.finish();
        if (abnormal) {
            for (FilterSlot slot : slots) {
                try {
                    slot.filter.onDestroy();
                } catch (RuntimeException e) {
                    // One misbehaving filter must not keep the others from cleaning up.
                }
            }
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

    private static int statusOf(Http2Headers headers) {
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
        return cx.remoteAddress;
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

package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.remora.accesslog.ResponseFlag;

import java.util.ArrayDeque;

/**
 * The HTTP/1.1 side of a downstream connection, after Netty's {@link HttpServerCodec}: one
 * request at a time. Pipelined requests wait (reading paused) until the response before them is
 * complete, so responses never interleave. Bodies stream; nothing is aggregated.
 */
final class Http1Connection extends ChannelInboundHandlerAdapter
        implements ConnectionContext.Codec, Http1HeaderGuard.Timeout {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http");

    static final String NAME = "remora-http1";
    private static final String UPGRADE_NAME = "remora-h2c-upgrade";
    private static final String UPGRADE_GUARD_NAME = "remora-h2c-guard";
    private static final String CODEC_NAME = "remora-http1-codec";

    private final ConnectionContext cx;
    private final Http1HeaderGuard guard;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Stream current;
    private boolean processing;
    private boolean closing;
    private boolean sawRequest;
    /** After an upgrade or CONNECT head: what the client sends is tunnel bytes, not HTTP. */
    private boolean rawIn;
    /** A pipelined upgrade head was refused: nothing after it is read as HTTP. */
    private boolean discardRest;

    private Http1Connection(ConnectionContext cx) {
        this.cx = cx;
        this.guard = new Http1HeaderGuard(cx);
        guard.timeout(this);
    }

    /** Installs the HTTP/1.1 codec; with {@code h2cUpgrade}, a request may upgrade to HTTP/2. */
    static void install(ConnectionContext cx, boolean h2cUpgrade) {
        HttpConnectionManager hcm = cx.hcm;
        cx.protocol = "HTTP/1.1";
        hcm.stats.downstreamCxHttp1Total.increment();
        HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(hcm.maxRequestHeadersBytes)
                .setMaxHeaderSize(hcm.maxRequestHeadersBytes)
                .setMaxChunkSize(64 * 1024);
        HttpServerCodec codec = new HttpServerCodec(decoderConfig);
        ChannelPipeline p = cx.channel.pipeline();
        Http1Connection conn = new Http1Connection(cx);
        cx.codec = conn;
        p.addLast(Http1HeaderGuard.NAME, conn.guard);
        p.addLast(CODEC_NAME, codec);
        if (h2cUpgrade) {
            HttpServerUpgradeHandler.UpgradeCodecFactory factory = protocol ->
                    AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                            ? Http2Connection.upgradeCodec(cx) : null;
            p.addLast(UPGRADE_GUARD_NAME, new UpgradeGuard());
            p.addLast(UPGRADE_NAME, new HttpServerUpgradeHandler(codec, factory, 64 * 1024) {
                @Override
                protected boolean shouldHandleUpgradeRequest(HttpRequest req) {
                    // Only h2c is this hop's own upgrade; WebSocket and the like are proxied
                    // (and must not be aggregated: their tunnel bytes follow the head).
                    String upgrade = req.headers().get(HttpHeaderNames.UPGRADE);
                    return upgrade != null && Upgrades.hasToken(upgrade, "h2c");
                }
            });
        }
        p.addLast(NAME, conn);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rawIn) {
            onRawRead(msg);
            return;
        }
        if (msg instanceof LastHttpContent last && current != null && current.upgrade && pending.isEmpty()) {
            // The decoder's end of an upgrade head (it has no body): from here on the bytes are the
            // tunnel's. Removing the decoder hands us what it had buffered, as raw bytes.
            last.release();
            guard.headersComplete();
            switchToRawInput();
            return;
        }
        if (closing || discardRest || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        // The header phase is over when the decoder hands over the head, even if it waits in line.
        if (msg instanceof HttpRequest) {
            guard.headersComplete();
        }
        if (msg instanceof LastHttpContent) {
            guard.requestComplete();
        }
        if (msg instanceof LastHttpContent last && pending.isEmpty() && current != null && current.skipLastContent) {
            // The end of a request that had no body: already signalled with its headers.
            current.skipLastContent = false;
            last.release();
            return;
        }
        if (!pending.isEmpty() || (current != null && current.requestComplete)) {
            if (msg instanceof HttpRequest r && ("CONNECT".equals(r.method().name()) || Http1Headers.isTunnelUpgrade(r))) {
                // An upgrade pipelined behind another request: what follows it was already parsed
                // as HTTP, so it cannot become a tunnel. Not served; the connection closes after
                // the responses before it.
                ReferenceCountUtil.release(msg);
                discardRest = true;
                if (current != null) {
                    current.closeAfterResponse = true;
                } else {
                    closeAfterFlush();
                }
                return;
            }
            pending.add(msg);
            updateAutoRead();
            return;
        }
        dispatch((HttpObject) msg);
        updateAutoRead();
    }

    private void dispatch(HttpObject msg) {
        if (msg instanceof HttpRequest req) {
            onRequest(req);
            if (msg instanceof HttpContent c) {
                // Netty's invalid-message placeholder, or a head aggregated with its (empty) end.
                c.release();
                if (current != null && current.upgrade && !rawIn && msg instanceof LastHttpContent) {
                    switchToRawInput();
                }
            }
        } else if (msg instanceof HttpContent c) {
            onContent(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(HttpRequest req) {
        if (!sawRequest) {
            sawRequest = true;
            // h2c upgrade is offered on the first request only.
            if (ctx.pipeline().get(UPGRADE_NAME) != null) {
                ctx.pipeline().remove(UPGRADE_NAME);
            }
            if (ctx.pipeline().get(UPGRADE_GUARD_NAME) != null) {
                ctx.pipeline().remove(UPGRADE_GUARD_NAME);
            }
        }
        Stream s = new Stream(req);
        current = s;
        DecoderResult result = req.decoderResult();
        Http1Headers.Rejection rejection = Http1Headers.validate(req);
        if (result.isFailure() && (rejection == null || rejection.status() != 501)) {
            // An unknown transfer coding is answered 501 even when it also broke Netty's framing.
            s.protocolError(result.cause());
            return;
        }
        if (rejection != null) {
            s.reject(rejection.status(), rejection.reason(), rejection.details());
            return;
        }
        // WebSocket-style upgrades and CONNECT: the head is followed by tunnel bytes that are never
        // parsed as HTTP, whether the connection manager lets the upgrade through or refuses it.
        boolean upgrade = "CONNECT".equals(req.method().name()) || Http1Headers.isTunnelUpgrade(req);
        if (upgrade) {
            s.upgrade = true;
            s.closeAfterResponse = true; // an upgraded connection is never reused for HTTP
        }
        boolean noBody = !upgrade && !HttpUtil.isTransferEncodingChunked(req) && HttpUtil.getContentLength(req, 0L) == 0;
        if (HttpUtil.is100ContinueExpected(req) && !noBody) {
            // Envoy answers 100-continue itself (proxy_100_continue false).
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        Http2Headers headers = Http1Headers.toHttp2(req, cx.scheme, upgrade);
        s.requestComplete = noBody;
        s.skipLastContent = noBody;
        if (StreamLog.enabled()) {
            StreamLog.requestHeaders(s.stream.info, headers, noBody);
        }
        s.stream.decodeHeaders(headers, noBody);
    }

    private void switchToRawInput() {
        rawIn = true;
        ChannelPipeline p = ctx.pipeline();
        if (p.get(Http1HeaderGuard.NAME) != null) {
            p.remove(Http1HeaderGuard.NAME);
        }
        // A FIN from the client ends its half of the tunnel, not the connection.
        ctx.channel().config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true);
        if (p.get(CODEC_NAME) instanceof HttpServerCodec codec) {
            codec.removeInboundHandler();
        }
        updateAutoRead();
    }

    private void onRawRead(Object msg) {
        Stream s = current;
        if (!(msg instanceof ByteBuf data) || s == null || s.stream.ended() || s.requestComplete) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (data.isReadable()) {
            s.stream.decodeData(data, false);
        } else {
            data.release();
        }
    }

    private void onRawInputShutdown() {
        Stream s = current;
        if (s != null && !s.requestComplete) {
            s.requestComplete = true;
            if (!s.stream.ended()) {
                s.stream.decodeData(Unpooled.EMPTY_BUFFER, true);
            }
        }
        if (current == null || current.stream.ended()) {
            closeAfterFlush();
        }
    }

    private void onContent(HttpContent c) {
        Stream s = current;
        if (s == null || s.stream.ended() || (s.skipLastContent)) {
            if (s != null && c instanceof LastHttpContent) {
                s.skipLastContent = false;
            }
            c.release();
            return;
        }
        if (c.decoderResult().isFailure()) {
            c.release();
            s.stream.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
            cx.hcm.stats.downstreamCxProtocolError.increment();
            if (!s.stream.responseStarted()) {
                s.stream.sendLocalReply(400, "Bad Request", ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "http1.codec_error");
            } else {
                s.stream.resetStream();
            }
            return;
        }
        ByteBuf data = c.content();
        if (c instanceof LastHttpContent last) {
            s.requestComplete = true;
            HttpHeaders trailers = last.trailingHeaders();
            if (trailers.isEmpty()) {
                s.stream.decodeData(data, true);
            } else {
                if (data.isReadable()) {
                    s.stream.decodeData(data, false);
                } else {
                    data.release();
                }
                DefaultHttp2Headers t = new DefaultHttp2Headers(false, trailers.size());
                for (var e : trailers) {
                    t.add(AsciiString.of(e.getKey()).toLowerCase(), e.getValue());
                }
                s.stream.decodeTrailers(t);
            }
        } else if (data.isReadable()) {
            s.stream.decodeData(data, false);
        } else {
            data.release();
        }
    }

    /** The current stream is over: start on what was pipelined behind it. */
    private void onStreamDone(Stream s) {
        if (current != s) {
            return;
        }
        if (s.closeAfterResponse || !s.requestComplete) {
            closeAfterFlush();
            return;
        }
        current = null;
        if (cx.draining) {
            closeAfterFlush();
            return;
        }
        processPending();
    }

    private void processPending() {
        if (processing) {
            return;
        }
        processing = true;
        try {
            while (!closing && !pending.isEmpty() && !(current != null && current.requestComplete)) {
                dispatch((HttpObject) pending.poll());
            }
        } finally {
            processing = false;
        }
        updateAutoRead();
    }

    private void updateAutoRead() {
        if (closing) {
            return;
        }
        boolean paused = current != null && current.readDisabled;
        boolean read = pending.isEmpty() && !paused;
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private void closeAfterFlush() {
        if (closing) {
            return;
        }
        closing = true;
        releasePending();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void releasePending() {
        Object m;
        while ((m = pending.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null) {
            current.stream.onWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        releasePending();
        Stream s = current;
        current = null;
        if (s != null && !s.stream.ended()) {
            s.stream.onDownstreamReset();
        }
        cx.onClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (rawIn && evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            onRawInputShutdown();
            return;
        }
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent) {
            // Upgraded to h2c: the HTTP/2 handlers took over the connection.
            ctx.pipeline().remove(guard);
            ctx.pipeline().remove(this);
            releasePending();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(java.util.logging.Level.FINE, io.remora.log.LogTags.conn(ctx.channel()) + "downstream connection error, closing: " + cause, cause);
        ctx.close();
    }

    /**
     * A request's head did not complete in time. As Envoy, whose stream exists from the request's
     * first byte: 408 and close (request_headers_timeout: "request header timeout"; stream idle:
     * "stream timeout", flag SI).
     */
    @Override
    public void onHeaderPhaseTimeout(boolean requestHeadersTimeout) {
        if (closing) {
            return;
        }
        if (current != null) {
            // A pipelined head is stuck behind a request still in progress: close after its response.
            current.closeAfterResponse = true;
            return;
        }
        Stream s = new Stream(null);
        current = s;
        s.requestComplete = true;
        s.closeAfterResponse = true;
        if (requestHeadersTimeout) {
            s.stream.sendLocalReply(408, "request header timeout", null, "request_header_timeout");
        } else {
            cx.hcm.stats.downstreamRqIdleTimeout.increment();
            s.stream.sendLocalReply(408, "stream timeout", ResponseFlag.STREAM_IDLE_TIMEOUT, "stream_idle_timeout");
        }
    }

    @Override
    public void startDrain() {
        // As Envoy: the next response carries connection: close and the connection closes after
        // it; idle connections are left to the listener's drain time.
    }

    @Override
    public void onIdleTimeout() {
        if (current == null) {
            closeAfterFlush();
        }
    }

    /** One request/response on this connection, and its encoder. */
    private final class Stream implements StreamEncoder {
        final ActiveStream stream;
        final boolean keepAlive;
        final boolean http10;
        boolean requestComplete;
        boolean skipLastContent;
        boolean readDisabled;
        boolean closeAfterResponse;
        boolean chunked;
        /** The request asked for an upgrade or is a CONNECT: its body is tunnel bytes. */
        boolean upgrade;
        /** The upstream accepted: responses are raw bytes too, written without HTTP framing. */
        boolean rawOut;

        /** A stream for this request head; null for a head that never completed. */
        Stream(HttpRequest req) {
            this.keepAlive = req != null && HttpUtil.isKeepAlive(req);
            this.http10 = req != null && req.protocolVersion().equals(HttpVersion.HTTP_1_0);
            this.stream = new ActiveStream(cx, this);
        }

        void protocolError(Throwable cause) {
            requestComplete = true;
            closeAfterResponse = true;
            ActiveStream s = stream;
            s.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
            if (cause instanceof TooLongFrameException) {
                s.sendLocalReply(431, "Request Header Fields Too Large", null, "http1.headers_too_large");
            } else {
                cx.hcm.stats.downstreamCxProtocolError.increment();
                s.sendLocalReply(400, "Bad Request", ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "http1.codec_error");
            }
        }

        /** A request head Envoy refuses: local reply, then the connection closes. */
        void reject(int status, String reason, String details) {
            requestComplete = true;
            closeAfterResponse = true;
            stream.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
            cx.hcm.stats.downstreamCxProtocolError.increment();
            stream.sendLocalReply(status, reason, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, details);
        }

        @Override
        public void encodeHeaders(Http2Headers headers, boolean endStream) {
            if (StreamLog.enabled()) {
                StreamLog.responseHeaders(stream.info, headers, endStream);
            }
            int status = AsciiString.of(headers.status()).parseInt();
            if (stream.tunnel()) {
                encodeTunnelHeaders(headers, status);
                return;
            }
            CharSequence connection = headers.get(Http1Headers.CONNECTION);
            if (connection != null && AsciiString.contentEqualsIgnoreCase(connection, HttpHeaderValues.CLOSE)) {
                closeAfterResponse = true;
            }
            HttpHeaders h = Http1Headers.toHttp1(headers);
            boolean bodyless = status == 204 || status == 304 || (status >= 100 && status < 200) || stream.head;
            if (endStream) {
                if (!bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                    h.set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
                }
            } else if (!bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                if (http10) {
                    // HTTP/1.0 has no chunked coding: the body ends with the connection.
                    closeAfterResponse = true;
                } else {
                    chunked = true;
                    h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
            }
            if (!keepAlive || cx.draining || cx.hcm.draining() || (endStream && !requestComplete)) {
                closeAfterResponse = true;
            }
            if (closeAfterResponse) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (http10) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), h);
            // No listener on these writes: a void promise saves one per write; a failure still
            // reaches exceptionCaught, which closes the connection.
            if (endStream) {
                ctx.write(resp, ctx.voidPromise());
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
            } else {
                ctx.writeAndFlush(resp, ctx.voidPromise());
            }
        }

        /**
         * The upstream accepted the upgrade: 101 with the Upgrade it agreed to, or 2xx to CONNECT
         * without any body framing (RFC 9110 9.3.6); then the encoder leaves the pipeline.
         */
        private void encodeTunnelHeaders(Http2Headers headers, int status) {
            HttpHeaders h = Http1Headers.toHttp1(headers);
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            if (status == 101) {
                CharSequence agreed = headers.get(Http1Headers.UPGRADE);
                CharSequence asked = stream.requestHeaders == null ? null : stream.requestHeaders.get(Http1Headers.UPGRADE);
                h.set(HttpHeaderNames.UPGRADE, agreed != null ? agreed : asked == null ? "" : asked);
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            }
            rawOut = true;
            ctx.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), h));
            if (ctx.pipeline().get(CODEC_NAME) instanceof HttpServerCodec codec) {
                codec.removeOutboundHandler();
            }
        }

        @Override
        public void encodeData(ByteBuf data, boolean endStream) {
            if (rawOut) {
                if (data.isReadable()) {
                    ctx.writeAndFlush(data);
                } else {
                    data.release();
                }
                if (endStream) {
                    shutdownOutput();
                }
                return;
            }
            ctx.writeAndFlush(endStream ? new DefaultLastHttpContent(data, io.remora.http.upstream.HeaderConversion.NO_TRAILERS)
                    : new DefaultHttpContent(data), ctx.voidPromise());
        }

        /** The upstream ended its half of the tunnel: so does this connection, after what is queued. */
        private void shutdownOutput() {
            if (ctx.channel() instanceof io.netty.channel.socket.DuplexChannel d) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                    if (d.isActive()) {
                        d.shutdownOutput();
                    }
                });
            }
        }

        @Override
        public void encodeTrailers(Http2Headers trailers) {
            if (rawOut) {
                shutdownOutput(); // a tunnel has no trailers: only their end of stream counts
                return;
            }
            LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
            if (chunked) {
                for (var e : trailers) {
                    CharSequence n = e.getKey();
                    if (n.length() > 0 && n.charAt(0) != ':') {
                        last.trailingHeaders().add(n, e.getValue());
                    }
                }
            }
            ctx.writeAndFlush(last);
        }

        @Override
        public void resetStream(boolean graceful) {
            closeAfterResponse = true;
            if (graceful) {
                return; // closes once the response is flushed (onStreamDone)
            }
            closing = true;
            releasePending();
            ctx.close();
        }

        @Override
        public void readDisable(boolean disable) {
            readDisabled = disable;
            updateAutoRead();
        }

        @Override
        public boolean isWritable() {
            return ctx.channel().isWritable();
        }

        @Override
        public void streamDone() {
            onStreamDone(this);
        }
    }

    /**
     * Netty's upgrade handler aggregates the body of an upgrade request: a request with a body
     * is served over HTTP/1.1 instead (its Upgrade: h2c dropped), so bodies always stream.
     */
    private static final class UpgradeGuard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest req && req.headers().contains(HttpHeaderNames.UPGRADE)
                    && (HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0)) {
                req.headers().remove(HttpHeaderNames.UPGRADE);
                req.headers().remove(Http1Headers.HTTP2_SETTINGS);
            }
            ctx.fireChannelRead(msg);
        }
    }
}

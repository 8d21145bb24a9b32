package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.remora.accesslog.ResponseFlag;
import io.remora.http.upstream.HeaderConversion;
import io.remora.http.upstream.Http1DecodedHeaders;

import java.util.ArrayDeque;

/**
 * The HTTP/1.1 side of a downstream connection, after Netty's {@link HttpRequestDecoder}: one
 * request at a time; responses are written as bytes ({@link Http1Stream}). Pipelined requests wait (reading paused) until the response before them is
 * complete, so responses never interleave. Bodies stream; nothing is aggregated.
 */
final class Http1Connection extends ChannelInboundHandlerAdapter
        implements ConnectionContext.Codec, Http1HeaderGuard.Timeout {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http");

    static final String NAME = "remora-http1";
    private static final String UPGRADE_NAME = "remora-h2c-upgrade";
    private static final String UPGRADE_GUARD_NAME = "remora-h2c-guard";
    static final String CODEC_NAME = "remora-http1-codec";
    /** Only while an h2c upgrade may happen: Netty's upgrade handler writes its 101 as an object. */
    private static final String UPGRADE_ENCODER_NAME = "remora-h2c-encoder";

    private static final ByteBuf CONTINUE = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
            "HTTP/1.1 100 Continue\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).asReadOnly();

    final ConnectionContext cx;
    private final Http1HeaderGuard guard;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    ChannelHandlerContext ctx;
    private Http1Stream current;
    private boolean processing;
    boolean closing;
    /** The h2c upgrade handlers (and the encoder for their 101) are still in the pipeline. */
    private boolean upgradeWindow;
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
                .setMaxChunkSize(64 * 1024)
                .setHeadersFactory(Http1DecodedHeaders.headers(true))
                .setTrailersFactory(Http1DecodedHeaders.trailers(true));
        ChannelPipeline p = cx.channel.pipeline();
        Http1Connection conn = new Http1Connection(cx);
        cx.codec = conn;
        p.addLast(CODEC_NAME, new Http1RequestDecoder(decoderConfig, conn.guard));
        if (h2cUpgrade) {
            HttpServerUpgradeHandler.UpgradeCodecFactory factory = protocol ->
                    AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                            ? Http2Connection.upgradeCodec(cx) : null;
            // The 101 leaves through the encoder before the HTTP/1.1 handlers step aside.
            HttpServerUpgradeHandler.SourceCodec source = ctx -> {
                ctx.pipeline().remove(CODEC_NAME);
                ctx.pipeline().remove(UPGRADE_ENCODER_NAME);
            };
            conn.upgradeWindow = true;
            p.addLast(UPGRADE_ENCODER_NAME, new HttpResponseEncoder());
            p.addLast(UPGRADE_GUARD_NAME, new UpgradeGuard());
            p.addLast(UPGRADE_NAME, new HttpServerUpgradeHandler(source, factory, 64 * 1024) {
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

    /**
     * h2c upgrade is offered on the first request only; the upgrade handlers leave before it is
     * served or anything else is written (the encoder would refuse response bytes).
     */
    void leaveUpgradeWindow() {
        if (!upgradeWindow) {
            return;
        }
        upgradeWindow = false;
        ChannelPipeline p = ctx.pipeline();
        for (String name : new String[] {UPGRADE_NAME, UPGRADE_GUARD_NAME, UPGRADE_ENCODER_NAME}) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
    }

    private void onRequest(HttpRequest req) {
        leaveUpgradeWindow();
        Http1Stream s = new Http1Stream(this, req);
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
            ctx.writeAndFlush(CONTINUE.duplicate());
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
        // A FIN from the client ends its half of the tunnel, not the connection.
        ctx.channel().config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true);
        if (p.get(CODEC_NAME) != null) {
            // Hands on what the decoder had buffered after the head, as raw bytes.
            p.remove(CODEC_NAME);
        }
        updateAutoRead();
    }

    private void onRawRead(Object msg) {
        Http1Stream s = current;
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
        Http1Stream s = current;
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
        Http1Stream s = current;
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
                s.stream.decodeTrailers(HeaderConversion.toHttp2Headers(trailers));
            }
        } else if (data.isReadable()) {
            s.stream.decodeData(data, false);
        } else {
            data.release();
        }
    }

    /** The current stream is over: start on what was pipelined behind it. */
    void onStreamDone(Http1Stream s) {
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

    void updateAutoRead() {
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

    void releasePending() {
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
        Http1Stream s = current;
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
            guard.stop();
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
        Http1Stream s = new Http1Stream(this, null);
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

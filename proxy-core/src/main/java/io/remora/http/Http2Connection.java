package io.remora.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.remora.config.Http2Options;

/**
 * The HTTP/2 side of a downstream connection: Netty's {@link Http2FrameCodec} and
 * {@link Http2MultiplexHandler} (one child channel per stream, on the connection's event loop),
 * and this handler for connection-level matters: drain (GOAWAY), idle timeout, close.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter implements ConnectionContext.Codec {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http2");

    static final int MAX_OUTBOUND_CONTROL_FRAMES = 1000;

    private final ConnectionContext cx;
    private ChannelHandlerContext ctx;
    private boolean goAwaySent;
    private boolean noticeSent;

    private Http2Connection(ConnectionContext cx) {
        this.cx = cx;
    }

    /** HTTP/2 with prior knowledge (or ALPN h2): the client preface comes next. */
    static void install(ConnectionContext cx) {
        Http2Connection conn = switchTo(cx);
        // Unfinished header blocks count against the proxy-wide header budget, as HTTP/1.1 heads do.
        cx.channel.pipeline().addLast(io.remora.overload.Http2HeaderGuard.NAME, Http2HeaderPhase.guard(cx));
        cx.channel.pipeline().addLast(frameCodec(cx), new Http2MultiplexHandler(streamInitializer(cx)), conn);
    }

    /** The h2c upgrade codec for {@link io.netty.handler.codec.http.HttpServerUpgradeHandler}. */
    static HttpServerUpgradeHandler.UpgradeCodec upgradeCodec(ConnectionContext cx) {
        Http2Connection conn = new Http2Connection(cx);
        return new Http2ServerUpgradeCodec(frameCodec(cx), new Http2MultiplexHandler(streamInitializer(cx)), conn) {
            @Override
            public void upgradeTo(ChannelHandlerContext ctx, io.netty.handler.codec.http.FullHttpRequest request) {
                cx.hcm.stats.downstreamCxHttp2Total.increment();
                cx.protocol = "HTTP/2";
                cx.codec = conn;
                // Ahead of the frame codec the upgrade adds after ctx: header blocks count against the budget.
                ctx.pipeline().addBefore(ctx.name(), io.remora.overload.Http2HeaderGuard.NAME,
                        Http2HeaderPhase.guard(cx));
                super.upgradeTo(ctx, request);
            }
        };
    }

    private static Http2Connection switchTo(ConnectionContext cx) {
        Http2Connection conn = new Http2Connection(cx);
        cx.protocol = "HTTP/2";
        cx.codec = conn;
        cx.hcm.stats.downstreamCxHttp2Total.increment();
        return conn;
    }

    private static Http2FrameCodec frameCodec(ConnectionContext cx) {
        Http2Options o = cx.hcm.http2Options;
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(Math.min(o.maxConcurrentStreams() & 0xffffffffL, 0xffffffffL))
                .initialWindowSize(o.initialStreamWindowSize())
                .maxHeaderListSize(cx.hcm.maxRequestHeadersBytes);
        if (o.allowConnect()) {
            // allow_connect: RFC 8441 extended CONNECT (WebSocket over HTTP/2 streams).
            settings.connectProtocolEnabled(true);
        }
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                // Envoy's max_outbound_control_frames: a peer that makes us queue more PING/SETTINGS
                // ACKs and RST_STREAMs than this without reading them is cut off (ENHANCE_YOUR_CALM).
                .encoderEnforceMaxQueuedControlFrames(MAX_OUTBOUND_CONTROL_FRAMES)
                .build();
    }

    private static ChannelHandler streamInitializer(ConnectionContext cx) {
        return new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new Http2StreamHandler(cx, ch));
            }
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // The codec sized the connection window like a stream's; widen it to Envoy's setting.
        Http2Options o = cx.hcm.http2Options;
        int extra = o.initialConnectionWindowSize() - o.initialStreamWindowSize();
        if (extra > 0) {
            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(extra));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cx.onClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent e) {
            // Consumed: the frame codec already turned the upgrade request into stream 1.
            ctx.fireUserEventTriggered(e);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(java.util.logging.Level.FINE, io.remora.log.LogTags.conn(ctx.channel()) + "downstream connection error, closing: " + cause, cause);
        if (cause instanceof io.netty.handler.codec.http2.Http2Exception) {
            // The codec shows us its connection errors before it answers them: it sends the GOAWAY
            // with their code (ENHANCE_YOUR_CALM for floods and rapid reset) and closes. Closing
            // here first would send GOAWAY(NO_ERROR) in its place.
            return;
        }
        // Anything else: a bad peer costs its connection.
        ctx.close();
    }

    /** Called by streams as they end: a draining connection closes after its last stream. */
    void maybeCloseAfterDrain() {
        if (goAwaySent && cx.activeStreams == 0 && ctx != null) {
            ctx.channel().eventLoop().execute(() -> ctx.close());
        }
    }

    /**
     * Envoy's two-step drain: a first GOAWAY announcing shutdown without refusing streams already
     * in flight from the client, then after drain_timeout the final GOAWAY with the real last
     * stream id; the connection closes once its last stream ends.
     */
    @Override
    public void startDrain() {
        if (ctx == null || goAwaySent || noticeSent) {
            return;
        }
        long drainNanos = cx.hcm.config.drainTimeout() == null ? 5_000_000_000L : cx.hcm.config.drainTimeout().toNanos();
        if (drainNanos <= 0) {
            sendGoAway();
            maybeCloseAfterDrain();
            return;
        }
        noticeSent = true;
        ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR).setExtraStreamIds(Integer.MAX_VALUE))
                .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        ctx.executor().schedule(() -> {
            sendGoAway();
            maybeCloseAfterDrain();
        }, drainNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    @Override
    public void onIdleTimeout() {
        sendGoAway();
        ctx.flush();
        ctx.close();
    }

    private void sendGoAway() {
        if (!goAwaySent && ctx != null) {
            goAwaySent = true;
            ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR))
                    .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        }
    }
}

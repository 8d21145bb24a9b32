package io.remora.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.util.AsciiString;

/**
 * The h2c upgrade offered on an HTTP/1.1 connection's first request (RFC 7540 3.2): Netty's upgrade
 * handler, the encoder its 101 needs (responses are otherwise written as bytes, which an encoder
 * would refuse) and a guard that keeps request bodies streaming. All three leave the pipeline when
 * the first request is served or anything else is written ({@link #leave}), or when the upgrade
 * happens (the HTTP/2 codec takes over).
 */
final class Http1H2cUpgrade {

    private static final String UPGRADE_NAME = "remora-h2c-upgrade";
    private static final String UPGRADE_GUARD_NAME = "remora-h2c-guard";
    private static final String UPGRADE_ENCODER_NAME = "remora-h2c-encoder";

    private Http1H2cUpgrade() {
    }

    /** Adds the upgrade handlers after the decoder named {@code decoderName}. */
    static void install(ConnectionContext cx, ChannelPipeline p, String decoderName) {
        HttpServerUpgradeHandler.UpgradeCodecFactory factory = protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? Http2Connection.upgradeCodec(cx) : null;
        // The 101 leaves through the encoder before the HTTP/1.1 handlers step aside.
        HttpServerUpgradeHandler.SourceCodec source = ctx -> {
            ctx.pipeline().remove(decoderName);
            ctx.pipeline().remove(UPGRADE_ENCODER_NAME);
        };
        p.addLast(UPGRADE_ENCODER_NAME, new HttpResponseEncoder());
        p.addLast(UPGRADE_GUARD_NAME, new BodyGuard());
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

    /** The offer is over: the upgrade handlers leave (those still there). */
    static void leave(ChannelPipeline p) {
        for (String name : new String[] {UPGRADE_NAME, UPGRADE_GUARD_NAME, UPGRADE_ENCODER_NAME}) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
    }

    /**
     * Netty's upgrade handler aggregates the body of an upgrade request: a request with a body
     * is served over HTTP/1.1 instead (its Upgrade: h2c dropped), so bodies always stream.
     */
    private static final class BodyGuard extends ChannelInboundHandlerAdapter {
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

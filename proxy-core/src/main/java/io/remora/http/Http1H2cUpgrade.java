package io.remora.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.util.AsciiString;
import io.remora.http.upstream.Http1Head;

import java.util.Map;

/**
 * The h2c upgrade offered on an HTTP/1.1 connection's first request (RFC 7540 3.2): Netty's upgrade
 * handler and the encoder its 101 needs (responses are otherwise written as bytes, which an encoder
 * would refuse). They sit after the HTTP/1.1 stage, which hands them the offer and writes its
 * own responses from before them. Only a bodyless first request is offered to it ({@link #offer}),
 * so request bodies always stream. Both leave the pipeline when the first request is served or
 * anything else is written ({@link #leave}), or when the upgrade happens (the HTTP/2 codec takes
 * over).
 */
final class Http1H2cUpgrade {

    private static final String UPGRADE_NAME = "remora-h2c-upgrade";
    private static final String UPGRADE_ENCODER_NAME = "remora-h2c-encoder";

    private Http1H2cUpgrade() {
    }

    /**
     * Adds the upgrade handlers at the end of the pipeline; {@code upgraded} runs when they take
     * the offer (the HTTP/1.1 stage then leaves).
     */
    static void install(ConnectionContext cx, ChannelPipeline p, Runnable upgraded) {
        HttpServerUpgradeHandler.UpgradeCodecFactory factory = protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? Http2Connection.upgradeCodec(cx) : null;
        // The 101 leaves through the encoder before the HTTP/1.1 handlers step aside.
        HttpServerUpgradeHandler.SourceCodec source = ctx -> {
            ctx.pipeline().remove(UPGRADE_ENCODER_NAME);
            upgraded.run();
        };
        p.addLast(UPGRADE_ENCODER_NAME, new HttpResponseEncoder());
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
        for (String name : new String[] {UPGRADE_NAME, UPGRADE_ENCODER_NAME}) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
    }

    /**
     * The h2c offer's head as the upgrade handler takes it, in Netty's form, made only for this
     * (rare) head; an empty last content follows it. The handler answers 101 and installs HTTP/2,
     * or passes the request on.
     */
    static HttpRequest offer(Http1Head head) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (Map.Entry<CharSequence, CharSequence> e : head.headers) {
            headers.add(e.getKey(), e.getValue());
        }
        return new DefaultHttpRequest(head.http10() ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
                HttpMethod.valueOf(head.method.toString()), head.target.toString(), headers);
    }
}

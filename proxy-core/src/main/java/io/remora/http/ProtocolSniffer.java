package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * codec_type AUTO: reads until the first bytes show whether the client speaks HTTP/2 (its
 * connection preface "PRI * HTTP/2.0...", with prior knowledge) or HTTP/1.1, then installs that
 * codec and steps aside; after TLS with ALPN h2 only the preface is taken, as with codec_type
 * HTTP2. codec_type HTTP2 waits for the preface too: Envoy makes its codec at the first bytes,
 * so its SETTINGS follow the client's preface, and a broken preface closes the connection with
 * nothing written (oghttp2's ProcessBytes fails before any frame is sent; http2_integration_test's
 * BadMagic), counted in downstream_cx_protocol_error.
 */
final class ProtocolSniffer extends ChannelInboundHandlerAdapter {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * As Envoy's determineNextProtocol: "PRI * HTTP/2" (CLIENT_MAGIC_PREFIX) already means HTTP/2;
     * the HTTP/2 codec then checks the rest of the preface, and a bad one costs the connection.
     */
    private static final int MAGIC_PREFIX = "PRI * HTTP/2".length();

    private final ConnectionContext cx;
    /** codec_type HTTP2, or ALPN h2: anything but the preface is no HTTP/1.1 request. */
    private boolean http2Only;
    private ByteBuf buffered;

    private ProtocolSniffer(ConnectionContext cx, boolean http2Only) {
        this.cx = cx;
        this.http2Only = http2Only;
    }

    /** @param http2Only codec_type HTTP2: only the HTTP/2 preface is taken */
    static void install(ConnectionContext cx, boolean http2Only) {
        ProtocolSniffer sniffer = new ProtocolSniffer(cx, http2Only);
        cx.codec = new ConnectionContext.Codec() {
            @Override
            public void startDrain() {
                cx.closeLocally();
                cx.channel.close();
            }

            @Override
            public void onIdleTimeout() {
                cx.closeLocally();
                cx.channel.close();
            }
        };
        cx.channel.pipeline().addLast("remora-sniffer", sniffer);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (buffered == null) {
            buffered = in;
            // Envoy's determineNextProtocol at the first bytes: ALPN's h2 (the handshake is done
            // by then) makes the HTTP/2 codec whatever the bytes, so they must be its preface.
            io.netty.handler.ssl.SslHandler ssl = cx.tls ? ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) : null;
            http2Only |= ssl != null && "h2".equals(ssl.applicationProtocol());
        } else {
            buffered = ctx.alloc().compositeBuffer().addComponents(true, buffered, in);
        }
        int n = Math.min(buffered.readableBytes(), PREFACE.length);
        int start = buffered.readerIndex();
        for (int i = 0; i < n; i++) {
            if (buffered.getByte(start + i) != PREFACE[i]) {
                if (i < MAGIC_PREFIX && !http2Only) {
                    decide(ctx, false);
                } else {
                    brokenPreface(ctx);
                }
                return;
            }
        }
        if (n == PREFACE.length) {
            decide(ctx, true);
        }
    }

    /** An HTTP/2 preface that is not one: Envoy's codec error, before its codec wrote a frame. */
    private void brokenPreface(ChannelHandlerContext ctx) {
        cx.hcm.stats.downstreamCxProtocolError.increment();
        cx.closeLocally();
        ctx.close();
    }

    private void decide(ChannelHandlerContext ctx, boolean http2) {
        if (http2) {
            // HTTP/2 flushes through a coalescer below it; it did not see what was read so far.
            ctx.pipeline().addBefore(ctx.name(), HttpConnectionManager.FLUSH_NAME, cx.hcm.newFlushCoalescer(cx));
            cx.hcm.stats.downstreamCxRxBytesTotal.increment(buffered.readableBytes());
            Http2ConnectionBuilder.install(cx);
        } else {
            Http1Connection.install(cx);
        }
        ByteBuf b = buffered;
        buffered = null;
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(b);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Before the first bytes chose a codec (a reset, a TLS failure): only this connection is lost.
        cx.closeOn(cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (buffered != null) {
            cx.hcm.stats.downstreamCxRxBytesTotal.increment(buffered.readableBytes()); // read, never decided on
        }
        release();
        cx.onClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }
}

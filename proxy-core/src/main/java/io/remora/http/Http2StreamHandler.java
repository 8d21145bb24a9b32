package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

/**
 * One HTTP/2 stream (a child channel of {@link io.netty.handler.codec.http2.Http2MultiplexHandler})
 * bound to its {@link ActiveStream}. Pausing reads on the child channel holds its DATA frames
 * unconsumed, so no WINDOW_UPDATE goes out and the peer's window closes: that is the
 * backpressure. The child's writability follows the stream's send window.
 */
final class Http2StreamHandler extends ChannelInboundHandlerAdapter implements StreamEncoder {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http2");

    private static final AsciiString STREAM_ID_EXT = AsciiString.cached("x-http2-stream-id");
    private static final AsciiString HOST = AsciiString.cached("host");
    private static final AsciiString PROTOCOL = Http2Headers.PseudoHeaderName.PROTOCOL.value();
    private static final AsciiString GET = AsciiString.cached("GET");
    private static final AsciiString STATUS_200 = AsciiString.cached("200");

    private final ConnectionContext cx;
    private final Http2StreamChannel ch;
    private ActiveStream stream;
    private boolean done;
    /** The client ended its side of the stream (END_STREAM seen). */
    private boolean remoteEnded;
    /** An extended CONNECT, handled inside as the HTTP/1.1 upgrade it stands for. */
    private boolean extendedConnect;

    Http2StreamHandler(ConnectionContext cx, Http2StreamChannel ch) {
        this.cx = cx;
        this.ch = ch;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data) {
            remoteEnded |= data.isEndStream();
            ByteBuf content = data.content();
            if (stream == null) {
                data.release();
            } else {
                stream.decodeData(content, data.isEndStream());
            }
        } else if (msg instanceof Http2HeadersFrame hf) {
            remoteEnded |= hf.isEndStream();
            Http2Headers headers = hf.headers();
            if (stream == null) {
                if (ch.stream().id() == 1) {
                    // An h2c upgrade request, converted by Netty from HTTP/1.1: drop its extension
                    // header and what described the old connection.
                    headers.remove(STREAM_ID_EXT);
                    Http1Headers.stripConnectionSpecific(headers);
                    headers.remove(Http1Headers.HTTP2_SETTINGS);
                }
                if (headers.authority() == null && headers.contains(HOST)) {
                    headers.authority(headers.get(HOST));
                }
                headers.remove(HOST);
                if (headers.contains(PROTOCOL)) {
                    if (!cx.hcm.http2Options.allowConnect() || !Upgrades.isConnect(headers)) {
                        // :protocol without allow_connect (SETTINGS_ENABLE_CONNECT_PROTOCOL) or off
                        // CONNECT is a malformed request (RFC 8441 4).
                        ch.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
                        return;
                    }
                    headers = fromExtendedConnect(headers);
                }
                stream = new ActiveStream(cx, this);
                if (StreamLog.enabled()) {
                    StreamLog.requestHeaders(stream.info, headers, hf.isEndStream());
                }
                stream.decodeHeaders(headers, hf.isEndStream());
            } else if (!stream.ended()) {
                stream.decodeTrailers(headers);
            }
        } else if (msg instanceof Http2ResetFrame) {
            if (stream != null && !stream.ended()) {
                stream.onDownstreamReset();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (stream != null) {
            stream.onWritabilityChanged(ch.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (stream != null && !stream.ended()) {
            stream.onDownstreamReset();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(java.util.logging.Level.FINE, io.remora.log.LogTags.conn(ctx.channel()) + "downstream connection error, closing: " + cause, cause);
        if (stream != null && !stream.ended()) {
            stream.resetStream();
        } else {
            ctx.close();
        }
    }

    /**
     * RFC 8441 extended CONNECT to the HTTP/1.1 form the connection manager and router know
     * (Envoy's transformUpgradeRequestFromH2toH1): GET with Upgrade: <:protocol>.
     */
    private Http2Headers fromExtendedConnect(Http2Headers in) {
        extendedConnect = true;
        Http2Headers out = new io.netty.handler.codec.http2.DefaultHttp2Headers(false, in.size() + 2);
        for (var e : in) {
            if (!PROTOCOL.contentEquals(e.getKey())) {
                out.add(e.getKey(), e.getValue());
            }
        }
        out.method(GET);
        out.set(Upgrades.UPGRADE, in.get(PROTOCOL));
        out.set(Upgrades.CONNECTION, Upgrades.UPGRADE);
        return out;
    }

    // ---------------------------------------------------------------- StreamEncoder

    @Override
    public void encodeHeaders(Http2Headers headers, boolean endStream) {
        if (extendedConnect && stream != null && stream.tunnel()) {
            headers.status(STATUS_200); // the upstream's 101, as HTTP/2 says "accepted"
        }
        Http1Headers.stripConnectionSpecific(headers);
        if (StreamLog.enabled()) {
            StreamLog.responseHeaders(stream == null ? new io.remora.accesslog.StreamInfo() : stream.info, headers, endStream);
        }
        ch.writeAndFlush(new DefaultHttp2HeadersFrame(headers, endStream));
    }

    @Override
    public void encodeData(ByteBuf data, boolean endStream) {
        ch.writeAndFlush(new DefaultHttp2DataFrame(data, endStream));
    }

    @Override
    public void encodeTrailers(Http2Headers trailers) {
        ch.writeAndFlush(new DefaultHttp2HeadersFrame(trailers, true));
    }

    @Override
    public void resetStream(boolean graceful) {
        if (graceful && remoteEnded) {
            // The response ended the stream on our side and the client had ended its own: closed.
            return;
        }
        if (ch.isActive()) {
            ch.writeAndFlush(new DefaultHttp2ResetFrame(graceful ? Http2Error.NO_ERROR : Http2Error.CANCEL));
        }
    }

    @Override
    public void readDisable(boolean disable) {
        ch.config().setAutoRead(!disable);
    }

    @Override
    public boolean isWritable() {
        return ch.isWritable();
    }

    @Override
    public void streamDone() {
        if (!done) {
            done = true;
            if (cx.codec instanceof Http2Connection c) {
                c.maybeCloseAfterDrain();
            }
        }
    }
}

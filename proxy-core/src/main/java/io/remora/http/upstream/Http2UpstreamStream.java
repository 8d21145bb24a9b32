package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.remora.upstream.Host;

import java.net.SocketAddress;

/** One stream on an upstream HTTP/2 connection: a Netty child channel and its handler. */
final class Http2UpstreamStream extends ChannelInboundHandlerAdapter implements UpstreamStream {
    private static final AsciiString HTTP = AsciiString.cached("http");
    private final Http2UpstreamConnection conn;
    private UpstreamCallbacks active;
    Http2StreamChannel child;
    private boolean headersReceived;
    private boolean done;
    private boolean requestDone;
    /** The request is an upgrade (sent as extended CONNECT) or a CONNECT: half-close either way. */
    private boolean tunnel;
    /** The upgrade the extended CONNECT stands for, to give the 200 back as 101. */
    private CharSequence upgradeProtocol;

    Http2UpstreamStream(Http2UpstreamConnection conn, UpstreamCallbacks callbacks) {
        this.conn = conn;
        this.active = callbacks;
    }

    @Override
    public Host host() {
        return conn.ctx().host;
    }

    @Override
    public SocketAddress localAddress() {
        return conn.channel.localAddress();
    }

    @Override
    public io.netty.channel.Channel connection() {
        return conn.channel;
    }

    @Override
    public void writeHeaders(Http2Headers request, boolean endStream) {
        // This hop's own copy: what it strips and rewrites stays in the downstream request (its
        // access log, a retry over HTTP/1.1).
        Http2Headers headers = new io.netty.handler.codec.http2.DefaultHttp2Headers(false, request.size() + 2).set(request);
        boolean connect = io.remora.http.Upgrades.isConnect(headers);
        if (!connect && io.remora.http.Upgrades.isUpgrade(headers)) {
            // RFC 8441: an HTTP/1.1 upgrade becomes an extended CONNECT with :protocol.
            upgradeProtocol = headers.get(io.remora.http.Upgrades.UPGRADE).toString();
            headers.method(io.remora.http.Upgrades.CONNECT);
            headers.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), upgradeProtocol);
        }
        tunnel = connect || upgradeProtocol != null;
        HeaderConversion.stripHopByHop(headers);
        headers.remove("host");
        if (connect) {
            // A plain CONNECT names only its authority (RFC 9113 8.5).
            headers.remove(Http2Headers.PseudoHeaderName.PATH.value());
            headers.remove(Http2Headers.PseudoHeaderName.SCHEME.value());
        } else if (headers.scheme() == null) {
            headers.scheme(HTTP);
        }
        requestDone = endStream;
        child.writeAndFlush(new DefaultHttp2HeadersFrame(headers, endStream));
    }

    @Override
    public void writeData(ByteBuf data, boolean endStream) {
        requestDone = endStream;
        child.writeAndFlush(new DefaultHttp2DataFrame(data, endStream));
    }

    @Override
    public void writeTrailers(Http2Headers trailers) {
        requestDone = true;
        child.writeAndFlush(new DefaultHttp2HeadersFrame(trailers, true));
    }

    @Override
    public boolean isWritable() {
        return child.isWritable();
    }

    @Override
    public void readEnabled(boolean enabled) {
        child.config().setAutoRead(enabled);
        if (enabled) {
            child.read();
        }
    }

    @Override
    public void reset() {
        active = null;
        // Closing an open child channel sends RST_STREAM(CANCEL).
        child.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamCallbacks cb = active;
        if (cb == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof Http2HeadersFrame hf) {
            if (!headersReceived) {
                CharSequence status = hf.headers().status();
                if (status != null && status.length() == 3 && status.charAt(0) == '1'
                        && !AsciiString.contentEquals(status, "101") && !hf.isEndStream()) {
                    return; // informational
                }
                headersReceived = true;
                conn.ctx().host.stats.response(status == null ? 0 : statusCode(status));
                if (upgradeProtocol != null && status != null && AsciiString.contentEquals(status, "200")) {
                    // The extended CONNECT was accepted: to the router that is the upgrade's 101.
                    hf.headers().status("101");
                    hf.headers().set(io.remora.http.Upgrades.UPGRADE, upgradeProtocol);
                    hf.headers().set(io.remora.http.Upgrades.CONNECTION, io.remora.http.Upgrades.UPGRADE);
                }
                if (hf.isEndStream()) {
                    finish();
                }
                cb.onResponseHeaders(hf.headers(), hf.isEndStream());
            } else {
                finish();
                cb.onResponseTrailers(hf.headers());
            }
        } else if (msg instanceof Http2DataFrame df) {
            if (df.isEndStream()) {
                finish();
            }
            cb.onResponseData(df.content(), df.isEndStream());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // Netty delivers RST_STREAM, and GOAWAY for streams above last_stream_id, as events.
        UpstreamCallbacks cb = active;
        if (evt instanceof Http2ResetFrame rf) {
            active = null;
            done = true;
            if (cb != null) {
                conn.ctx().host.stats.rqError.increment();
                cb.onReset(rf.errorCode() == Http2Error.REFUSED_STREAM.code()
                        ? ResetReason.REMOTE_REFUSED_STREAM_RESET : ResetReason.REMOTE_RESET);
            }
        } else if (evt instanceof Http2GoAwayFrame) {
            // The peer never processed this stream: as safe to retry as a refused one.
            ReferenceCountUtil.release(evt);
            active = null;
            done = true;
            if (cb != null) {
                conn.ctx().host.stats.rqError.increment();
                cb.onReset(ResetReason.REMOTE_REFUSED_STREAM_RESET);
            }
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    private void finish() {
        done = true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (done && !requestDone && !tunnel && child.isActive()) {
            // The response ended before our request did: the stream is over, cancel our half.
            active = null;
            child.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamCallbacks cb = active;
        if (cb != null) {
            cb.onWritabilityChanged(child.isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamCallbacks cb = active;
        active = null;
        conn.streamClosed();
        if (cb != null && !done) {
            conn.ctx().host.stats.rqError.increment();
            cb.onReset(ResetReason.CONNECTION_TERMINATION);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private static int statusCode(CharSequence status) {
        int code = 0;
        for (int i = 0; i < status.length(); i++) {
            char c = status.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            code = code * 10 + (c - '0');
        }
        return code;
    }
}

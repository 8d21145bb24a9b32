package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;

/** One request/response on an HTTP/1.1 connection ({@link Http1Connection}), and its encoder. */
final class Http1Stream implements StreamEncoder {
    private final Http1Connection conn;
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
    Http1Stream(Http1Connection conn, HttpRequest req) {
        this.conn = conn;
        this.keepAlive = req != null && HttpUtil.isKeepAlive(req);
        this.http10 = req != null && req.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.stream = new ActiveStream(conn.cx, this);
    }

    void protocolError(Throwable cause) {
        requestComplete = true;
        closeAfterResponse = true;
        ActiveStream s = stream;
        s.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
        if (cause instanceof TooLongFrameException) {
            s.sendLocalReply(431, "Request Header Fields Too Large", null, "http1.headers_too_large");
        } else {
            conn.cx.hcm.stats.downstreamCxProtocolError.increment();
            s.sendLocalReply(400, "Bad Request", ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "http1.codec_error");
        }
    }

    /** A request head Envoy refuses: local reply, then the connection closes. */
    void reject(int status, String reason, String details) {
        requestComplete = true;
        closeAfterResponse = true;
        stream.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
        conn.cx.hcm.stats.downstreamCxProtocolError.increment();
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
        if (!keepAlive || conn.cx.draining || conn.cx.hcm.draining() || (endStream && !requestComplete)) {
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
            conn.ctx.write(resp, conn.ctx.voidPromise());
            conn.ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, conn.ctx.voidPromise());
        } else {
            conn.ctx.writeAndFlush(resp, conn.ctx.voidPromise());
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
        conn.ctx.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), h));
        if (conn.ctx.pipeline().get(Http1Connection.CODEC_NAME) instanceof HttpServerCodec codec) {
            codec.removeOutboundHandler();
        }
    }

    @Override
    public void encodeData(ByteBuf data, boolean endStream) {
        if (rawOut) {
            if (data.isReadable()) {
                conn.ctx.writeAndFlush(data);
            } else {
                data.release();
            }
            if (endStream) {
                shutdownOutput();
            }
            return;
        }
        conn.ctx.writeAndFlush(endStream ? new DefaultLastHttpContent(data, io.remora.http.upstream.HeaderConversion.NO_TRAILERS)
                : new DefaultHttpContent(data), conn.ctx.voidPromise());
    }

    /** The upstream ended its half of the tunnel: so does this connection, after what is queued. */
    private void shutdownOutput() {
        if (conn.ctx.channel() instanceof io.netty.channel.socket.DuplexChannel d) {
            conn.ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
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
        conn.ctx.writeAndFlush(last);
    }

    @Override
    public void resetStream(boolean graceful) {
        closeAfterResponse = true;
        if (graceful) {
            return; // closes once the response is flushed (onStreamDone)
        }
        conn.closing = true;
        conn.releasePending();
        conn.ctx.close();
    }

    @Override
    public void readDisable(boolean disable) {
        readDisabled = disable;
        conn.updateAutoRead();
    }

    @Override
    public boolean isWritable() {
        return conn.ctx.channel().isWritable();
    }

    @Override
    public void streamDone() {
        conn.onStreamDone(this);
    }
}

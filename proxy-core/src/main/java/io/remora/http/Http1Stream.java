package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.WireBytes;
import io.remora.http.upstream.HeaderConversion;
import io.remora.http.upstream.Http1Head;
import io.remora.http.upstream.Http1Wire;

import java.util.Map;

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
    /** The response has no body (HEAD, 1xx, 204, 304): whatever body is sent is dropped. */
    private boolean bodyless;
    /** The request asked for an upgrade or is a CONNECT: its body is tunnel bytes. */
    boolean upgrade;
    /** The upstream accepted: responses are raw bytes too, written without HTTP framing. */
    boolean rawOut;

    /** A stream for this request head; null for a head that never completed. */
    Http1Stream(Http1Connection conn, Http1Head head) {
        this.conn = conn;
        if (head != null && head.http10()) {
            conn.http10 = true;
        }
        this.http10 = conn.http10;
        this.keepAlive = head != null && head.keepsServerConnection(http10);
        this.stream = new ActiveStream(conn.cx, this);
        if (http10) {
            // Envoy's codec reports any version but 1.1 as HTTP/1.0, which the connection
            // manager gives the stream (%PROTOCOL%, the http.protocol tag, filters), 426 included.
            stream.info.protocol = "HTTP/1.0";
        }
        WireBytes w = stream.info.wireBytes();
        if (w != null) {
            w.downstreamWireReceived += conn.wireBytesBeforeStream;
            conn.wireBytesBeforeStream = 0;
            if (head != null) {
                w.downstreamHeaderReceived += WireBytes.receivedFieldBytes(head.headers);
            }
        }
    }

    /** Bytes this stream's encoder writes, as Envoy's counts what it flushes; {@code head}: a head with field lines. */
    private void metered(ByteBuf out, boolean head) {
        WireBytes w = stream.info.wireBytes();
        if (w != null) {
            w.add(true, true, out.readableBytes(), head ? WireBytes.sentFieldBytes(out) : 0);
        }
    }

    /** A head the parser refused: {@code status} with Envoy's details, then the connection closes. */
    void protocolError(int status, String details) {
        if (status == 501) {
            reject(501, "Not Implemented", details);
            return;
        }
        requestComplete = true;
        closeAfterResponse = true;
        ActiveStream s = stream;
        s.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
        // A 431 too: Envoy's codec fails the dispatch with a CodecProtocolError for a head past
        // its limits as for any other, which its connection manager counts.
        conn.cx.hcm.stats.downstreamCxProtocolError.increment();
        if (status == 431) {
            s.sendLocalReply(431, "Request Header Fields Too Large", null, details);
        } else {
            s.sendLocalReply(400, "Bad Request", ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, details);
        }
    }

    /**
     * Envoy's onLocalReply: a 400 the proxy answers itself (the reply's code before
     * local_reply_config rewrites it) means a messaging error, so the HTTP/1 connection closes
     * after it unless stream_error_on_invalid_http_message keeps it.
     */
    void onLocalReply(int status) {
        if (status == 400 && !conn.cx.hcm.config.http1Options().streamErrorOnInvalidHttpMessage()) {
            closeAfterResponse = true;
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
    public void encode100Continue() {
        ByteBuf out = (http10 && conn.cx.hcm.config.http1AcceptHttp10() ? Http1Connection.CONTINUE_10
                : Http1Connection.CONTINUE).duplicate();
        metered(out, false);
        conn.send(out, conn.ctx.voidPromise());
    }

    /**
     * An upstream's 1xx: its status line and headers, no framing (Envoy's encoder gives a 1xx
     * neither chunking nor a length); the response's own head follows.
     */
    @Override
    public void encode1xxHeaders(Http2Headers headers) {
        if (StreamLog.enabled()) {
            StreamLog.responseHeaders(stream.info, headers, false);
        }
        int status = HeaderConversion.parseStatus(headers.status());
        HeaderBlock block = HeaderBlock.of(headers);
        io.remora.http.upstream.HeaderNameCase nameCase = block.nameCase() != null ? block.nameCase() : conn.cx.hcm.http1NameCase;
        int size = Http1Wire.statusLineSize(status) + 2;
        int count = block.size();
        for (int i = block.pseudoCount(); i < count; i++) {
            if (written(block.name(i), true)) {
                size += Http1Wire.lineSize(block.name(i), block.value(i));
            }
        }
        ByteBuf out = conn.ctx.alloc().buffer(size);
        int lineStart = out.writerIndex();
        Http1Wire.statusLine(out, status);
        if (http10 && conn.cx.hcm.config.http1AcceptHttp10()) {
            out.setByte(lineStart + "HTTP/1.".length(), '0');
        }
        for (int i = block.pseudoCount(); i < count; i++) {
            if (written(block.name(i), true)) {
                Http1Wire.header(out, block.name(i), block.value(i), nameCase);
            }
        }
        Http1Wire.endHead(out);
        metered(out, true);
        conn.send(out, conn.ctx.voidPromise());
    }

    @Override
    public void encodeHeaders(Http2Headers headers, boolean endStream) {
        if (StreamLog.enabled()) {
            StreamLog.responseHeaders(stream.info, headers, endStream);
        }
        int status = HeaderConversion.parseStatus(headers.status());
        if (stream.tunnel()) {
            encodeTunnelHeaders(headers, status);
            return;
        }
        CharSequence connection = headers.get(Http1Headers.CONNECTION);
        if (connection != null && AsciiString.contentEqualsIgnoreCase(connection, HttpHeaderValues.CLOSE)) {
            closeAfterResponse = true;
        }
        // Envoy's encodeHeadersBase: below 200 (a final 0-99 too) and 204 no framing header is
        // added; 304 and a response to HEAD keep theirs. 1xx, 204, 304 and HEAD have no body; a
        // code below 100 has one, sent as it comes, delimited by nothing (as Envoy's encoder).
        boolean noFraming = status < 200 || status == 204;
        bodyless = (noFraming && status >= 100) || status == 304 || stream.head;
        HeaderBlock block = HeaderBlock.of(headers);
        io.remora.http.upstream.HeaderNameCase nameCase = block.nameCase() != null ? block.nameCase() : conn.cx.hcm.http1NameCase;
        AsciiString reason = nameCase instanceof io.remora.http.upstream.OriginalHeaderCase o ? o.reasonPhrase() : null;
        int size = (reason == null ? Http1Wire.statusLineSize(status) : Http1Wire.statusLineSize(status, reason)) + 2;
        boolean hasLength = false;
        int bodyRoom = 0;
        int count = block.size();
        for (int i = block.pseudoCount(); i < count; i++) {
            CharSequence n = block.name(i);
            if (written(n, noFraming)) {
                CharSequence v = block.value(i);
                size += Http1Wire.lineSize(n, v);
                if (AsciiString.contentEqualsIgnoreCase(n, Http1Headers.CONTENT_LENGTH)) {
                    hasLength = true;
                    bodyRoom = bodyless || endStream ? 0 : Http1Wire.smallLength(v);
                }
            }
        }
        CharSequence length = null;
        if (!noFraming && !bodyless && !hasLength) {
            if (endStream) {
                length = HttpHeaderValues.ZERO;
            } else if (http10) {
                // HTTP/1.0 has no chunked coding: the body ends with the connection.
                closeAfterResponse = true;
            } else {
                chunked = true;
            }
        } else if (stream.head && !noFraming && status != 304 && !hasLength && !http10) {
            // Envoy's encoder announces chunked framing on a response to HEAD without a length,
            // and sends no chunk: bodyless drops the body and the last chunk with it.
            chunked = true;
        }
        if (!keepAlive || conn.cx.draining || conn.cx.hcm.draining() || (endStream && !requestComplete)) {
            closeAfterResponse = true;
        }
        // Envoy's mutateResponseHeaders keeps Connection and Upgrade when the request and the
        // response are both upgrades (a refused one, such as a 426); the connection closes after.
        CharSequence upgradeOut = upgrade && Upgrades.isUpgrade(headers) ? headers.get(Http1Headers.UPGRADE) : null;
        CharSequence connectionOut = upgradeOut != null ? HttpHeaderValues.UPGRADE
                : closeAfterResponse ? HttpHeaderValues.CLOSE : http10 ? HttpHeaderValues.KEEP_ALIVE : null;
        if (upgradeOut != null) {
            size += Http1Wire.lineSize(Http1Headers.UPGRADE, upgradeOut);
        }
        if (length != null) {
            size += Http1Wire.lineSize(Http1Headers.CONTENT_LENGTH, length);
        }
        if (chunked) {
            size += Http1Wire.lineSize(Http1Headers.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (connectionOut != null) {
            size += Http1Wire.lineSize(Http1Headers.CONNECTION, connectionOut);
        }
        // Room for a small body behind the head: the connection's write batch appends a body
        // that comes in the same pass to a head with room, where a head without room and its body
        // are both copied into a fresh batch buffer (two allocations, two copies per response).
        ByteBuf out = conn.ctx.alloc().buffer(WriteBatch.headCapacity(size, bodyRoom));
        int lineStart = out.writerIndex();
        if (reason == null) {
            Http1Wire.statusLine(out, status);
        } else {
            Http1Wire.statusLine(out, status, reason);
        }
        if (http10 && conn.cx.hcm.config.http1AcceptHttp10()) {
            // Envoy's codec answers an HTTP/1.0 request it accepted in kind: "HTTP/1.0 200 OK".
            out.setByte(lineStart + "HTTP/1.".length(), '0');
        }
        for (int i = block.pseudoCount(); i < count; i++) {
            CharSequence n = block.name(i);
            if (written(n, noFraming)) {
                Http1Wire.header(out, n, block.value(i), nameCase);
            }
        }
        if (length != null) {
            Http1Wire.header(out, Http1Headers.CONTENT_LENGTH, length, nameCase);
        }
        if (chunked) {
            Http1Wire.header(out, Http1Headers.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, nameCase);
        }
        if (upgradeOut != null) {
            Http1Wire.header(out, Http1Headers.UPGRADE, upgradeOut, nameCase);
        }
        if (connectionOut != null) {
            Http1Wire.header(out, Http1Headers.CONNECTION, connectionOut, nameCase);
        }
        Http1Wire.endHead(out);
        metered(out, true);
        // No listener on these writes: a void promise saves one per write; a failure still
        // reaches exceptionCaught, which closes the connection.
        conn.send(out, conn.ctx.voidPromise());
    }

    /** Whether a response header is written: not pseudo, not this hop's, no length where none belongs. */
    private static boolean written(CharSequence name, boolean noFraming) {
        return !Http1Wire.pseudo(name) && !Http1Headers.connectionSpecific(name)
                && !(noFraming && AsciiString.contentEqualsIgnoreCase(name, Http1Headers.CONTENT_LENGTH));
    }

    /**
     * The upstream accepted the upgrade: 101 with the Upgrade it agreed to, or 2xx to CONNECT
     * without any body framing (RFC 9110 9.3.6); after it, bytes pass as they are.
     */
    private void encodeTunnelHeaders(Http2Headers headers, int status) {
        CharSequence upgrade = null;
        if (status == 101) {
            CharSequence agreed = headers.get(Http1Headers.UPGRADE);
            CharSequence asked = stream.requestHeaders == null ? null : stream.requestHeaders.get(Http1Headers.UPGRADE);
            upgrade = agreed != null ? agreed : asked == null ? "" : asked;
        }
        int size = Http1Wire.statusLineSize(status) + 2;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            if (written(e.getKey(), true)) {
                size += Http1Wire.lineSize(e.getKey(), e.getValue());
            }
        }
        if (upgrade != null) {
            size += Http1Wire.lineSize(Http1Headers.UPGRADE, upgrade)
                    + Http1Wire.lineSize(Http1Headers.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        ByteBuf out = conn.ctx.alloc().buffer(size);
        Http1Wire.statusLine(out, status);
        io.remora.http.upstream.HeaderNameCase nameCase = headers instanceof HeaderBlock b && b.nameCase() != null
                ? b.nameCase() : conn.cx.hcm.http1NameCase;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            if (written(e.getKey(), true)) {
                Http1Wire.header(out, e.getKey(), e.getValue(), nameCase);
            }
        }
        if (upgrade != null) {
            Http1Wire.header(out, Http1Headers.UPGRADE, upgrade, nameCase);
            Http1Wire.header(out, Http1Headers.CONNECTION, HttpHeaderValues.UPGRADE, nameCase);
        }
        Http1Wire.endHead(out);
        metered(out, true);
        rawOut = true;
        conn.send(out);
    }

    @Override
    public void encodeData(ByteBuf data, boolean endStream) {
        if (rawOut) {
            if (data.isReadable()) {
                metered(data, false);
                conn.send(data);
            } else {
                data.release();
            }
            if (endStream) {
                shutdownOutput();
            }
            return;
        }
        ByteBuf out;
        if (bodyless) {
            data.release();
            out = null;
        } else if (chunked) {
            out = Http1Wire.chunk(conn.ctx.alloc(), data, endStream);
        } else if (data.isReadable()) {
            out = data;
        } else {
            data.release();
            out = null;
        }
        if (out != null) {
            metered(out, false);
            conn.send(out, conn.ctx.voidPromise());
        }
    }

    /** The upstream ended its half of the tunnel: so does this connection, after what is queued. */
    private void shutdownOutput() {
        if (conn.ctx.channel() instanceof io.netty.channel.socket.DuplexChannel d) {
            conn.send(Unpooled.EMPTY_BUFFER).addListener(f -> {
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
        if (chunked && !bodyless) {
            // Trailers exist only in chunked framing; after a content-length body they are dropped.
            // As Envoy's codec, they are written only with http_protocol_options.enable_trailers;
            // otherwise the body just ends.
            ByteBuf last = conn.cx.hcm.config.http1EnableTrailers()
                    ? Http1Wire.lastChunk(conn.ctx.alloc(), trailers, conn.cx.hcm.http1NameCase) : Http1Wire.lastChunk();
            WireBytes w = stream.info.wireBytes();
            if (w != null) {
                w.downstreamWireSent += last.readableBytes();
                w.downstreamHeaderSent += last.readableBytes() - 5; // all but "0\r\n" and the empty line
            }
            conn.send(last, conn.ctx.voidPromise());
        }
    }

    @Override
    public void resetStream(boolean graceful) {
        closeAfterResponse = true;
        if (graceful) {
            return; // closes once the response is flushed (onStreamDone)
        }
        conn.closing = true;
        conn.ctx.channel().close(); // through the connection's close: what was written is flushed first
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

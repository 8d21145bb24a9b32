package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.http.upstream.HeaderConversion;
import io.remora.http.upstream.Http1Head;
import io.remora.http.upstream.Http1Parser;

/**
 * The request side of a downstream HTTP/1.1 connection, as Envoy's server codec turns its parser's
 * callbacks into a stream's decode calls: a head opens an {@link Http1Stream} (or a tunnel), body
 * and trailers follow it, and parsing pauses behind each complete request until
 * its response is done. A base of {@link Http1Connection} (the pipeline stage, its tunnel input and
 * its close) rather than an object of its own, so a connection stays one object; the state both
 * read is here.
 */
abstract class Http1RequestReader extends FlushCoalescer implements Http1Parser.Listener {

    final ConnectionContext cx;
    /**
     * From a request's first byte until the connection is idle again; null in between (the
     * worker keeps it meanwhile: {@link #decoder()}, {@link #releaseDecoderIfIdle()}).
     */
    Http1RequestDecoder decoder;
    Http1Stream current;
    boolean closing;
    /**
     * Bytes read while no request was in progress, for the next stream's meter (Envoy's
     * bytes_meter_before_stream_); counted only when a format reads the meters.
     */
    long wireBytesBeforeStream;

    Http1RequestReader(ConnectionContext cx) {
        this.cx = cx;
    }

    /** The connection's decoder, taken from the worker when the connection holds none. */
    final Http1RequestDecoder decoder() {
        Http1RequestDecoder d = decoder;
        if (d == null) {
            decoder = d = Http1RequestDecoder.acquire(cx, this);
        }
        return d;
    }

    /**
     * Once no request is in progress or waits: the decoder goes back to the worker. Not while
     * closing, nor while a request is being answered: the parser may have been stopped then.
     */
    final void releaseDecoderIfIdle() {
        Http1RequestDecoder d = decoder;
        if (d != null && current == null && !closing && d.releasable()) {
            decoder = null;
            d.release();
        }
    }

    /** A stream for a request whose head was read ({@code head}), or that failed before its head (null). */
    abstract Http1Stream newStream(Http1Head head);

    /** After an upgrade or CONNECT head: what the client sends next is tunnel bytes. */
    abstract void switchToRawInput();

    /** Socket reads follow back-pressure and what waits behind the request in progress. */
    abstract void updateAutoRead();

    /** The connection closes once what was written has gone out. */
    abstract void closeAfterFlush();

    /** Whether {@code s}, a pipelined request, is one too many for the responses still unwritten (then it is ended). */
    abstract boolean responseFlood(Http1Stream s);

    @Override
    public void onHead(Http1Parser parser) {
        Http1Head head = parser.head();
        try {
            onHead(parser, head);
        } finally {
            head.dropBlock();
        }
    }

    private void onHead(Http1Parser parser, Http1Head head) {
        decoder.headersComplete();
        if (closing) {
            parser.stop();
            return;
        }
        // WebSocket-style upgrades and CONNECT: the head is followed by tunnel bytes that are never
        // parsed as HTTP, whether the connection manager lets the upgrade through or refuses it.
        io.remora.config.Http1Options options = cx.hcm.config.http1Options();
        // An Upgrade that ignore_http_11_upgrade names is dropped with the other hop-by-hop headers:
        // the request is served as a plain one.
        boolean upgrade = HttpMethod.CONNECT.asciiName().contentEquals(head.method)
                || (Http1Headers.isTunnelUpgrade(head) && !options.ignoresUpgrade(head.upgrade));
        if (upgrade && decoder.resuming()) {
            // Read behind another request: the client sent what follows it before the upgrade was
            // answered, so it was not meant as tunnel bytes. Not served; the connection closes.
            parser.stop();
            closeAfterFlush();
            return;
        }
        Http1Stream s = newStream(head);
        current = s;
        if (responseFlood(s)) {
            parser.stop();
            return;
        }
        Http1Headers.Rejection rejection = Http1Headers.validate(head, options.allowAbsoluteUrl(), upgrade,
                !cx.tls && cx.hcm.config.useRemoteAddress() && cx.hcm.config.xffNumTrustedHops() == 0);
        if (rejection != null) {
            parser.stop();
            s.reject(rejection.status(), rejection.reason(), rejection.details());
            return;
        }
        boolean noBody = !upgrade && head.bodyless();
        if (upgrade) {
            s.upgrade = true;
            s.closeAfterResponse = true; // an upgraded connection is never reused for HTTP
            parser.stop();
        }
        boolean proxyContinue = cx.hcm.config.proxy100Continue();
        if (head.expectContinue && !proxyContinue) {
            // Envoy's connection manager answers it itself unless proxy_100_continue, whatever
            // the version and whether a body follows, and strips it.
            ResponseWriter.write100Continue(s.stream);
        }
        Http2Headers headers = Http1Headers.toHttp2(head, upgrade, head.expectContinue && !proxyContinue,
                options.allowAbsoluteUrl());
        s.requestComplete = noBody;
        if (noBody) {
            decoder.requestComplete();
        }
        if (StreamLog.enabled()) {
            StreamLog.requestHeaders(s.stream.info, headers, noBody);
        }
        s.stream.decodeHeaders(headers, noBody);
        if (upgrade) {
            if (!closing) {
                switchToRawInput();
            }
        } else if (noBody) {
            pauseBehind(s);
        }
    }

    @Override
    public void onBody(ByteBuf data, boolean last) {
        Http1Stream s = current;
        if (last) {
            decoder.requestComplete();
        }
        if (s == null || s.requestComplete) {
            data.release();
            return;
        }
        if (last) {
            s.requestComplete = true;
        }
        if (s.stream.ended() || (!last && !data.isReadable())) {
            data.release();
        } else {
            s.stream.decodeData(data, last);
        }
        if (last) {
            pauseBehind(s);
        }
    }

    @Override
    public void onEnd(Http2Headers trailers) {
        decoder.requestComplete();
        Http1Stream s = current;
        if (s == null || s.requestComplete) {
            return;
        }
        io.remora.accesslog.WireBytes w = trailers == null ? null : s.stream.info.wireBytes();
        if (w != null) {
            w.downstreamHeaderReceived += io.remora.accesslog.WireBytes.receivedFieldBytes(trailers);
        }
        s.requestComplete = true;
        if (!s.stream.ended()) {
            // As Envoy's codec: trailers are read only with http_protocol_options.enable_trailers.
            if (trailers == null || !cx.hcm.config.http1EnableTrailers()) {
                s.stream.decodeData(Unpooled.EMPTY_BUFFER, true);
            } else if (trailers.size() > cx.hcm.maxRequestHeadersCount) {
                tooManyTrailers(s);
            } else {
                s.stream.decodeTrailers(HeaderConversion.trailers(trailers));
            }
        }
        pauseBehind(s);
    }

    /**
     * Envoy's codec counts a trailer section on its own against max_request_headers_count
     * (completeCurrentHeader): past it a codec error, answered 431 when nothing was answered yet,
     * and the connection closes.
     */
    private void tooManyTrailers(Http1Stream s) {
        s.closeAfterResponse = true;
        s.stream.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
        cx.hcm.stats.downstreamCxProtocolError.increment();
        if (!s.stream.responseStarted()) {
            s.stream.sendLocalReply(431, "Request Header Fields Too Large", null, "http1.too_many_headers");
        } else {
            StreamResets.codecError(s.stream, "http1.too_many_headers");
        }
    }

    @Override
    public void onError(int status, String details) {
        Http1Stream s = current;
        if (closing) {
            return;
        }
        if (s != null && !s.requestComplete) {
            // The body broke its framing.
            s.requestComplete = true;
            s.closeAfterResponse = true;
            s.stream.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
            cx.hcm.stats.downstreamCxProtocolError.increment();
            if (!s.stream.responseStarted()) {
                s.stream.sendLocalReply(400, "Bad Request", ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "http1.codec_error");
            } else {
                // Envoy's codec keeps the details on the stream; its connection manager's
                // handleCodecError ends it as a reset it received, and the connection closes.
                StreamResets.codecError(s.stream, "http1.codec_error");
            }
            return;
        }
        if (s != null) {
            // A head behind a request still being answered: closes after that response.
            s.closeAfterResponse = true;
            return;
        }
        s = newStream(null);
        current = s;
        s.protocolError(status, details);
    }

    /**
     * Requests are answered in order: the parser waits until the response to the request that just
     * ended is complete, as Envoy's codec pauses between pipelined requests ({@link #updateAutoRead}).
     */
    private void pauseBehind(Http1Stream s) {
        if (current == s && !closing) {
            decoder().parser.pause();
            updateAutoRead();
        }
    }
}

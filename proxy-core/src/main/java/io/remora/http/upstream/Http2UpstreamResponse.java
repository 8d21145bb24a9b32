package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * The response side of an {@link Http2UpstreamStream} (Envoy's ClientStreamImpl::decodeHeaders and
 * StreamImpl's pending_recv_data_): the response's HEADERS, DATA and trailers passed to the
 * requester in order, or held while it is read-disabled and passed on at its resume. Apart from
 * the stream so that the stream keeps the request and its ends; static over the stream's fields so
 * that a response costs no object more than the stream.
 */
final class Http2UpstreamResponse {
    private Http2UpstreamResponse() {
    }

    static void onHeaders(Http2UpstreamStream s, Http2Headers headers, boolean endStream) {
        UpstreamCallbacks cb = s.active;
        if (cb == null) {
            return;
        }
        if (s.headersReceived) {
            if (ResponseHeaderChecks.tooManyTrailers(s.conn.ctx().cluster.config().responseHeaderLimits(), headers)) {
                s.conn.ctx().stats().http2HeaderOverflow.increment();
                refuseResponse(s);
                return;
            }
            // Trailers: in order behind held DATA.
            s.responseDone = true;
            if (s.readDisabled || (s.held != null && !s.held.isEmpty())) {
                hold(s, new Http2HeldResponse.Frame(null, true, headers));
                return;
            }
            cb.onResponseTrailers(headers);
            afterResponse(s);
            return;
        }
        CharSequence status = headers.status();
        String fault = Http2HopHeaders.headFault(headers, status, endStream);
        if (fault != null) {
            s.conn.invalidResponse(s.stream.id(), fault);
            return;
        }
        if (Http2HopHeaders.interim(status, endStream)) {
            if (UpstreamCallbacks.proxied1xx(Http2HopHeaders.statusCode(status))) {
                cb.onResponse1xx(headers);
            }
            return;
        }
        Http2UpstreamConnection conn = s.conn;
        if (!ResponseHeaderChecks.accept(conn.ctx().cluster.config().responseHeaderLimits(), headers, true)) {
            conn.ctx().stats().http2HeaderOverflow.increment();
            refuseResponse(s);
            return;
        }
        s.headersReceived = true;
        int code = Http2HopHeaders.statusCode(status);
        s.bodyless = s.headRequest || code == 204 || code == 304;
        if (cb.poolCountsHostResults()) {
            conn.ctx().host.stats.response(code);
        }
        Http2HopHeaders.upgradeAccepted(headers, status, s.upgradeProtocol);
        s.tunnelAnswered(code);
        s.responseDone = endStream;
        cb.onResponseHeaders(headers, endStream);
        if (endStream) {
            afterResponse(s);
        }
    }

    /** Returns the bytes processed now (the rest are consumed when passed on after a resume). */
    static int onData(Http2UpstreamStream s, ByteBuf data, int padding, boolean endStream) {
        int n = data.readableBytes();
        UpstreamCallbacks cb = s.active;
        if (cb == null || s.malformed) {
            // A stream whose response was refused hears nothing more of it: the connection error that
            // follows (or the stream's reset) reports it to the requester.
            return n + padding;
        }
        if (!s.headersReceived) {
            // DATA before the response's HEADERS is malformed (RFC 9113 8.1): an invalid response.
            s.conn.invalidResponse(s.stream.id(), "DATA frame before the response HEADERS");
            return n + padding;
        }
        if (n > 0 && s.bodyless) {
            refuseBody(s);
            return n + padding;
        }
        s.responseDone |= endStream;
        if (s.readDisabled || (s.held != null && !s.held.isEmpty())) {
            hold(s, new Http2HeldResponse.Frame(data.retainedSlice(), endStream, null));
            return padding;
        }
        cb.onResponseData(data.retain(), endStream);
        if (endStream) {
            afterResponse(s);
        }
        return n + padding;
    }

    /**
     * The response broke the cluster's header limits: RST_STREAM(INTERNAL_ERROR), which the close
     * that follows reports to the requester as a remote reset, not a protocol error. So Envoy's
     * codec: its header callback fails the stream (the library resets it with INTERNAL_ERROR) and
     * the stream's close, not a messaging error, is a RemoteReset: 503 UR, not 502 UPE.
     */
    static void refuseResponse(Http2UpstreamStream s) {
        s.resetAsRemote(Http2Error.INTERNAL_ERROR);
    }

    /**
     * DATA with bytes on a response that has no body (oghttp2's can_receive_body: after a 204, a
     * 304, or for a HEAD): oghttp2 answers RST_STREAM(PROTOCOL_ERROR) on its own, not as a
     * messaging error, so the connection stays and Envoy's stream close reads it as a RemoteReset.
     */
    static void refuseBody(Http2UpstreamStream s) {
        s.resetAsRemote(Http2Error.PROTOCOL_ERROR);
    }

    private static void hold(Http2UpstreamStream s, Http2HeldResponse.Frame h) {
        if (s.held == null) {
            s.held = new Http2HeldResponse();
        }
        s.held.add(h);
    }

    /**
     * The whole response was passed on. A request still unfinished is cancelled (the stream is
     * over), unless this is a tunnel, whose halves close on their own.
     */
    private static void afterResponse(Http2UpstreamStream s) {
        if (s.active == null) {
            return;
        }
        if (s.isOpen() && !s.requestDone && !s.tunnel) {
            s.active = null;
            s.cancel();
        } else if (s.stream == null || s.stream.state() == Http2Stream.State.CLOSED) {
            s.active = null;
        }
    }

    // Held frames go on in order until the stream is read-disabled again; their bytes are consumed as they go.
    static void passHeld(Http2UpstreamStream s) {
        Http2HeldResponse held = s.held;
        if (held == null) {
            return;
        }
        Http2HeldResponse.Frame h;
        while (!s.readDisabled && (h = held.poll()) != null) {
            UpstreamCallbacks cb = s.active;
            if (h.trailers() != null) {
                if (cb != null) {
                    cb.onResponseTrailers(h.trailers());
                    afterResponse(s);
                }
                continue;
            }
            int n = h.data().readableBytes();
            if (cb == null) {
                h.data().release();
            } else {
                cb.onResponseData(h.data(), h.endStream());
            }
            s.conn.consume(s.stream, n);
            if (cb != null && h.endStream()) {
                afterResponse(s);
            }
        }
        held.settled();
    }
}

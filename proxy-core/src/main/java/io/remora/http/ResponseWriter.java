package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.upstream.HeaderConversion;

/**
 * The codec end of a stream's response: what passed the encoder filters (or a local reply that
 * skips them) gets Envoy's last touches and goes to the stream's codec; the stream ends when both
 * halves have, or at once when the response finishes first. Static over {@link ActiveStream}'s
 * fields, so the response path allocates nothing here.
 */
final class ResponseWriter {

    private ResponseWriter() {
    }

    static void writeHeaders(ActiveStream s, Http2Headers headers, boolean endStream) {
        if (s.ended() || s.responseStarted) {
            return;
        }
        CharSequence statusText = headers.status();
        if (!HeaderConversion.isStatusNumber(statusText)) {
            // Envoy's FilterManager (checkRequiredResponseHeaders): a :status that is no number,
            // a filter having removed or spoilt it, is answered 502 instead. Any number goes on,
            // 0 too, as Envoy's codecs write whatever getResponseStatus reads.
            s.sendLocalReply(502, "missing required header: :status", null,
                    "filter_removed_required_response_headers{missing_required_header:_:status}");
            return;
        }
        int status = HeaderConversion.parseStatus(statusText);
        s.touch();
        s.responseStarted = true;
        s.info.responseCode = status;
        if (s.info.responseCodeDetails == null) {
            s.info.responseCodeDetails = "via_upstream";
        }
        s.hcm.stats.response(status);
        if (!s.remoteComplete()) {
            s.hcm.stats.downstreamRqResponseBeforeRqComplete.increment();
        }
        if (s.hcm.draining()) {
            s.cx.onResponseWhileDraining();
        }
        String upgrade = s.upgrade;
        boolean upgradeAccepted = upgrade != null
                && (status == 101 || (Upgrades.CONNECT.equals(upgrade) && status >= 200 && status < 300));
        ResponseHeaderMutator.mutate(headers, s, upgradeAccepted);
        s.info.responseHeaders = headers;
        if (upgradeAccepted && Upgrades.CONNECT.equals(upgrade)) {
            StreamAccessLogs.onTunnelEstablished(s);
        }
        if (upgradeAccepted) {
            // No request or route timeout for the life of a tunnel; the stream idle timeout stays.
            s.tunnel = true;
            s.cancelRequestTimer();
        }
        if (endStream) {
            s.localComplete = true;
        }
        s.info.mark(io.remora.accesslog.StreamTimings.Point.DS_TX_BEG);
        s.encoder.encodeHeaders(headers, endStream);
        if (endStream) {
            onLocalComplete(s);
        }
    }

    /** An interim 100 (the proxy's own, or the upstream's when proxied), counted as Envoy counts it. */
    static void write100Continue(ActiveStream s) {
        if (s.ended() || s.responseStarted) {
            return;
        }
        s.hcm.stats.response(100);
        s.encoder.encode100Continue();
    }

    /**
     * An upstream's interim response (100, 102, 103, 104) when the connection manager proxies
     * them: counted as Envoy's chargeStats counts it (downstream_rq_1xx and downstream_rq_completed,
     * the final response is counted again) and its code is the stream's until the final one
     * replaces it, so a stream reset after it logs the 1xx.
     */
    static void write1xx(ActiveStream s, Http2Headers headers) {
        if (s.ended() || s.responseStarted) {
            return;
        }
        int status = HeaderConversion.parseStatus(headers.status());
        s.touch();
        s.info.responseCode = status;
        s.hcm.stats.response(status);
        ResponseHeaderMutator.mutate1xx(headers, s);
        s.encoder.encode1xxHeaders(headers);
    }

    static void writeData(ActiveStream s, ByteBuf data, boolean endStream) {
        if (s.ended() || !s.responseStarted || s.localComplete) {
            data.release();
            return;
        }
        s.touch();
        s.info.bytesSent += data.readableBytes();
        if (endStream) {
            s.localComplete = true;
        }
        s.encoder.encodeData(data, endStream);
        if (endStream) {
            onLocalComplete(s);
        }
    }

    static void writeTrailers(ActiveStream s, Http2Headers trailers) {
        if (s.ended() || !s.responseStarted || s.localComplete) {
            return;
        }
        s.touch();
        s.localComplete = true;
        s.info.responseTrailers = trailers;
        s.encoder.encodeTrailers(trailers);
        onLocalComplete(s);
    }

    private static void onLocalComplete(ActiveStream s) {
        s.info.mark(io.remora.accesslog.StreamTimings.Point.DS_TX_END);
        if (s.ended()) {
            return;
        }
        if (!s.remoteComplete()) {
            if (s.tunnel) {
                return; // half-closed: the client may still send until it ends its side
            }
            // The response is done before the request: abandon the rest of the request.
            s.encoder.resetStream(true);
        }
        s.end();
    }
}

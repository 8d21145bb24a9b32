package io.remora.http.router;

import io.netty.buffer.ByteBuf;

/**
 * What of the request the router holds goes out on a try (Envoy's acceptHeadersFromRouter,
 * acceptDataFromRouter and acceptTrailersFromRouter): the headers once, each body chunk the try
 * has not written yet, then the trailers; to the try's upstream filters when it has some, else
 * straight to its stream. Apart from the try, whose job is its lifetime and its response; static
 * so that writing allocates nothing beyond the chunks' duplicates.
 */
final class TryRequestWriter {
    private TryRequestWriter() {
    }

    static void flush(UpstreamRequest a) {
        RouterFilter router = a.router;
        if (!a.headersSent) {
            a.headersSent = true;
            if (!router.body.whole()) {
                // A hedge from a state that held no body: as Envoy's doRetry, the try goes without it.
                a.written = router.body.count();
            }
            a.endSent = router.downstreamEnded && a.written == router.body.count() && router.requestTrailers == null;
            if (a.filtered != null) {
                a.filtered.filters.decodeHeaders(a.headers, a.endSent);
            } else {
                a.stream.writeHeaders(WebSocketHandshake.headers(router, a), a.endSent);
                a.sent(a.endSent);
            }
        }
        while (a.written < router.body.count() && a.writable()) {
            // Nothing will replay the body: the current try takes the chunk itself.
            ByteBuf b = !router.retainBody && router.current == a ? router.body.take(a.written) : null;
            if (b == null) {
                b = router.body.chunk(a.written).retainedDuplicate();
            }
            a.written++;
            boolean last = router.downstreamEnded && router.requestTrailers == null && a.written == router.body.count();
            a.endSent = last;
            if (a.filtered != null) {
                a.filtered.filters.decodeData(b, last);
            } else {
                a.stream.writeData(b, last);
                a.sent(last);
            }
        }
        if (router.downstreamEnded && !a.endSent && router.requestTrailers != null && a.writable()) {
            a.endSent = true;
            if (a.filtered != null) {
                a.filtered.filters.decodeTrailers(router.requestTrailers);
            } else {
                a.stream.writeTrailers(router.requestTrailers);
                a.sent(true);
            }
        }
    }
}

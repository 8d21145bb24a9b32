package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * Envoy's recreateStream (an internal redirect): once {@link ActiveStream#recreateStream} has
 * destroyed the first run's filters, the request runs again on the same downstream stream, with
 * its headers as the router left them, from the event loop rather than under the upstream
 * callback that asked. As Envoy's internally created stream it skips the first run's header
 * sanitizing (XFF, x-request-id, internal headers: x-envoy-original-url must survive) but not
 * the header checks.
 */
final class StreamRecreation {

    private StreamRecreation() {
    }

    static void decode(ActiveStream s, ByteBuf body) {
        if (s.ended()) {
            release(body);
            return;
        }
        Http2Headers headers = s.requestHeaders;
        s.info.requestLine(headers);
        CharSequence method = headers.method();
        s.head = method != null && AsciiString.contentEquals("HEAD", method);
        if (RequestHeaderChecks.rejected(s, headers, method, headers.path())) {
            release(body);
            return;
        }
        // The route table the router matched the target against, looked up again for the checked headers.
        s.clearRouteCache();
        s.filters = new FilterManager(s, s.hcm.filterFactories, s.route(), s.clusterName);
        boolean hasBody = body != null && body.isReadable();
        s.filters.headers(0, headers, !hasBody);
        if (hasBody) {
            s.filters.data(0, body, true);
        } else {
            release(body);
        }
    }

    private static void release(ByteBuf body) {
        if (body != null) {
            body.release();
        }
    }
}

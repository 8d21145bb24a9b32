package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.AccessLogs;
import io.remora.accesslog.StreamInfo;
import io.remora.config.AccessLogType;

/**
 * Envoy's recreateStream (an internal redirect): once {@link ActiveStream#recreateStream} has
 * destroyed the first run's filters, the request runs again on the same downstream stream, with
 * its headers as the router left them, from the event loop rather than under the upstream
 * callback that asked. As Envoy's internally created stream it skips the first run's header
 * sanitizing (XFF, x-request-id, internal headers: x-envoy-original-url must survive) but not
 * the header checks.
 */
final class StreamRecreation {

    private static final String INTERNAL_REDIRECT = "internal_redirect";

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

    /**
     * Envoy ends the first run as a stream of its own ({@code doEndStream}, which access-logs it
     * before the new stream starts), its detail internal_redirect and, when an upstream response
     * asked, that response's status and headers ({@code ActiveStreamDecoderFilter::recreateStream});
     * nothing of it went downstream. The next run's log measures from the request's start still.
     */
    static void logFirstRun(ActiveStream s, Http2Headers response) {
        if (s.hcm.accessLogs.length == 0) {
            return;
        }
        StreamInfo info = s.info;
        info.responseCodeDetails = INTERNAL_REDIRECT;
        if (response != null) {
            info.responseHeaders = response;
            CharSequence status = response.status();
            try {
                info.responseCode = status == null ? 0 : Integer.parseInt(status.toString());
            } catch (NumberFormatException e) {
                info.responseCode = 0;
            }
        }
        info.finish();
        AccessLogs.emit(s.hcm.accessLogs, info, AccessLogType.DOWNSTREAM_END);
        info.durationNanos = -1;
    }

    private static void release(ByteBuf body) {
        if (body != null) {
            body.release();
        }
    }
}

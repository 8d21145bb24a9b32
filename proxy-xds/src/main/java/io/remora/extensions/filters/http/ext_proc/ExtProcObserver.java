package io.remora.extensions.filters.http.ext_proc;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.FilterStatus;

/**
 * {@code observability_mode}: each part the mode names is sent as it passes and goes on at once;
 * only STREAMED bodies are sent (as Envoy). Answers are never waited for (the filter drops them).
 */
final class ExtProcObserver {

    private ExtProcObserver() {
    }

    static FilterStatus headers(ExtProcFilter f, ExtProcPhase phase, Http2Headers headers, boolean endStream) {
        if (f.mode().sendsHeaders(phase.request) && !f.stream.closed()) {
            f.stream.sendHeaders(phase, headers, endStream);
        }
        return FilterStatus.CONTINUE;
    }

    static FilterStatus data(ExtProcFilter f, ExtProcPhase phase, ByteBuf data, boolean endStream) {
        if (f.mode().body(phase.request) == ExtProcMode.Body.STREAMED && !f.stream.closed()) {
            f.stream.sendBody(phase, data, endStream);
        }
        return FilterStatus.CONTINUE;
    }

    static FilterStatus trailers(ExtProcFilter f, ExtProcPhase phase, Http2Headers trailers) {
        if (f.mode().sendsTrailers(phase.request) && !f.stream.closed()) {
            f.stream.sendTrailers(phase, trailers);
        }
        return FilterStatus.CONTINUE;
    }
}

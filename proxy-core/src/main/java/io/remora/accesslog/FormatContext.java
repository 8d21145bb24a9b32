package io.remora.accesslog;

import io.netty.handler.codec.http2.Http2Headers;

/**
 * What one substitution format reads (Envoy's {@code Formatter::Context} beside its stream info):
 * the stream's {@link StreamInfo} and the header maps of the moment. An access log line reads the
 * stream's own (a {@link StreamInfo} is its own context, so logging makes no object for it); a
 * header value being added reads the headers being changed, which the stream info may not hold yet.
 */
public interface FormatContext {

    /** Never null. */
    StreamInfo streamInfo();

    /** What %REQ(x)% reads; null: the stream info's request facts are read instead. */
    Http2Headers requestHeaders();

    /** What %RESP(x)% reads, or null. */
    Http2Headers responseHeaders();

    /** What %TRAILER(x)% reads, or null. */
    Http2Headers responseTrailers();
}

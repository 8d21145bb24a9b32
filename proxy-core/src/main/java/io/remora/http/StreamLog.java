package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's "http" debug lines for a stream's headers ("request headers complete (end_stream=...)",
 * "encoding headers via codec (end_stream=...)"), one header per line as Envoy prints them, each
 * tagged with the stream's connection and stream ids as Envoy's ENVOY_STREAM_LOG does.
 * Callers check {@link #enabled()} first so the hot path builds nothing.
 */
final class StreamLog {

    static final Logger LOG = io.remora.log.Logging.logger("http");

    private StreamLog() {
    }

    static boolean enabled() {
        return LOG.isLoggable(Level.FINE);
    }

    static void requestHeaders(StreamInfo stream, Http2Headers headers, boolean endStream) {
        LOG.fine(stream.logTags() + "request headers complete (end_stream=" + endStream + "):" + lines(headers));
    }

    static void responseHeaders(StreamInfo stream, Http2Headers headers, boolean endStream) {
        LOG.fine(stream.logTags() + "encoding headers via codec (end_stream=" + endStream + "):" + lines(headers));
    }

    private static String lines(Http2Headers headers) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            sb.append("\n'").append(e.getKey()).append("', '").append(e.getValue()).append('\'');
        }
        return sb.toString();
    }
}

package io.remora.accesslog;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.Map;
import java.util.Set;

import static io.remora.accesslog.AccessLogOperators.count;

/**
 * Envoy's header size operators (http_specific_formatter.cc's HeadersByteSizeFormatter): the
 * byteSize of the request headers, response headers or response trailers, the sum of every
 * name's and value's length (pseudo-headers included), 0 for a map the stream does not have.
 * Envoy's wire and header byte meters are refused: Remora's codecs do not count a stream's bytes
 * on the wire, and a made-up number would be worse than none.
 */
public final class HeaderBytesOperators {
    private static final Set<String> UNMETERED = Set.of("UPSTREAM_WIRE_BYTES_SENT", "UPSTREAM_WIRE_BYTES_RECEIVED",
            "UPSTREAM_HEADER_BYTES_SENT", "UPSTREAM_HEADER_BYTES_RECEIVED", "DOWNSTREAM_WIRE_BYTES_SENT",
            "DOWNSTREAM_WIRE_BYTES_RECEIVED", "DOWNSTREAM_HEADER_BYTES_SENT", "DOWNSTREAM_HEADER_BYTES_RECEIVED");

    private HeaderBytesOperators() {
    }

    /** The operator, or null when {@code name} is not one of these; the byte meters are refused. */
    static AccessLogOperators.Op of(String name) {
        if (UNMETERED.contains(name)) {
            throw new IllegalArgumentException("access log format: " + name + " is not supported: Remora does not"
                    + " meter a stream's bytes on the wire");
        }
        return switch (name) {
            case "REQUEST_HEADERS_BYTES" -> count(c -> byteSize(c.requestHeaders()));
            case "RESPONSE_HEADERS_BYTES" -> count(c -> byteSize(c.responseHeaders()));
            case "RESPONSE_TRAILERS_BYTES" -> count(c -> byteSize(c.responseTrailers()));
            default -> null;
        };
    }

    /** Envoy's HeaderMap::byteSize (also the router's header size stats and the ALS entries'). */
    public static long byteSize(Http2Headers headers) {
        if (headers == null) {
            return 0;
        }
        long n = 0;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            n += e.getKey().length() + e.getValue().length();
        }
        return n;
    }
}

package io.remora.accesslog;

import io.netty.handler.codec.http2.Http2Headers;

import java.util.Map;

import static io.remora.accesslog.FormatOps.count;

/**
 * Envoy's header size operators (http_specific_formatter.cc's HeadersByteSizeFormatter): the
 * byteSize of the request headers, response headers or response trailers, the sum of every
 * name's and value's length (pseudo-headers included), 0 for a map the stream does not have.
 * Envoy's wire and header byte meters read the stream's {@link WireBytes}.
 */
public final class HeaderBytesOperators {
    private HeaderBytesOperators() {
    }

    /** The operator, or null when {@code name} is not one of these. */
    static FormatOps.Op of(String name) {
        return switch (name) {
            case "REQUEST_HEADERS_BYTES" -> count(c -> byteSize(c.requestHeaders()));
            case "RESPONSE_HEADERS_BYTES" -> count(c -> byteSize(c.responseHeaders()));
            case "RESPONSE_TRAILERS_BYTES" -> count(c -> byteSize(c.responseTrailers()));
            case "DOWNSTREAM_WIRE_BYTES_SENT" -> meter(true, w -> w.downstreamWireSent);
            case "DOWNSTREAM_WIRE_BYTES_RECEIVED" -> meter(true, w -> w.downstreamWireReceived);
            case "DOWNSTREAM_HEADER_BYTES_SENT" -> meter(true, w -> w.downstreamHeaderSent);
            case "DOWNSTREAM_HEADER_BYTES_RECEIVED" -> meter(true, w -> w.downstreamHeaderReceived);
            case "UPSTREAM_WIRE_BYTES_SENT" -> meter(false, w -> w.upstreamWireSent);
            case "UPSTREAM_WIRE_BYTES_RECEIVED" -> meter(false, w -> w.upstreamWireReceived);
            case "UPSTREAM_HEADER_BYTES_SENT" -> meter(false, w -> w.upstreamHeaderSent);
            case "UPSTREAM_HEADER_BYTES_RECEIVED" -> meter(false, w -> w.upstreamHeaderReceived);
            // Envoy's meters get decompressed header bytes from its HTTP/3 codec only (QPACK's
            // decoded size); its HTTP/1.1 and HTTP/2 codecs, Remora's only ones, add none: 0.
            case "DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_SENT", "DOWNSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED",
                 "UPSTREAM_DECOMPRESSED_HEADER_BYTES_SENT", "UPSTREAM_DECOMPRESSED_HEADER_BYTES_RECEIVED" ->
                    FormatOps.num(i -> 0);
            default -> null;
        };
    }

    /**
     * A byte meter: 0 when nothing was counted (Envoy's meters exist, empty, on every stream info),
     * {@code -} for a side whose connection kept none. Naming one turns the codecs' counting on.
     */
    private static FormatOps.Op meter(boolean downstream, java.util.function.ToLongFunction<WireBytes> field) {
        WireBytes.want();
        return FormatOps.num(i -> {
            WireBytes w = i.wireBytesIfAny();
            if (w == null) {
                return 0;
            }
            return (downstream ? w.unmeteredDownstream : w.unmeteredUpstream) ? -1 : field.applyAsLong(w);
        });
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

package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Envoy's local replies: sending one on a stream, its head and body (status strings, the gRPC
 * trailers-only form).
 */
final class LocalReply {

    private static final AsciiString[] STATUS = new AsciiString[600];
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    static {
        for (int i = 100; i < 600; i++) {
            STATUS[i] = AsciiString.cached(Integer.toString(i));
        }
    }

    private LocalReply() {
    }

    /**
     * Envoy's sendLocalReply: through the encoder filters when none has seen response headers yet,
     * else straight to the codec; a reset once the codec has started the response.
     */
    static void send(ActiveStream s, int status, String body, ResponseFlag flag, String details,
                     Consumer<Http2Headers> modifyHeaders, int grpcStatus) {
        if (s.ended()) {
            return;
        }
        if (flag != null) {
            s.info.setFlag(flag);
        }
        s.info.responseCodeDetails = details;
        s.abortDecoding();
        if (s.responseStarted()) {
            s.resetStream();
            return;
        }
        FilterManager filters = s.filters;
        boolean viaFilters = filters != null && !filters.encodingStarted();
        Http2Headers h = new HeaderBlock(6);
        ByteBuf buf = build(h, status, body == null ? "" : body, s.grpc, grpcStatus, s.head, !s.remoteComplete(),
                s.cx.channel.alloc());
        if (modifyHeaders != null) {
            modifyHeaders.accept(h);
        }
        if (viaFilters) {
            filters.encodeHeaders(h, buf == null);
        } else {
            ResponseWriter.writeHeaders(s, h, buf == null);
        }
        if (buf == null) {
            return;
        }
        if (s.ended()) {
            buf.release();
        } else if (viaFilters) {
            filters.encodeData(buf, true);
        } else {
            ResponseWriter.writeData(s, buf, true);
        }
    }

    /**
     * Fills {@code h} with a local reply's head and returns its body (null when it has none):
     * text/plain with its length, or gRPC's trailers-only form; a HEAD reply only says how long
     * the body would be. {@code closeAfter}: the rest of the request will not be read, so
     * HTTP/1.1 must close (HTTP/2 strips the header).
     */
    static ByteBuf build(Http2Headers h, int status, String text, boolean grpc, int grpcStatus,
                         boolean head, boolean closeAfter, ByteBufAllocator alloc) {
        if (closeAfter) {
            h.set(Http1Headers.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (grpc) {
            grpcTrailersOnly(h, status, text, grpcStatus);
            return null;
        }
        h.status(statusText(status));
        if (text.isEmpty() || head) {
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, head ? utf8Length(text) : 0);
            return null;
        }
        ByteBuf buf = alloc.buffer(text.length());
        buf.writeCharSequence(text, StandardCharsets.UTF_8);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
        h.set(CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        return buf;
    }

    static AsciiString statusText(int status) {
        return status >= 100 && status < 600 ? STATUS[status] : AsciiString.of(Integer.toString(status));
    }

    /** Envoy's {@code Grpc::Utility::httpToGrpcStatus}. */
    static int httpToGrpcStatus(int http) {
        return switch (http) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7;  // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 429, 502, 503, 504 -> 14; // UNAVAILABLE
            default -> 2;   // UNKNOWN
        };
    }

    /** A gRPC trailers-only response: {@code :status 200} and the status in the headers. */
    static void grpcTrailersOnly(Http2Headers h, int httpStatus, String message) {
        grpcTrailersOnly(h, httpStatus, message, -1);
    }

    /** As above; {@code grpcStatus} &gt;= 0 replaces the status mapped from {@code httpStatus}. */
    static void grpcTrailersOnly(Http2Headers h, int httpStatus, String message, int grpcStatus) {
        h.status(STATUS[200]);
        h.set(CONTENT_TYPE, APPLICATION_GRPC);
        h.setInt(GRPC_STATUS, grpcStatus >= 0 ? grpcStatus : httpToGrpcStatus(httpStatus));
        if (!message.isEmpty()) {
            h.set(GRPC_MESSAGE, percentEncode(message));
        }
    }

    /** gRPC's grpc-message encoding: printable ASCII except '%' as is, the rest %XX of UTF-8. */
    static String percentEncode(String s) {
        boolean plain = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '%') {
                plain = false;
                break;
            }
        }
        if (plain) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 0x20 || c > 0x7e || c == '%') {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}

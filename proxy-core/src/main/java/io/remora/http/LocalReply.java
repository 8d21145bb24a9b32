package io.remora.http;

import io.netty.buffer.ByteBuf;
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
        if (s.encoder instanceof Http1Stream h1) {
            h1.onLocalReply(status);
        }
        FilterManager filters = s.filters;
        boolean viaFilters = filters != null && !filters.encodingStarted();
        Http2Headers h = new HeaderBlock(6);
        ByteBuf buf = prepare(s, h, status, body == null ? "" : body, modifyHeaders, grpcStatus);
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
     * Envoy's prepareLocalReply: fills {@code h} with the reply's head and returns its body (null
     * when it has none). The status first, then the stream's forwarding route's response headers
     * (Envoy's filter manager finalizes them on every local reply, before the reply sets the
     * stream's response code: %RESPONSE_CODE% is 0 there), then the caller's headers, then the
     * connection manager's local_reply_config; then text with its length (a content type the caller set is
     * kept unless the rewrite changed the body and set none), or gRPC's trailers-only form. A HEAD
     * reply only says how long the body would be. When the rest of the request will not be read,
     * HTTP/1.1 must close (HTTP/2 strips the header).
     */
    private static ByteBuf prepare(ActiveStream s, Http2Headers h, int status, String text,
                                   Consumer<Http2Headers> modifyHeaders, int grpcStatus) {
        h.status(statusText(status));
        io.remora.route.RouteEntry route = s.cachedRoute();
        if (route != null && route.route().action() instanceof io.remora.config.ForwardAction) {
            route.mutateResponseHeaders(h, s.info.upstreamCluster, s);
        }
        if (modifyHeaders != null) {
            modifyHeaders.accept(h);
        }
        CharSequence contentType = HttpHeaderValues.TEXT_PLAIN;
        boolean customContentType = false;
        boolean bodyChanged = false;
        LocalReplyRewriter rewriter = s.hcm.localReply;
        if (rewriter != null) {
            CharSequence before = h.get(CONTENT_TYPE);
            LocalReplyRewriter.Result r = rewriter.rewrite(s, h, status, text);
            status = r.status();
            bodyChanged = !r.body().equals(text);
            text = r.body();
            contentType = r.contentType();
            CharSequence after = h.get(CONTENT_TYPE);
            customContentType = after != null && (before == null || !before.toString().contentEquals(after));
        }
        if (!s.remoteComplete()) {
            h.set(Http1Headers.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (s.grpc) {
            String message = text;
            // A JSON body format ends its object with a newline, which has no place in a header.
            if (message.endsWith("\n") && "application/json".contentEquals(contentType)) {
                message = message.substring(0, message.length() - 1);
            }
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
            grpcTrailersOnly(h, status, s.head ? "" : message, grpcStatus);
            return null;
        }
        if (text.isEmpty()) {
            h.remove(CONTENT_TYPE);
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            return null;
        }
        if (!h.contains(CONTENT_TYPE) || (bodyChanged && !customContentType)) {
            h.set(CONTENT_TYPE, contentType);
        }
        if (s.head) {
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, utf8Length(text));
            return null;
        }
        ByteBuf buf = s.cx.channel.alloc().buffer(text.length());
        buf.writeCharSequence(text, StandardCharsets.UTF_8);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
        return buf;
    }

    static AsciiString statusText(int status) {
        return status >= 100 && status < 600 ? STATUS[status] : AsciiString.of(Integer.toString(status));
    }

    /** Envoy's {@code Grpc::Utility::httpToGrpcStatus}. */
    static int httpToGrpcStatus(int http) {
        return GrpcHttpStatus.fromHttp(http);
    }

    /**
     * A gRPC trailers-only response: {@code :status 200} and the status in the headers, mapped
     * from {@code httpStatus} unless {@code grpcStatus} &gt;= 0. A grpc-status already in {@code h}
     * (a local_reply_config mapper's) stays.
     */
    static void grpcTrailersOnly(Http2Headers h, int httpStatus, String message, int grpcStatus) {
        h.status(STATUS[200]);
        h.set(CONTENT_TYPE, APPLICATION_GRPC);
        if (!h.contains(GRPC_STATUS)) {
            h.setInt(GRPC_STATUS, grpcStatus >= 0 ? grpcStatus : httpToGrpcStatus(httpStatus));
        }
        if (!message.isEmpty()) {
            h.set(GRPC_MESSAGE, PercentEncoding.grpcMessage(message));
        }
    }

    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}

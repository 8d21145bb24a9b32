package io.remora.extensions.filters.http.grpc_json_transcoder;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.http.common.GrpcMessageBuffer;
import io.remora.extensions.filters.http.grpc_json_transcoder.GrpcRequestEncoder.ResolvedBinding;
import io.remora.extensions.filters.http.grpc_json_transcoder.GrpcRequestEncoder.TranscodeException;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.overload.BufferedBytes;

import static io.remora.extensions.filters.http.grpc_json_transcoder.TranscodedStatus.APPLICATION_JSON;
import static io.remora.extensions.filters.http.grpc_json_transcoder.TranscodedStatus.CONTENT_LENGTH;
import static io.remora.extensions.filters.http.grpc_json_transcoder.TranscodedStatus.CONTENT_TYPE;
import static io.remora.extensions.filters.http.grpc_json_transcoder.TranscodedStatus.GRPC_STATUS;

import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's gRPC-JSON transcoder for one stream. A request that is not gRPC and matches a
 * google.api.http binding of the configured services goes upstream as that method's gRPC call
 * (POST to /package.Service/Method, application/grpc, te: trailers, the original path and method in
 * x-envoy-original-path / x-envoy-original-method); its JSON body is gathered whole, then sent as
 * the message. The response's messages come back as JSON with the HTTP status mapped from
 * grpc-status (Envoy's grpcToHttpStatus, 503 without one); a response that is not gRPC passes as it
 * is. Anything that matches no binding passes untouched unless reject_unknown_method.
 */
final class GrpcJsonTranscoderFilter implements StreamFilter, BufferedBytes {

    private static final AsciiString TE = AsciiString.cached("te");
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");
    private static final AsciiString POST = AsciiString.cached("POST");
    private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    private static final AsciiString ORIGINAL_PATH = AsciiString.cached("x-envoy-original-path");
    private static final AsciiString ORIGINAL_METHOD = AsciiString.cached("x-envoy-original-method");
    private static final String EARLY_FAILURE = "early_grpc_json_transcode_failure";
    private static final String FAILURE = "grpc_json_transcode_failure";

    private final GrpcJsonTranscoderConfig config;
    private GrpcJsonTranscoderConfig active;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    /** Non-null while the stream is transcoded. */
    private RuleBinding rule;
    private List<ResolvedBinding> bindings;
    private String requestContentType;
    private CompositeByteBuf requestBody;
    private boolean error;
    private JsonResponseEncoder response;
    private Http2Headers responseHeaders;
    private boolean responseHasBody;
    /** A streamed HttpBody response: its headers wait for the first message's content type. */
    private boolean headersHeld;

    GrpcJsonTranscoderFilter(GrpcJsonTranscoderConfig config) {
        this.config = config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    // ------------------------------------------------------------------ request

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        RouteFilterConfig perRoute = decoder.perFilterConfig();
        active = perRoute instanceof GrpcJsonTranscoderConfig c ? c : config;
        CharSequence path = headers.path();
        CharSequence method = headers.method();
        if (active.disabled() || path == null || method == null
                || GrpcMessageBuffer.isGrpcContentType(headers.get(CONTENT_TYPE))) {
            return FilterStatus.CONTINUE;
        }
        HttpRuleTable.Match match = active.rules().lookup(method, path);
        if (match == null) {
            // As Envoy's: the strict options are the filter's, not a route's.
            return config.rejectUnknownMethod()
                    ? reject(404, "Could not resolve " + withoutQuery(path) + " to a method.", EARLY_FAILURE + "{NOT_FOUND}")
                    : FilterStatus.CONTINUE;
        }
        Descriptor input = match.binding().method().descriptor().getInputType();
        List<ResolvedBinding> resolved = new ArrayList<>(match.values().size());
        for (FieldBinding b : match.values()) {
            List<FieldDescriptor> fields = FieldPaths.resolve(input, b.fieldPath());
            if (fields == null) {
                if (active.ignoreUnknownQueryParameters()) {
                    continue;
                }
                return config.rejectUnknownQueryParameters()
                        ? reject(400, "Could not find field \"" + String.join(".", b.fieldPath()) + "\" in the type \""
                                + input.getFullName() + "\".", EARLY_FAILURE + "{INVALID_ARGUMENT}")
                        : FilterStatus.CONTINUE;
            }
            if (!insideHttpBody(match.binding(), fields)) {
                resolved.add(new ResolvedBinding(fields, b.value()));
            }
        }
        rule = match.binding();
        bindings = resolved;
        CharSequence ct = headers.get(CONTENT_TYPE);
        requestContentType = ct == null ? null : ct.toString();
        headers.remove(CONTENT_LENGTH);
        headers.set(CONTENT_TYPE, APPLICATION_GRPC);
        // Copies: the originals may be views of what the rewrite below replaces.
        headers.set(ORIGINAL_PATH, path.toString());
        headers.add(ORIGINAL_METHOD, method.toString());
        headers.path(rule.method().grpcPath());
        headers.method(POST);
        headers.set(TE, TRAILERS);
        if (!active.matchIncomingRequestRoute()) {
            decoder.clearRouteCache();
        }
        if (endStream) {
            ByteBuf message = encodeRequest(new byte[0], EARLY_FAILURE);
            if (message == null) {
                return FilterStatus.STOP_ITERATION;
            }
            decoder.addDecodedData(message);
        }
        return FilterStatus.CONTINUE;
    }

    /** HttpBody fields take the raw body: bindings into them are dropped, as Envoy does. */
    private static boolean insideHttpBody(RuleBinding rule, List<FieldDescriptor> fields) {
        List<FieldDescriptor> body = rule.bodyPath();
        return rule.bodyIsHttpBody() && fields.size() >= body.size() && fields.subList(0, body.size()).equals(body);
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (rule == null) {
            return FilterStatus.CONTINUE;
        }
        if (error) {
            data.release();
            return FilterStatus.STOP_ITERATION;
        }
        if (requestBody == null) {
            requestBody = ByteBufAllocator.DEFAULT.compositeBuffer(Integer.MAX_VALUE);
        }
        requestBody.addComponent(true, data);
        int limit = active.maxRequestBodySize() > 0 ? active.maxRequestBodySize() : decoder.bufferLimit();
        if (requestBody.readableBytes() > limit) {
            releaseRequest();
            reject(413, "Request rejected because the transcoder's internal buffer size exceeds the configured limit.",
                    FAILURE + "{request_buffer_size_limit_reached}");
            return FilterStatus.STOP_ITERATION;
        }
        if (endStream) {
            ByteBuf message = encodeRequest(takeRequestBody(), FAILURE);
            if (message != null) {
                decoder.injectDecodedDataToFilterChain(message, true);
            }
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (rule == null || error) {
            return FilterStatus.CONTINUE;
        }
        ByteBuf message = encodeRequest(takeRequestBody(), FAILURE);
        if (message == null) {
            return FilterStatus.STOP_ITERATION;
        }
        decoder.injectDecodedDataToFilterChain(message, false);
        return FilterStatus.CONTINUE;
    }

    private byte[] takeRequestBody() {
        byte[] body = requestBody == null ? new byte[0] : ByteBufUtil.getBytes(requestBody);
        releaseRequest();
        return body;
    }

    /** The framed message(s), or null after answering 400. */
    private ByteBuf encodeRequest(byte[] body, String details) {
        try {
            return GrpcRequestEncoder.encode(active, rule, bindings, body, requestContentType);
        } catch (TranscodeException e) {
            reject(400, e.getMessage(), details + "{INVALID_ARGUMENT}");
            return null;
        }
    }

    private FilterStatus reject(int status, String message, String details) {
        error = true;
        decoder.sendLocalReply(status, message, null, details);
        return FilterStatus.STOP_ITERATION;
    }

    private static String withoutQuery(CharSequence path) {
        String p = path.toString();
        int q = p.indexOf('?');
        return q < 0 ? p : p.substring(0, q);
    }

    // ------------------------------------------------------------------ response

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (rule == null || error) {
            return FilterStatus.CONTINUE;
        }
        if (!isGrpcResponse(headers, endStream)) {
            error = true;
            return FilterStatus.CONTINUE;
        }
        TranscodedMethod method = rule.method();
        response = new JsonResponseEncoder(active, method);
        responseHeaders = headers;
        if (endStream) {
            // Trailers-only: the status is in these headers.
            if (method.serverStreaming()) {
                headers.set(CONTENT_TYPE, APPLICATION_JSON);
            }
            ByteBuf body = finish(headers, true);
            if (body != null) {
                encoder.addEncodedData(body);
            }
            return FilterStatus.CONTINUE;
        }
        headers.set(CONTENT_TYPE, APPLICATION_JSON);
        if (method.serverStreaming() && !method.responseIsHttpBody()) {
            return FilterStatus.CONTINUE;
        }
        headersHeld = true;
        return FilterStatus.STOP_ITERATION;
    }

    private static boolean isGrpcResponse(Http2Headers h, boolean endStream) {
        if (endStream) {
            return h.contains(GRPC_STATUS);
        }
        return AsciiString.contentEquals("200", h.status()) && GrpcMessageBuffer.isGrpcContentType(h.get(CONTENT_TYPE));
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (rule == null || error || response == null) {
            return FilterStatus.CONTINUE;
        }
        responseHasBody = true;
        response.add(data);
        int limit = active.maxResponseBodySize() > 0 ? active.maxResponseBodySize() : encoder.bufferLimit();
        if (response.pendingBytes() > limit) {
            failResponse(500, "Response not transcoded because the transcoder's internal buffer size exceeds the"
                    + " configured limit.", FAILURE + "{response_buffer_size_limit_reached}");
            return FilterStatus.STOP_ITERATION;
        }
        if (!rule.method().serverStreaming()) {
            if (endStream) {
                // No trailers: the status stays the upstream's (200).
                ByteBuf body = unaryBody(responseHeaders);
                if (!error) {
                    forward(body, true);
                }
            }
            return FilterStatus.STOP_ITERATION;
        }
        ByteBuf out = drain(endStream);
        if (!error && (out != null || endStream)) {
            if (headersHeld && response.httpBodyContentType() != null) {
                responseHeaders.set(CONTENT_TYPE, response.httpBodyContentType());
            }
            forward(out, endStream);
        }
        return FilterStatus.STOP_ITERATION;
    }

    /** Sends body on, then the held headers before it if they still wait. */
    private void forward(ByteBuf body, boolean endStream) {
        encoder.injectEncodedDataToFilterChain(body != null ? body : Unpooled.EMPTY_BUFFER, endStream);
        if (headersHeld) {
            headersHeld = false;
            encoder.continueEncoding();
        }
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (rule == null || error || response == null) {
            return FilterStatus.CONTINUE;
        }
        ByteBuf body = finish(trailers, false);
        if (error) {
            return FilterStatus.STOP_ITERATION;
        }
        if (body != null) {
            encoder.injectEncodedDataToFilterChain(body, false);
        }
        headersHeld = false;
        return FilterStatus.CONTINUE;
    }

    /**
     * Envoy's doTrailers: the rest of the JSON, and for a unary call (or a trailers-only answer)
     * the status in the headers and content-length; with convert_grpc_status an error without a
     * body becomes google.rpc.Status JSON. Returns the body still to send, or null.
     */
    private ByteBuf finish(Http2Headers statusSource, boolean trailersOnly) {
        int grpcStatus = TranscodedStatus.grpcStatus(statusSource);
        boolean http1 = !"HTTP/2".equals(encoder.downstreamProtocol());
        if (active.convertGrpcStatus() && !responseHasBody && grpcStatus > 0) {
            try {
                ByteBuf json = response.statusJson(TranscodedStatus.rpcStatus(statusSource, grpcStatus));
                TranscodedStatus.applyConverted(responseHeaders, statusSource, grpcStatus, http1, json.readableBytes());
                return json;
            } catch (InvalidProtocolBufferException e) {
                // Details of a type the descriptors lack: the status goes as it is.
            }
        }
        TranscodedMethod method = rule.method();
        if (method.serverStreaming() && !trailersOnly) {
            return drain(true);
        }
        ByteBuf body = method.serverStreaming() ? drain(true) : unaryBody(responseHeaders);
        if (!error) {
            TranscodedStatus.apply(responseHeaders, statusSource, grpcStatus, http1);
        }
        return body;
    }

    /** A unary call's JSON (or HttpBody data), with its length (and content type) in {@code h}. */
    private ByteBuf unaryBody(Http2Headers h) {
        ByteBuf body = drain(true);
        h.setInt(CONTENT_LENGTH, body == null ? 0 : body.readableBytes());
        if (response.httpBodyContentType() != null) {
            h.set(CONTENT_TYPE, response.httpBodyContentType());
        }
        return body;
    }

    private ByteBuf drain(boolean end) {
        try {
            return response.drain(end);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            failResponse(502, String.valueOf(e.getMessage()), FAILURE + "{INVALID_ARGUMENT}");
            return null;
        }
    }

    private void failResponse(int status, String message, String details) {
        error = true;
        response.release();
        encoder.sendLocalReply(status, message, null, details);
    }

    @Override
    public long bufferedBytes() {
        return (requestBody == null ? 0 : requestBody.readableBytes()) + (response == null ? 0 : response.pendingBytes());
    }

    private void releaseRequest() {
        if (requestBody != null) {
            requestBody.release();
            requestBody = null;
        }
    }

    @Override
    public void onDestroy() {
        releaseRequest();
        if (response != null) {
            response.release();
        }
    }
}

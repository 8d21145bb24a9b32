package io.remora.extensions.filters.http.grpc_json_transcoder;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.http.GrpcHttpStatus;

import java.util.Base64;

/**
 * How a transcoded response's gRPC status shows in its HTTP headers, as Envoy's transcoder does it:
 * the status mapped from grpc-status (503 when absent or not a number), grpc-status and
 * grpc-message copied from real trailers, or — convert_grpc_status — a google.rpc.Status for the
 * JSON body, taken from grpc-status-details-bin or made of grpc-status and grpc-message.
 */
final class TranscodedStatus {

    static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    static final AsciiString APPLICATION_JSON = AsciiString.cached("application/json");
    static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString GRPC_STATUS_DETAILS = AsciiString.cached("grpc-status-details-bin");
    private static final AsciiString TRAILER = AsciiString.cached("trailer");
    private static final AsciiString SERVICE_UNAVAILABLE = AsciiString.cached("503");

    private TranscodedStatus() {
    }

    /** grpc-status of {@code h} as a number, -1 when absent or not one. */
    static int grpcStatus(Http2Headers h) {
        CharSequence v = h.get(GRPC_STATUS);
        if (v == null) {
            return -1;
        }
        try {
            int n = Integer.parseInt(v.toString().trim());
            return n < 0 ? -1 : n;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Sets the response {@code headers}' status from {@code grpcStatus}; with real trailers
     * ({@code source} is not the headers) their grpc-status and grpc-message are copied too.
     */
    static void apply(Http2Headers headers, Http2Headers source, int grpcStatus, boolean http1) {
        boolean trailersOnly = headers == source;
        if (grpcStatus < 0) {
            headers.status(SERVICE_UNAVAILABLE);
        } else {
            headers.status(httpStatus(grpcStatus));
            if (!trailersOnly) {
                headers.setInt(GRPC_STATUS, grpcStatus);
            }
        }
        CharSequence message = source.get(GRPC_MESSAGE);
        if (!trailersOnly && message != null) {
            headers.set(GRPC_MESSAGE, message);
        }
        removeTrailerHeader(headers, http1);
    }

    /** The headers of a google.rpc.Status JSON body of {@code length} bytes (convert_grpc_status). */
    static void applyConverted(Http2Headers headers, Http2Headers source, int grpcStatus, boolean http1, int length) {
        headers.status(httpStatus(grpcStatus));
        if (headers == source) {
            // They are in the JSON now.
            headers.remove(GRPC_STATUS);
            headers.remove(GRPC_MESSAGE);
            headers.remove(GRPC_STATUS_DETAILS);
        }
        removeTrailerHeader(headers, http1);
        headers.set(CONTENT_TYPE, APPLICATION_JSON);
        headers.setInt(CONTENT_LENGTH, length);
    }

    /** The status grpc-status-details-bin carries, else one made of grpc-status and grpc-message. */
    static com.google.rpc.Status rpcStatus(Http2Headers source, int grpcStatus) {
        CharSequence bin = source.get(GRPC_STATUS_DETAILS);
        if (bin != null) {
            try {
                return com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(unpadded(bin.toString())));
            } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
                // As Envoy: an unreadable one is as none.
            }
        }
        CharSequence message = source.get(GRPC_MESSAGE);
        return com.google.rpc.Status.newBuilder().setCode(grpcStatus)
                .setMessage(message == null ? "" : UrlUnescaping.ALL_CHARACTERS.unescape(message.toString(), false))
                .build();
    }

    private static AsciiString httpStatus(int grpcStatus) {
        return AsciiString.of(Integer.toString(GrpcHttpStatus.toHttp(grpcStatus)));
    }

    /** gRPC sends -bin values without padding; Java's decoder wants it whole or absent. */
    private static String unpadded(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '=') {
            end--;
        }
        return s.substring(0, end);
    }

    /** An HTTP/1 response has no trailers to announce. */
    private static void removeTrailerHeader(Http2Headers h, boolean http1) {
        if (http1) {
            h.remove(TRAILER);
        }
    }
}

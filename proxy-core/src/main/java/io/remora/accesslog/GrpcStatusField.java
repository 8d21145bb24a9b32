package io.remora.accesslog;

import io.netty.handler.codec.http2.Http2Headers;

/**
 * {@code %GRPC_STATUS(CAMEL_STRING|SNAKE_STRING|NUMBER)%} and {@code %GRPC_STATUS_NUMBER%}: the
 * grpc-status of a gRPC request's response (trailers, else a trailers-only response's headers,
 * else mapped from the HTTP status as Envoy's httpToGrpcStatus does); nothing for other requests.
 * As Envoy's GrpcStatusFormatter, a code without a name prints as its number, an unreadable one -1.
 */
public final class GrpcStatusField {

    private static final String[] CAMEL = {"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded",
            "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
            "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"};
    private static final String[] SNAKE = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
            "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
            "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};

    enum Format { CAMEL_STRING, SNAKE_STRING, NUMBER }

    private GrpcStatusField() {
    }

    static Format format(String arg) {
        if (arg == null || arg.isEmpty()) {
            return Format.CAMEL_STRING;
        }
        try {
            return Format.valueOf(arg);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("GRPC_STATUS: unknown format '" + arg
                    + "' (CAMEL_STRING, SNAKE_STRING or NUMBER)");
        }
    }

    /** No status: the request is not gRPC, or nothing says one. */
    public static final long NONE = Long.MIN_VALUE;
    /** Envoy's {@code WellKnownGrpcStatus::InvalidCode}: a grpc-status that is no status. */
    public static final long INVALID = -1;
    private static final long MAXIMUM_KNOWN = 16;

    /** The status the formatter prints (user-defined codes kept), or {@link #NONE}. */
    static long code(StreamInfo i) {
        return isGrpc(i.requestHeaders) ? ofResponse(i, true) : NONE;
    }

    /**
     * Envoy's {@code Grpc::Common::getGrpcStatus(trailers, headers, info, allow_user_defined)}, whatever
     * the request: the response trailers' grpc-status, else the headers', else mapped from the HTTP
     * status; {@link #NONE} when there is none of them. A value that is no unsigned decimal is
     * {@link #INVALID}, and so is one above 16 unless {@code allowUserDefined}.
     */
    public static long ofResponse(StreamInfo i, boolean allowUserDefined) {
        long fromTrailers = parse(i.responseTrailers, allowUserDefined);
        if (fromTrailers != NONE) {
            return fromTrailers;
        }
        long fromHeaders = parse(i.responseHeaders, allowUserDefined);
        if (fromHeaders != NONE) {
            return fromHeaders;
        }
        return i.responseCode > 0 ? fromHttp(i.responseCode) : NONE;
    }

    /** Envoy's GrpcStatusFormatter: a name where there is one, else the number. */
    static String text(StreamInfo i, Format f) {
        long c = code(i);
        if (c == NONE) {
            return null;
        }
        return switch (f) {
            case NUMBER -> Long.toString(c);
            case CAMEL_STRING -> c >= 0 && c < CAMEL.length ? CAMEL[(int) c] : Long.toString(c);
            case SNAKE_STRING -> c >= 0 && c < SNAKE.length ? SNAKE[(int) c] : Long.toString(c);
        };
    }

    /** The number, typed in a JSON log; absent when there is none. */
    static Long number(StreamInfo i) {
        long c = code(i);
        return c == NONE ? null : c;
    }

    /** Envoy's isGrpcRequestHeaders: application/grpc, or application/grpc+ and a subtype. */
    private static boolean isGrpc(Http2Headers request) {
        CharSequence ct = request == null ? null : request.get("content-type");
        if (ct == null || request.path() == null) {
            return false;
        }
        String s = ct.toString();
        return s.equals("application/grpc") || s.startsWith("application/grpc+");
    }

    private static long parse(Http2Headers h, boolean allowUserDefined) {
        CharSequence v = h == null ? null : h.get("grpc-status");
        if (v == null || v.length() == 0) {
            return NONE;
        }
        String t = v.toString().trim();
        long c = 0;
        if (t.isEmpty() || t.length() > 18) {
            return INVALID;
        }
        for (int k = 0; k < t.length(); k++) {
            char ch = t.charAt(k);
            if (ch < '0' || ch > '9') {
                return INVALID;
            }
            c = c * 10 + (ch - '0');
        }
        return c > MAXIMUM_KNOWN && !allowUserDefined ? INVALID : c;
    }

    /** Envoy's Grpc::Utility::httpToGrpcStatus. */
    static long fromHttp(int http) {
        return io.remora.http.GrpcHttpStatus.fromHttp(http);
    }
}

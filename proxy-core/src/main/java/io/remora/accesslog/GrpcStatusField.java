package io.remora.accesslog;

import io.netty.handler.codec.http2.Http2Headers;

/**
 * {@code %GRPC_STATUS(CAMEL_STRING|SNAKE_STRING|NUMBER)%} and {@code %GRPC_STATUS_NUMBER%}: the
 * grpc-status of a gRPC request's response (trailers, else a trailers-only response's headers,
 * else mapped from the HTTP status as Envoy's httpToGrpcStatus does); nothing for other requests.
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

    /** The status code, or -1 when the request is not gRPC or nothing was answered. */
    static long code(StreamInfo i) {
        if (!isGrpc(i.requestHeaders)) {
            return -1;
        }
        return ofResponse(i);
    }

    /**
     * Envoy's {@code Grpc::Common::getGrpcStatus(trailers, headers, info)}, whatever the request:
     * the response trailers' grpc-status, else the headers', else mapped from the HTTP status; -1
     * when there is none of them.
     */
    public static long ofResponse(StreamInfo i) {
        long fromTrailers = parse(i.responseTrailers);
        if (fromTrailers >= 0) {
            return fromTrailers;
        }
        long fromHeaders = parse(i.responseHeaders);
        if (fromHeaders >= 0) {
            return fromHeaders;
        }
        return i.responseCode > 0 ? fromHttp(i.responseCode) : -1;
    }

    static String text(StreamInfo i, Format f) {
        long c = code(i);
        if (c < 0) {
            return null;
        }
        return switch (f) {
            case NUMBER -> Long.toString(c);
            case CAMEL_STRING -> c < CAMEL.length ? CAMEL[(int) c] : "InvalidCode";
            case SNAKE_STRING -> c < SNAKE.length ? SNAKE[(int) c] : Long.toString(c);
        };
    }

    private static boolean isGrpc(Http2Headers request) {
        CharSequence ct = request == null ? null : request.get("content-type");
        if (ct == null) {
            return false;
        }
        String s = ct.toString();
        return s.equals("application/grpc") || s.startsWith("application/grpc+") || s.startsWith("application/grpc;");
    }

    private static long parse(Http2Headers h) {
        CharSequence v = h == null ? null : h.get("grpc-status");
        if (v == null) {
            return -1;
        }
        try {
            long c = Long.parseLong(v.toString().trim());
            return c < 0 ? -1 : c;
        } catch (NumberFormatException e) {
            return 2; // Envoy reads an unparsable status as Unknown
        }
    }

    /** Envoy's Grpc::Utility::httpToGrpcStatus. */
    static long fromHttp(int http) {
        return io.remora.http.GrpcHttpStatus.fromHttp(http);
    }
}

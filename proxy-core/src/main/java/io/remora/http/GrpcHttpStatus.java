package io.remora.http;

/** Envoy's {@code Grpc::Utility} mappings between HTTP and gRPC statuses. */
public final class GrpcHttpStatus {

    private GrpcHttpStatus() {
    }

    /** Envoy's {@code grpcToHttpStatus}: the HTTP status a gRPC status maps to. */
    public static int toHttp(int grpc) {
        return switch (grpc) {
            case 0 -> 200;
            case 1 -> 499;  // CANCELLED: client closed request
            case 3, 9, 11 -> 400; // INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE
            case 4 -> 504;  // DEADLINE_EXCEEDED
            case 5 -> 404;  // NOT_FOUND
            case 6, 10 -> 409; // ALREADY_EXISTS, ABORTED
            case 7 -> 403;  // PERMISSION_DENIED
            case 8 -> 429;  // RESOURCE_EXHAUSTED
            case 12 -> 501; // UNIMPLEMENTED
            case 14 -> 503; // UNAVAILABLE
            case 16 -> 401; // UNAUTHENTICATED
            default -> 500; // UNKNOWN, INTERNAL, DATA_LOSS and any other
        };
    }

    /** Envoy's {@code httpToGrpcStatus}: the gRPC status an HTTP status maps to. */
    public static int fromHttp(int http) {
        return switch (http) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7;  // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 429, 502, 503, 504 -> 14; // UNAVAILABLE
            default -> 2;   // UNKNOWN
        };
    }
}

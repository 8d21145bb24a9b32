package io.remora.http;

/** Envoy's {@code Grpc::Utility::httpToGrpcStatus}: the gRPC status an HTTP status maps to. */
public final class GrpcHttpStatus {

    private GrpcHttpStatus() {
    }

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

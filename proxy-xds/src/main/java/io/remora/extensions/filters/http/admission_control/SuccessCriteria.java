package io.remora.extensions.filters.http.admission_control;

import java.util.List;

/**
 * What counts as a successful response ({@code AdmissionControl.SuccessCriteria}, Envoy's
 * SuccessCriteriaEvaluator): HTTP statuses in any of {@code httpRanges} ([start, end)), gRPC
 * statuses in {@code grpcCodes} (a bit per code 0..16).
 */
record SuccessCriteria(List<int[]> httpRanges, int grpcCodes) {

    /** Envoy's defaults: every status below 500. */
    static final List<int[]> DEFAULT_HTTP = List.<int[]>of(new int[]{0, 500});

    /**
     * Envoy's defaults: the codes that sending fewer requests would not change — OK, Cancelled,
     * Unknown, InvalidArgument, NotFound, AlreadyExists, PermissionDenied, FailedPrecondition,
     * OutOfRange, Unimplemented, Unauthenticated.
     */
    static final int DEFAULT_GRPC = bits(0, 1, 2, 3, 5, 6, 7, 9, 11, 12, 16);

    static final SuccessCriteria DEFAULT = new SuccessCriteria(DEFAULT_HTTP, DEFAULT_GRPC);

    SuccessCriteria {
        httpRanges = List.copyOf(httpRanges);
    }

    static int bits(int... codes) {
        int b = 0;
        for (int c : codes) {
            b |= 1 << c;
        }
        return b;
    }

    boolean isHttpSuccess(int status) {
        for (int[] r : httpRanges) {
            if (status >= r[0] && status < r[1]) {
                return true;
            }
        }
        return false;
    }

    boolean isGrpcSuccess(long status) {
        return status >= 0 && status <= 16 && (grpcCodes & (1 << status)) != 0;
    }
}

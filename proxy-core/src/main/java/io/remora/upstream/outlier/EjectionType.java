package io.remora.upstream.outlier;

/** {@code envoy.data.cluster.v3.OutlierEjectionType}, with the stat suffix of each. */
public enum EjectionType {
    CONSECUTIVE_5XX("consecutive_5xx"),
    CONSECUTIVE_GATEWAY_FAILURE("consecutive_gateway_failure"),
    SUCCESS_RATE("success_rate"),
    CONSECUTIVE_LOCAL_ORIGIN_FAILURE("consecutive_local_origin_failure"),
    SUCCESS_RATE_LOCAL_ORIGIN("local_origin_success_rate"),
    FAILURE_PERCENTAGE("failure_percentage"),
    FAILURE_PERCENTAGE_LOCAL_ORIGIN("local_origin_failure_percentage");

    /** Suffix of {@code outlier_detection.ejections_detected_*} and {@code ejections_enforced_*}. */
    final String statSuffix;

    EjectionType(String statSuffix) {
        this.statSuffix = statSuffix;
    }

    boolean localOrigin() {
        return this == CONSECUTIVE_LOCAL_ORIGIN_FAILURE || this == SUCCESS_RATE_LOCAL_ORIGIN
                || this == FAILURE_PERCENTAGE_LOCAL_ORIGIN;
    }
}

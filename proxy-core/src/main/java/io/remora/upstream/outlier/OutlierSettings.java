package io.remora.upstream.outlier;

import io.remora.config.OutlierDetectionConfig;
import io.remora.runtime.Runtime;

import java.util.function.Supplier;

/**
 * A cluster's outlier detection values as Envoy's {@code DetectorImpl} reads them: each from the
 * runtime's {@code outlier_detection.<field>} key (durations {@code <field>_ms}) when a layer sets
 * it, else from the cluster's config, at every decision, so a runtime change applies at once to
 * every cluster. Any thread.
 */
final class OutlierSettings {
    private static final String PREFIX = "outlier_detection.";

    private final Supplier<Runtime> runtime;
    private volatile OutlierDetectionConfig config;

    OutlierSettings(Supplier<Runtime> runtime, OutlierDetectionConfig config) {
        this.runtime = runtime;
        this.config = config;
    }

    OutlierDetectionConfig config() {
        return config;
    }

    void config(OutlierDetectionConfig c) {
        this.config = c;
    }

    private long get(String key, long configured) {
        return runtime.get().getInteger(PREFIX + key, configured);
    }

    long consecutive5xx() {
        return get("consecutive_5xx", config.consecutive5xx());
    }

    long consecutiveGatewayFailure() {
        return get("consecutive_gateway_failure", config.consecutiveGatewayFailure());
    }

    long consecutiveLocalOriginFailure() {
        return get("consecutive_local_origin_failure", config.consecutiveLocalOriginFailure());
    }

    long intervalMillis() {
        return get("interval_ms", config.interval().toMillis());
    }

    long baseEjectionMillis() {
        return get("base_ejection_time_ms", config.baseEjectionTime().toMillis());
    }

    long maxEjectionMillis() {
        return get("max_ejection_time_ms", config.maxEjectionTime().toMillis());
    }

    long maxEjectionJitterMillis() {
        return get("max_ejection_time_jitter_ms", config.maxEjectionTimeJitter().toMillis());
    }

    long maxEjectionPercent() {
        return Math.min(100, get("max_ejection_percent", config.maxEjectionPercent()));
    }

    long successRateMinimumHosts() {
        return get("success_rate_minimum_hosts", config.successRateMinimumHosts());
    }

    long successRateRequestVolume() {
        return get("success_rate_request_volume", config.successRateRequestVolume());
    }

    /** In thousandths, as configured. */
    long successRateStdevFactor() {
        return get("success_rate_stdev_factor", config.successRateStdevFactor());
    }

    long failurePercentageThreshold() {
        return get("failure_percentage_threshold", config.failurePercentageThreshold());
    }

    long failurePercentageMinimumHosts() {
        return get("failure_percentage_minimum_hosts", config.failurePercentageMinimumHosts());
    }

    long failurePercentageRequestVolume() {
        return get("failure_percentage_request_volume", config.failurePercentageRequestVolume());
    }

    /** Envoy's enforceEjection: featureEnabled of the type's {@code enforcing_*} key, its config percent the default. */
    boolean enforced(EjectionType type) {
        OutlierDetectionConfig c = config;
        return switch (type) {
            case CONSECUTIVE_5XX -> enabled("enforcing_consecutive_5xx", c.enforcingConsecutive5xx());
            case CONSECUTIVE_GATEWAY_FAILURE -> enabled("enforcing_consecutive_gateway_failure",
                    c.enforcingConsecutiveGatewayFailure());
            case SUCCESS_RATE -> enabled("enforcing_success_rate", c.enforcingSuccessRate());
            case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> enabled("enforcing_consecutive_local_origin_failure",
                    c.enforcingConsecutiveLocalOriginFailure());
            case SUCCESS_RATE_LOCAL_ORIGIN -> enabled("enforcing_local_origin_success_rate",
                    c.enforcingLocalOriginSuccessRate());
            case FAILURE_PERCENTAGE -> enabled("enforcing_failure_percentage", c.enforcingFailurePercentage());
            case FAILURE_PERCENTAGE_LOCAL_ORIGIN -> enabled("enforcing_failure_percentage_local_origin",
                    c.enforcingFailurePercentageLocalOrigin());
        };
    }

    private boolean enabled(String key, int percent) {
        return runtime.get().featureEnabled(PREFIX + key, percent);
    }
}

package io.remora.config;

import java.time.Duration;

/**
 * {@code config.cluster.v3.OutlierDetection}, every field with Envoy's default. Percentages are
 * 0..100; {@code successRateStdevFactor} is in thousandths as Envoy takes it (1900 = 1.9).
 */
public record OutlierDetectionConfig(
        int consecutive5xx,
        int consecutiveGatewayFailure,
        int consecutiveLocalOriginFailure,
        Duration interval,
        Duration baseEjectionTime,
        Duration maxEjectionTime,
        Duration maxEjectionTimeJitter,
        int maxEjectionPercent,
        int enforcingConsecutive5xx,
        int enforcingConsecutiveGatewayFailure,
        int enforcingConsecutiveLocalOriginFailure,
        int enforcingSuccessRate,
        int enforcingLocalOriginSuccessRate,
        int enforcingFailurePercentage,
        int enforcingFailurePercentageLocalOrigin,
        int successRateMinimumHosts,
        int successRateRequestVolume,
        int successRateStdevFactor,
        int failurePercentageThreshold,
        int failurePercentageMinimumHosts,
        int failurePercentageRequestVolume,
        boolean splitExternalLocalOriginErrors,
        boolean successfulActiveHealthCheckUnejectHost,
        boolean alwaysEjectOneHost) {

    public static final OutlierDetectionConfig DEFAULT = builder().build();

    public static Builder builder() {
        return new Builder();
    }

    /** Starts from Envoy's defaults. */
    public static final class Builder {
        public int consecutive5xx = 5;
        public int consecutiveGatewayFailure = 5;
        public int consecutiveLocalOriginFailure = 5;
        public Duration interval = Duration.ofSeconds(10);
        public Duration baseEjectionTime = Duration.ofSeconds(30);
        public Duration maxEjectionTime = Duration.ofSeconds(300);
        public Duration maxEjectionTimeJitter = Duration.ZERO;
        public int maxEjectionPercent = 10;
        public int enforcingConsecutive5xx = 100;
        public int enforcingConsecutiveGatewayFailure = 0;
        public int enforcingConsecutiveLocalOriginFailure = 100;
        public int enforcingSuccessRate = 100;
        public int enforcingLocalOriginSuccessRate = 100;
        public int enforcingFailurePercentage = 0;
        public int enforcingFailurePercentageLocalOrigin = 0;
        public int successRateMinimumHosts = 5;
        public int successRateRequestVolume = 100;
        public int successRateStdevFactor = 1900;
        public int failurePercentageThreshold = 85;
        public int failurePercentageMinimumHosts = 5;
        public int failurePercentageRequestVolume = 50;
        public boolean splitExternalLocalOriginErrors;
        public boolean successfulActiveHealthCheckUnejectHost = true;
        public boolean alwaysEjectOneHost;

        public Builder consecutive5xx(int v) {
            consecutive5xx = v;
            return this;
        }

        public Builder interval(Duration v) {
            interval = v;
            return this;
        }

        public Builder baseEjectionTime(Duration v) {
            baseEjectionTime = v;
            return this;
        }

        public Builder maxEjectionPercent(int v) {
            maxEjectionPercent = v;
            return this;
        }

        public OutlierDetectionConfig build() {
            return new OutlierDetectionConfig(consecutive5xx, consecutiveGatewayFailure, consecutiveLocalOriginFailure,
                    interval, baseEjectionTime, maxEjectionTime, maxEjectionTimeJitter, maxEjectionPercent,
                    enforcingConsecutive5xx, enforcingConsecutiveGatewayFailure, enforcingConsecutiveLocalOriginFailure,
                    enforcingSuccessRate, enforcingLocalOriginSuccessRate, enforcingFailurePercentage,
                    enforcingFailurePercentageLocalOrigin, successRateMinimumHosts, successRateRequestVolume,
                    successRateStdevFactor, failurePercentageThreshold, failurePercentageMinimumHosts,
                    failurePercentageRequestVolume, splitExternalLocalOriginErrors,
                    successfulActiveHealthCheckUnejectHost, alwaysEjectOneHost);
        }
    }
}

package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.remora.config.OutlierDetectionConfig;

/** {@code config.cluster.v3.OutlierDetection}, Envoy's defaults for unset fields. */
final class OutlierDetectionTranslator {
    private OutlierDetectionTranslator() {
    }

    static OutlierDetectionConfig translate(OutlierDetection o, FieldPath path) {
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder();
        b.consecutive5xx = Protos.uint(o.hasConsecutive5Xx(), o.getConsecutive5Xx(), b.consecutive5xx);
        b.consecutiveGatewayFailure = Protos.uint(o.hasConsecutiveGatewayFailure(), o.getConsecutiveGatewayFailure(),
                b.consecutiveGatewayFailure);
        b.consecutiveLocalOriginFailure = Protos.uint(o.hasConsecutiveLocalOriginFailure(),
                o.getConsecutiveLocalOriginFailure(), b.consecutiveLocalOriginFailure);
        b.interval = positive(Protos.duration(o.hasInterval(), o.getInterval(), b.interval), path.field("interval"));
        b.baseEjectionTime = positive(Protos.duration(o.hasBaseEjectionTime(), o.getBaseEjectionTime(),
                b.baseEjectionTime), path.field("base_ejection_time"));
        b.maxEjectionTime = positive(Protos.duration(o.hasMaxEjectionTime(), o.getMaxEjectionTime(), b.maxEjectionTime),
                path.field("max_ejection_time"));
        b.maxEjectionTimeJitter = Protos.duration(o.hasMaxEjectionTimeJitter(), o.getMaxEjectionTimeJitter(),
                b.maxEjectionTimeJitter);
        if (!o.hasMaxEjectionTime() && b.baseEjectionTime.compareTo(b.maxEjectionTime) > 0) {
            // Envoy's DetectorConfig: unset, it is the default or base_ejection_time, whichever is larger.
            b.maxEjectionTime = b.baseEjectionTime;
        }
        if (b.baseEjectionTime.compareTo(b.maxEjectionTime) > 0) {
            // Envoy's DetectorImpl::create refuses it whichever of the two is set (the other's default).
            throw path.field("max_ejection_time").error("must be at least base_ejection_time ("
                    + b.baseEjectionTime.toMillis() + "ms)");
        }
        b.maxEjectionPercent = percent(o.hasMaxEjectionPercent(), o.getMaxEjectionPercent(), b.maxEjectionPercent,
                path.field("max_ejection_percent"));
        b.enforcingConsecutive5xx = percent(o.hasEnforcingConsecutive5Xx(), o.getEnforcingConsecutive5Xx(),
                b.enforcingConsecutive5xx, path.field("enforcing_consecutive_5xx"));
        b.enforcingConsecutiveGatewayFailure = percent(o.hasEnforcingConsecutiveGatewayFailure(),
                o.getEnforcingConsecutiveGatewayFailure(), b.enforcingConsecutiveGatewayFailure,
                path.field("enforcing_consecutive_gateway_failure"));
        b.enforcingConsecutiveLocalOriginFailure = percent(o.hasEnforcingConsecutiveLocalOriginFailure(),
                o.getEnforcingConsecutiveLocalOriginFailure(), b.enforcingConsecutiveLocalOriginFailure,
                path.field("enforcing_consecutive_local_origin_failure"));
        b.enforcingSuccessRate = percent(o.hasEnforcingSuccessRate(), o.getEnforcingSuccessRate(),
                b.enforcingSuccessRate, path.field("enforcing_success_rate"));
        b.enforcingLocalOriginSuccessRate = percent(o.hasEnforcingLocalOriginSuccessRate(),
                o.getEnforcingLocalOriginSuccessRate(), b.enforcingLocalOriginSuccessRate,
                path.field("enforcing_local_origin_success_rate"));
        b.enforcingFailurePercentage = percent(o.hasEnforcingFailurePercentage(), o.getEnforcingFailurePercentage(),
                b.enforcingFailurePercentage, path.field("enforcing_failure_percentage"));
        b.enforcingFailurePercentageLocalOrigin = percent(o.hasEnforcingFailurePercentageLocalOrigin(),
                o.getEnforcingFailurePercentageLocalOrigin(), b.enforcingFailurePercentageLocalOrigin,
                path.field("enforcing_failure_percentage_local_origin"));
        b.successRateMinimumHosts = Protos.uint(o.hasSuccessRateMinimumHosts(), o.getSuccessRateMinimumHosts(),
                b.successRateMinimumHosts);
        b.successRateRequestVolume = Protos.uint(o.hasSuccessRateRequestVolume(), o.getSuccessRateRequestVolume(),
                b.successRateRequestVolume);
        b.successRateStdevFactor = Protos.uint(o.hasSuccessRateStdevFactor(), o.getSuccessRateStdevFactor(),
                b.successRateStdevFactor);
        b.failurePercentageThreshold = percent(o.hasFailurePercentageThreshold(), o.getFailurePercentageThreshold(),
                b.failurePercentageThreshold, path.field("failure_percentage_threshold"));
        b.failurePercentageMinimumHosts = Protos.uint(o.hasFailurePercentageMinimumHosts(),
                o.getFailurePercentageMinimumHosts(), b.failurePercentageMinimumHosts);
        b.failurePercentageRequestVolume = Protos.uint(o.hasFailurePercentageRequestVolume(),
                o.getFailurePercentageRequestVolume(), b.failurePercentageRequestVolume);
        b.splitExternalLocalOriginErrors = o.getSplitExternalLocalOriginErrors();
        b.successfulActiveHealthCheckUnejectHost = Protos.bool(o.hasSuccessfulActiveHealthCheckUnejectHost(),
                o.getSuccessfulActiveHealthCheckUnejectHost(), true);
        b.alwaysEjectOneHost = Protos.bool(o.hasAlwaysEjectOneHost(), o.getAlwaysEjectOneHost(), false);
        return b.build();
    }

    private static java.time.Duration positive(java.time.Duration d, FieldPath path) {
        if (d.isNegative() || d.isZero()) {
            throw path.error("must be greater than 0");
        }
        return d;
    }

    private static int percent(boolean has, com.google.protobuf.UInt32Value v, int dflt, FieldPath path) {
        int p = Protos.uint(has, v, dflt);
        if (p < 0 || p > 100) {
            throw path.error("must be at most 100");
        }
        return p;
    }
}

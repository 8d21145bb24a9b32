package io.remora.extensions.filters.http.aws_lambda;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.stats.EnvoyBuckets;
import io.remora.stats.HttpConnManagerStats;

/**
 * One configured Lambda filter's stats in its connection manager's scope, as Envoy's
 * {@code http.<stat_prefix>.aws_lambda.server_error} (a function's answer that is not a response
 * document) and {@code .upstream_rq_payload_size} (bytes sent to the function). Bound to the
 * connection manager's prefix on the first stream, as {@code HcmCounters}.
 */
final class AwsLambdaStats {

    private final MeterRegistry registry;
    private volatile Bound bound;

    record Bound(String prefix, Counter serverError, DistributionSummary payloadSize) {
    }

    AwsLambdaStats(MeterRegistry registry) {
        this.registry = registry;
    }

    Bound of(String prefix) {
        Bound b = bound;
        if (b == null || !b.prefix.equals(prefix)) {
            b = new Bound(prefix,
                    Counter.builder("envoy_http_aws_lambda_server_error").tag(HttpConnManagerStats.TAG, prefix)
                            .register(registry),
                    DistributionSummary.builder("envoy_http_aws_lambda_upstream_rq_payload_size")
                            .tag(HttpConnManagerStats.TAG, prefix).serviceLevelObjectives(EnvoyBuckets.MILLIS)
                            .register(registry));
            bound = b;
        }
        return b;
    }
}

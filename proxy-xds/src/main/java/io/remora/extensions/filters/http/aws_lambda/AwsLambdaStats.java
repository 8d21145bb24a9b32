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
 * connection manager's prefix on the first stream, as {@code HcmCounters}. As an upstream filter
 * they count in its cluster's scope ({@code cluster.<name>.aws_lambda.*}), or the root for a
 * router's {@code upstream_http_filters}, as Envoy's upstream filter factories scope them.
 */
final class AwsLambdaStats {

    private final MeterRegistry registry;
    private volatile Bound bound;
    private final java.util.concurrent.ConcurrentMap<String, Bound> upstream =
            new java.util.concurrent.ConcurrentHashMap<>();

    record Bound(String prefix, Counter serverError, DistributionSummary payloadSize) {
    }

    AwsLambdaStats(MeterRegistry registry) {
        this.registry = registry;
    }

    Bound of(io.remora.http.filter.DecoderFilterCallbacks cb) {
        String scope = cb.upstreamStatPrefix();
        return scope == null ? of(cb.connectionManagerStats().prefix()) : upstream.computeIfAbsent(scope, this::scoped);
    }

    private Bound scoped(String scope) {
        boolean cluster = scope.startsWith("cluster.");
        String prefix = cluster ? "envoy_cluster_aws_lambda_" : "envoy_aws_lambda_";
        Counter.Builder error = Counter.builder(prefix + "server_error");
        DistributionSummary.Builder size = DistributionSummary.builder(prefix + "upstream_rq_payload_size")
                .serviceLevelObjectives(EnvoyBuckets.MILLIS);
        if (cluster) {
            String name = scope.substring("cluster.".length(), scope.length() - 1);
            error.tag(io.remora.stats.ClusterStats.TAG, name);
            size.tag(io.remora.stats.ClusterStats.TAG, name);
        }
        return new Bound(scope, error.register(registry), size.register(registry));
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

    /** For the credential providers a route's config starts. */
    MeterRegistry registry() {
        return registry;
    }
}

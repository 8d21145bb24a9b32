package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * One of Envoy's code-stat categories of a cluster, {@code cluster.<name>.<category>.*} with
 * category {@code internal}, {@code external} or {@code canary}: what CodeStatsImpl's
 * writeCategory and chargeResponseTiming charge there ({@code upstream_rq_completed},
 * {@code upstream_rq_<N>xx}, {@code upstream_rq_<code>}, {@code upstream_rq_time}). The
 * {@code zone.<from>.<to>} pairs of {@link ZoneCodeStats} share this shape.
 */
public final class CodeCategoryStats {
    static final String INTERNAL = "internal";
    static final String EXTERNAL = "external";
    static final String CANARY = "canary";

    private final Counter completed;
    private final ResponseCodeCounters codes;
    private final DistributionSummary time;

    CodeCategoryStats(MeterRegistry r, String cluster, String category) {
        this(r, cluster, category, Tags.empty());
    }

    /** @param extra tags besides the cluster's (a zone pair's zones) */
    CodeCategoryStats(MeterRegistry r, String cluster, String category, Tags extra) {
        String prefix = "envoy_cluster_" + category + "_upstream_rq";
        Tags tags = Tags.of(ClusterStats.TAG, cluster).and(extra);
        completed = Counter.builder(prefix + "_completed").tags(tags).register(r);
        codes = new ResponseCodeCounters(r, prefix, tags);
        time = DistributionSummary.builder(prefix + "_time").tags(tags)
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
    }

    /** Counts a response in this category; unlike the plain code stats never suppressed for gRPC, as Envoy's. */
    void response(int status) {
        completed.increment();
        codes.count(status);
    }

    /** The router's suppress_grpc_request_failure_code_stats: completed, no code (the plain stats only). */
    void completedOnly() {
        completed.increment();
    }

    void time(long millis) {
        time.record(millis);
    }
}

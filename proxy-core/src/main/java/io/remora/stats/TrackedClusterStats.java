package io.remora.stats;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The histograms of a cluster's {@code track_cluster_stats}: {@code timeout_budgets} (what share
 * of the route's timeout and per-try timeout a request used) and {@code request_response_sizes}
 * (header and body bytes each way). Each pair is registered on first use, as Envoy creates them
 * only for a cluster that asks.
 */
public final class TrackedClusterStats {
    public final DistributionSummary timeoutBudgetPercentUsed;
    public final DistributionSummary timeoutBudgetPerTryPercentUsed;

    private TrackedClusterStats(MeterRegistry r, String cluster) {
        timeoutBudgetPercentUsed = h(r, cluster, "envoy_cluster_upstream_rq_timeout_budget_percent_used");
        timeoutBudgetPerTryPercentUsed = h(r, cluster, "envoy_cluster_upstream_rq_timeout_budget_per_try_percent_used");
    }

    static TrackedClusterStats timeoutBudgets(MeterRegistry r, String cluster) {
        return new TrackedClusterStats(r, cluster);
    }

    static Sizes sizes(MeterRegistry r, String cluster) {
        return new Sizes(r, cluster);
    }

    /** {@code upstream_rq_headers_size}, {@code upstream_rq_body_size}, {@code upstream_rs_*}, in bytes. */
    public static final class Sizes {
        public final DistributionSummary rqHeaders;
        public final DistributionSummary rqBody;
        public final DistributionSummary rsHeaders;
        public final DistributionSummary rsBody;

        private Sizes(MeterRegistry r, String cluster) {
            rqHeaders = h(r, cluster, "envoy_cluster_upstream_rq_headers_size");
            rqBody = h(r, cluster, "envoy_cluster_upstream_rq_body_size");
            rsHeaders = h(r, cluster, "envoy_cluster_upstream_rs_headers_size");
            rsBody = h(r, cluster, "envoy_cluster_upstream_rs_body_size");
        }
    }

    private static DistributionSummary h(MeterRegistry r, String cluster, String name) {
        return DistributionSummary.builder(name).tag(ClusterStats.TAG, cluster)
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
    }
}

package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;


/**
 * Envoy's {@code vhost.<virtual_host>.vcluster.<virtual_cluster>.*} stats: its VirtualClusterStats
 * (retries, timeouts, tries) plus what its code stats charge a virtual cluster (response codes,
 * completions, request time). Registered under the names Envoy's default tag extraction gives
 * them ({@code envoy_vhost_vcluster_upstream_rq_total{envoy_virtual_host, envoy_virtual_cluster}}).
 */
public final class VirtualClusterStats {
    public static final String VIRTUAL_HOST_TAG = "envoy_virtual_host";
    public static final String VIRTUAL_CLUSTER_TAG = "envoy_virtual_cluster";
    /** Envoy's catch-all: requests of a virtual host with virtual clusters that matched none. */
    public static final String OTHER = "other";

    public final Counter upstreamRqTotal;
    public final Counter upstreamRqRetry;
    public final Counter upstreamRqRetrySuccess;
    public final Counter upstreamRqRetryOverflow;
    public final Counter upstreamRqRetryLimitExceeded;
    public final Counter upstreamRqTimeout;
    public final Counter upstreamRqCompleted;
    /** Upstream request time in milliseconds, with Envoy's histogram buckets. */
    public final DistributionSummary upstreamRqTime;
    private final ResponseCodeCounters codes;
    private final MeterRegistry registry;
    private final String virtualHost;
    private final String virtualCluster;

    VirtualClusterStats(MeterRegistry r, String virtualHost, String virtualCluster) {
        this.registry = r;
        this.virtualHost = virtualHost;
        this.virtualCluster = virtualCluster;
        upstreamRqTotal = c("envoy_vhost_vcluster_upstream_rq_total");
        upstreamRqRetry = c("envoy_vhost_vcluster_upstream_rq_retry");
        upstreamRqRetrySuccess = c("envoy_vhost_vcluster_upstream_rq_retry_success");
        upstreamRqRetryOverflow = c("envoy_vhost_vcluster_upstream_rq_retry_overflow");
        upstreamRqRetryLimitExceeded = c("envoy_vhost_vcluster_upstream_rq_retry_limit_exceeded");
        upstreamRqTimeout = c("envoy_vhost_vcluster_upstream_rq_timeout");
        upstreamRqCompleted = c("envoy_vhost_vcluster_upstream_rq_completed");
        upstreamRqTime = DistributionSummary.builder("envoy_vhost_vcluster_upstream_rq_time")
                .tag(VIRTUAL_HOST_TAG, virtualHost).tag(VIRTUAL_CLUSTER_TAG, virtualCluster)
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
        codes = new ResponseCodeCounters(r, "envoy_vhost_vcluster_upstream_rq",
                io.micrometer.core.instrument.Tags.of(VIRTUAL_HOST_TAG, virtualHost, VIRTUAL_CLUSTER_TAG, virtualCluster));
    }

    private Counter c(String metric) {
        return Counter.builder(metric).tag(VIRTUAL_HOST_TAG, virtualHost).tag(VIRTUAL_CLUSTER_TAG, virtualCluster)
                .register(registry);
    }

    public String virtualHost() {
        return virtualHost;
    }

    /** The stat name: the virtual cluster's name, or {@link #OTHER}. */
    public String virtualCluster() {
        return virtualCluster;
    }

    /**
     * Counts one upstream response as Envoy's code stats charge a virtual cluster:
     * {@code upstream_rq_completed}, {@code upstream_rq_<N>xx} and {@code upstream_rq_<code>}.
     */
    public void response(int status) {
        upstreamRqCompleted.increment();
        codes.count(status);
    }
}

package io.remora.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * The router stats Envoy keeps for a slice of a virtual host's requests, under
 * {@code vhost.<virtual_host>.<kind>.<name>.*}: a virtual cluster's and a route's have the same
 * set (Envoy's ALL_VIRTUAL_CLUSTER_STATS and ALL_ROUTE_STATS, plus what its code stats charge
 * them: response codes, completions, request time), charged at the same points.
 */
public abstract class VhostRequestStats {
    public static final String VIRTUAL_HOST_TAG = "envoy_virtual_host";

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
    private final String metric;
    private final Tags tags;

    /**
     * @param metric the meters' common name ({@code envoy_vhost_vcluster}), each stat's appended
     * @param tags   the virtual host's tag and the slice's
     */
    VhostRequestStats(MeterRegistry r, String metric, Tags tags) {
        this.registry = r;
        this.metric = metric;
        this.tags = tags;
        upstreamRqTotal = c("upstream_rq_total");
        upstreamRqRetry = c("upstream_rq_retry");
        upstreamRqRetrySuccess = c("upstream_rq_retry_success");
        upstreamRqRetryOverflow = c("upstream_rq_retry_overflow");
        upstreamRqRetryLimitExceeded = c("upstream_rq_retry_limit_exceeded");
        upstreamRqTimeout = c("upstream_rq_timeout");
        upstreamRqCompleted = c("upstream_rq_completed");
        upstreamRqTime = DistributionSummary.builder(metric + "_upstream_rq_time").tags(tags)
                .serviceLevelObjectives(EnvoyBuckets.MILLIS).register(r);
        codes = new ResponseCodeCounters(r, metric + "_upstream_rq", tags);
    }

    private Counter c(String stat) {
        return Counter.builder(metric + "_" + stat).tags(tags).register(registry);
    }

    /**
     * Counts one upstream response as Envoy's code stats charge a virtual cluster or route:
     * {@code upstream_rq_completed}, {@code upstream_rq_<N>xx} and {@code upstream_rq_<code>}.
     */
    public void response(int status) {
        upstreamRqCompleted.increment();
        codes.count(status);
    }
}

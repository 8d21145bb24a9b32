package io.remora.config;

/**
 * A cluster's host set, warming and stats options beside its main config.
 *
 * @param highCircuitBreakers          the HIGH priority's {@code circuit_breakers} thresholds, which
 *                                     requests of {@code priority: HIGH} routes draw from
 * @param ignoreNewHostsUntilFirstHc   {@code common_lb_config.ignore_new_hosts_until_first_hc}: a new
 *                                     host of a health-checked cluster counts for nothing in the
 *                                     balancing (not even the panic threshold) until checked once
 * @param closeConnectionsOnHostSetChange {@code common_lb_config.close_connections_on_host_set_change}
 * @param trackTimeoutBudgets          {@code track_cluster_stats.timeout_budgets}
 * @param trackRequestResponseSizes    {@code track_cluster_stats.request_response_sizes}
 * @param waitForWarmOnInit            {@code wait_for_warm_on_init}: start-up waits for the first
 *                                     DNS answer of the cluster (default true)
 * @param maxConnectionsPerHost        {@code circuit_breakers.per_host_thresholds} (DEFAULT priority)
 *                                     {@code max_connections}: connections a host's pools may hold
 *                                     open or opening at once; {@link Integer#MAX_VALUE}: no limit
 * @param cleanupInterval              {@code cleanup_interval} of an ORIGINAL_DST cluster: how often
 *                                     hosts unused since the last sweep are dropped (default 5 s)
 * @param lrsServerSelf                {@code lrs_server} is {@code self} or {@code ads}: the cluster's
 *                                     load reports go to the xDS (ADS) server
 * @param lrsReportEndpointMetrics     {@code lrs_report_endpoint_metrics}: the ORCA metrics of
 *                                     responses that load reports sum; empty: ORCA is not read for them
 * @param perEndpointStats             {@code track_cluster_stats.per_endpoint_stats}: the admin's
 *                                     stats pages print each host's stats
 * @param happyEyeballs                {@code upstream_connection_options.happy_eyeballs_config}: the
 *                                     order a host's several addresses are tried in
 * @param highMaxConnectionsPerHost    as maxConnectionsPerHost, the HIGH priority's: it caps the
 *                                     connections HIGH pools open to a host
 */
public record ClusterOptions(ClusterConfig.CircuitBreakers highCircuitBreakers, boolean ignoreNewHostsUntilFirstHc,
                             boolean closeConnectionsOnHostSetChange, boolean trackTimeoutBudgets,
                             boolean trackRequestResponseSizes, boolean waitForWarmOnInit,
                             int maxConnectionsPerHost, java.time.Duration cleanupInterval,
                             boolean lrsServerSelf, java.util.List<String> lrsReportEndpointMetrics,
                             boolean perEndpointStats, HappyEyeballsConfig happyEyeballs,
                             int highMaxConnectionsPerHost) {

    /** Envoy's default ORIGINAL_DST cleanup_interval. */
    public static final java.time.Duration DEFAULT_CLEANUP_INTERVAL = java.time.Duration.ofSeconds(5);

    public static final ClusterOptions DEFAULT = builder().build();

    public ClusterOptions {
        highCircuitBreakers = highCircuitBreakers == null ? ClusterConfig.CircuitBreakers.DEFAULT : highCircuitBreakers;
        cleanupInterval = cleanupInterval == null ? DEFAULT_CLEANUP_INTERVAL : cleanupInterval;
        lrsReportEndpointMetrics = lrsReportEndpointMetrics == null ? java.util.List.of()
                : java.util.List.copyOf(lrsReportEndpointMetrics);
        happyEyeballs = happyEyeballs == null ? HappyEyeballsConfig.DEFAULT : happyEyeballs;
    }

    /** Whether per-host connection limits apply (per_host_thresholds set max_connections). */
    public boolean limitsConnectionsPerHost() {
        return maxConnectionsPerHost != Integer.MAX_VALUE;
    }

    /** The per-host connection cap of a priority: {@link Integer#MAX_VALUE} for none. */
    public int maxConnectionsPerHost(boolean high) {
        return high ? highMaxConnectionsPerHost : maxConnectionsPerHost;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Envoy's defaults: default thresholds, wait for warm, the rest off. */
    public static final class Builder {
        private ClusterConfig.CircuitBreakers highCircuitBreakers = ClusterConfig.CircuitBreakers.DEFAULT;
        private boolean ignoreNewHostsUntilFirstHc;
        private boolean closeConnectionsOnHostSetChange;
        private boolean trackTimeoutBudgets;
        private boolean trackRequestResponseSizes;
        private boolean waitForWarmOnInit = true;
        private int maxConnectionsPerHost = Integer.MAX_VALUE;
        private java.time.Duration cleanupInterval = DEFAULT_CLEANUP_INTERVAL;
        private boolean lrsServerSelf;
        private java.util.List<String> lrsReportEndpointMetrics = java.util.List.of();
        private boolean perEndpointStats;
        private HappyEyeballsConfig happyEyeballs = HappyEyeballsConfig.DEFAULT;
        private int highMaxConnectionsPerHost = Integer.MAX_VALUE;

        private Builder() {
        }

        public Builder highCircuitBreakers(ClusterConfig.CircuitBreakers v) {
            highCircuitBreakers = v;
            return this;
        }

        public Builder ignoreNewHostsUntilFirstHc(boolean v) {
            ignoreNewHostsUntilFirstHc = v;
            return this;
        }

        public Builder closeConnectionsOnHostSetChange(boolean v) {
            closeConnectionsOnHostSetChange = v;
            return this;
        }

        public Builder trackTimeoutBudgets(boolean v) {
            trackTimeoutBudgets = v;
            return this;
        }

        public Builder trackRequestResponseSizes(boolean v) {
            trackRequestResponseSizes = v;
            return this;
        }

        public Builder waitForWarmOnInit(boolean v) {
            waitForWarmOnInit = v;
            return this;
        }

        public Builder maxConnectionsPerHost(int v) {
            maxConnectionsPerHost = v;
            return this;
        }

        public Builder highMaxConnectionsPerHost(int v) {
            highMaxConnectionsPerHost = v;
            return this;
        }

        public Builder cleanupInterval(java.time.Duration v) {
            cleanupInterval = v;
            return this;
        }

        public Builder lrsServerSelf(boolean v) {
            lrsServerSelf = v;
            return this;
        }

        public Builder lrsReportEndpointMetrics(java.util.List<String> v) {
            lrsReportEndpointMetrics = v;
            return this;
        }

        public Builder perEndpointStats(boolean v) {
            perEndpointStats = v;
            return this;
        }

        public Builder happyEyeballs(HappyEyeballsConfig v) {
            happyEyeballs = v;
            return this;
        }

        public ClusterOptions build() {
            return new ClusterOptions(highCircuitBreakers, ignoreNewHostsUntilFirstHc, closeConnectionsOnHostSetChange,
                    trackTimeoutBudgets, trackRequestResponseSizes, waitForWarmOnInit, maxConnectionsPerHost,
                    cleanupInterval, lrsServerSelf, lrsReportEndpointMetrics, perEndpointStats,
                    happyEyeballs, highMaxConnectionsPerHost);
        }
    }
}

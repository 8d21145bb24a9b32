package io.remora.config;

/**
 * A cluster's host set, warming and stats options beside its main config.
 *
 * @param highCircuitBreakers          the HIGH priority's {@code circuit_breakers} thresholds: routes
 *                                     are never HIGH here, so they only feed its gauges
 * @param ignoreNewHostsUntilFirstHc   {@code common_lb_config.ignore_new_hosts_until_first_hc}: a new
 *                                     host of a health-checked cluster counts for nothing in the
 *                                     balancing (not even the panic threshold) until checked once
 * @param closeConnectionsOnHostSetChange {@code common_lb_config.close_connections_on_host_set_change}
 * @param trackTimeoutBudgets          {@code track_cluster_stats.timeout_budgets}
 * @param trackRequestResponseSizes    {@code track_cluster_stats.request_response_sizes}
 * @param waitForWarmOnInit            {@code wait_for_warm_on_init}: start-up waits for the first
 *                                     DNS answer of the cluster (default true)
 * @param happyEyeballs                {@code upstream_connection_options.happy_eyeballs_config}: the
 *                                     order a host's several addresses are tried in
 */
public record ClusterOptions(ClusterConfig.CircuitBreakers highCircuitBreakers, boolean ignoreNewHostsUntilFirstHc,
                             boolean closeConnectionsOnHostSetChange, boolean trackTimeoutBudgets,
                             boolean trackRequestResponseSizes, boolean waitForWarmOnInit,
                             HappyEyeballsConfig happyEyeballs) {

    public static final ClusterOptions DEFAULT = builder().build();

    public ClusterOptions {
        highCircuitBreakers = highCircuitBreakers == null ? ClusterConfig.CircuitBreakers.DEFAULT : highCircuitBreakers;
        happyEyeballs = happyEyeballs == null ? HappyEyeballsConfig.DEFAULT : happyEyeballs;
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
        private HappyEyeballsConfig happyEyeballs = HappyEyeballsConfig.DEFAULT;

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

        public Builder happyEyeballs(HappyEyeballsConfig v) {
            happyEyeballs = v;
            return this;
        }

        public ClusterOptions build() {
            return new ClusterOptions(highCircuitBreakers, ignoreNewHostsUntilFirstHc, closeConnectionsOnHostSetChange,
                    trackTimeoutBudgets, trackRequestResponseSizes, waitForWarmOnInit, happyEyeballs);
        }
    }
}

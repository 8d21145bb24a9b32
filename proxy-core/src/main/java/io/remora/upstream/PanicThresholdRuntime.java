package io.remora.upstream;

import io.remora.config.LoadBalancingConfig;

/**
 * Envoy's LoadBalancerBase reads {@code upstream.healthy_panic_threshold} over the cluster's
 * {@code healthy_panic_threshold} whenever it recomputes the priorities' panic (on host set and
 * health changes); here whenever the cluster rebuilds its priority set.
 */
final class PanicThresholdRuntime {
    static final String RUNTIME_KEY = "upstream.healthy_panic_threshold";

    private PanicThresholdRuntime() {
    }

    /** {@code lb} with the runtime's threshold when the runtime has one; {@code upstream} null: {@code lb}. */
    static LoadBalancingConfig apply(LoadBalancingConfig lb, UpstreamRuntime upstream) {
        if (upstream == null) {
            return lb;
        }
        long v = upstream.layeredRuntime().getInteger(RUNTIME_KEY, -1);
        return v < 0 || v == lb.healthyPanicThreshold() ? lb : lb.withPanicThreshold(v);
    }
}

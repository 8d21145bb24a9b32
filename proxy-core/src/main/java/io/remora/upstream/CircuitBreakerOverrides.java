package io.remora.upstream;

import io.remora.config.ClusterConfig.CircuitBreakers;
import io.remora.runtime.Runtime;

import java.util.function.Supplier;

/**
 * One priority's circuit breaker limits as Envoy's ResourceManagerImpl reads them: each from the
 * runtime's {@code circuit_breakers.<cluster>.<default|high>.<field>} key when a layer sets it,
 * else from the thresholds, at every check. A retry budget applies when the thresholds have one or
 * the runtime sets either of its {@code retry_budget.*} keys. Any thread.
 */
final class CircuitBreakerOverrides {
    /** Envoy's retry budget defaults when only the runtime turns the budget on. */
    private static final double DEFAULT_BUDGET_PERCENT = 20.0;
    private static final int DEFAULT_MIN_RETRY_CONCURRENCY = 3;

    /** No runtime: the thresholds as configured (a cluster built without a cluster manager). */
    static final CircuitBreakerOverrides NONE = new CircuitBreakerOverrides(() -> Runtime.EMPTY, "", "default");

    private final Supplier<Runtime> runtime;
    private final String maxConnections;
    private final String maxPendingRequests;
    private final String maxRequests;
    private final String maxRetries;
    private final String maxConnectionPools;
    private final String budgetPercent;
    private final String minRetryConcurrency;

    CircuitBreakerOverrides(Supplier<Runtime> runtime, String clusterName, String priority) {
        this.runtime = runtime;
        String prefix = "circuit_breakers." + clusterName + "." + priority + ".";
        this.maxConnections = prefix + "max_connections";
        this.maxPendingRequests = prefix + "max_pending_requests";
        this.maxRequests = prefix + "max_requests";
        this.maxRetries = prefix + "max_retries";
        this.maxConnectionPools = prefix + "max_connection_pools";
        this.budgetPercent = prefix + "retry_budget.budget_percent";
        this.minRetryConcurrency = prefix + "retry_budget.min_retry_concurrency";
    }

    long maxConnections(CircuitBreakers t) {
        return runtime.get().getInteger(maxConnections, unsigned(t.maxConnections()));
    }

    long maxPendingRequests(CircuitBreakers t) {
        return runtime.get().getInteger(maxPendingRequests, unsigned(t.maxPendingRequests()));
    }

    long maxRequests(CircuitBreakers t) {
        return runtime.get().getInteger(maxRequests, unsigned(t.maxRequests()));
    }

    long maxConnectionPools(CircuitBreakers t) {
        return runtime.get().getInteger(maxConnectionPools, unsigned(t.maxConnectionPools()));
    }

    /** Whether a retry budget, not max_retries, limits retries now (Envoy's useRetryBudget). */
    boolean retryBudget(CircuitBreakers t) {
        if (t.retryBudget() != null) {
            return true;
        }
        Runtime rt = runtime.get();
        return rt.get(budgetPercent) != null || rt.get(minRetryConcurrency) != null;
    }

    /** The retries allowed with {@code outstanding} requests active or pending. */
    long maxRetries(CircuitBreakers t, long outstanding) {
        Runtime rt = runtime.get();
        if (!retryBudget(t)) {
            return rt.getInteger(maxRetries, unsigned(t.maxRetries()));
        }
        double percent = rt.getDouble(budgetPercent,
                t.retryBudget() != null ? t.retryBudget().budgetPercent() : DEFAULT_BUDGET_PERCENT);
        long floor = rt.getInteger(minRetryConcurrency,
                t.retryBudget() != null ? t.retryBudget().minRetryConcurrency() : DEFAULT_MIN_RETRY_CONCURRENCY);
        return Math.max((long) (percent / 100.0 * outstanding), floor);
    }

    private static long unsigned(int v) {
        return Integer.toUnsignedLong(v);
    }
}

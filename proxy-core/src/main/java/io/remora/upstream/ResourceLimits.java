package io.remora.upstream;

import io.remora.config.ClusterConfig.CircuitBreakers;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Envoy's circuit breakers for one cluster: counters checked before a connection, a pending
 * request, a request or a retry is started. tryAcquire* returns false on overflow (503 {@code UO}).
 */
public final class ResourceLimits {
    private volatile CircuitBreakers thresholds;
    public final AtomicInteger connections = new AtomicInteger();
    public final AtomicInteger pendingRequests = new AtomicInteger();
    public final AtomicInteger requests = new AtomicInteger();
    public final AtomicInteger retries = new AtomicInteger();

    public ResourceLimits(CircuitBreakers thresholds) {
        this.thresholds = thresholds;
    }

    public void thresholds(CircuitBreakers t) {
        this.thresholds = t;
    }

    public CircuitBreakers thresholds() {
        return thresholds;
    }

    public boolean tryAcquireRequest() {
        return tryAcquire(requests, thresholds.maxRequests());
    }

    public boolean tryAcquirePending() {
        return tryAcquire(pendingRequests, thresholds.maxPendingRequests());
    }

    public boolean tryAcquireRetry() {
        CircuitBreakers t = thresholds;
        if (t.retryBudget() != null) {
            // Envoy's retry budget: a share of what is in flight now, with a floor.
            long outstanding = (long) requests.get() + pendingRequests.get();
            int max = (int) Math.max(t.retryBudget().minRetryConcurrency(),
                    t.retryBudget().budgetPercent() / 100.0 * outstanding);
            return tryAcquire(retries, max);
        }
        return tryAcquire(retries, t.maxRetries());
    }

    public boolean tryAcquireConnection() {
        return tryAcquire(connections, thresholds.maxConnections());
    }

    private static boolean tryAcquire(AtomicInteger counter, int max) {
        if (counter.incrementAndGet() > max) {
            counter.decrementAndGet();
            return false;
        }
        return true;
    }
}

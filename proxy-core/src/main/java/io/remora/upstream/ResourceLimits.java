package io.remora.upstream;

import io.remora.config.ClusterConfig.CircuitBreakers;
import io.remora.stats.CircuitBreakerStats;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Envoy's circuit breakers for one cluster: counters checked before a connection, a pending
 * request, a request or a retry is started. tryAcquire* returns false on overflow (503 {@code UO}).
 */
public final class ResourceLimits implements CircuitBreakerStats.Source {
    private volatile CircuitBreakers thresholds;
    public final AtomicInteger connections = new AtomicInteger();
    public final AtomicInteger pendingRequests = new AtomicInteger();
    public final AtomicInteger requests = new AtomicInteger();
    public final AtomicInteger retries = new AtomicInteger();
    /** Connection pools the cluster holds, over every worker (max_connection_pools). */
    public final AtomicInteger connectionPools = new AtomicInteger();

    public ResourceLimits(CircuitBreakers thresholds) {
        this.thresholds = thresholds;
    }

    public void thresholds(CircuitBreakers t) {
        this.thresholds = t;
    }

    /**
     * Points the cluster's circuit breaker gauges at these counters (the default priority) and at
     * the HIGH thresholds, which no request here takes (routes are never HIGH): their gauges stay idle.
     */
    void publish(io.remora.stats.ClusterStats stats, io.remora.config.ClusterConfig c) {
        stats.circuitBreakersDefault.bind(this, thresholds.trackRemaining());
        CircuitBreakers high = c.options().highCircuitBreakers();
        stats.circuitBreakersHigh.bind(new ResourceLimits(high), high.trackRemaining());
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
        return tryAcquire(retries, maxRetries(thresholds));
    }

    /** With a retry budget: a share of what is in flight now, with a floor (Envoy's). */
    private int maxRetries(CircuitBreakers t) {
        if (t.retryBudget() == null) {
            return t.maxRetries();
        }
        long outstanding = (long) requests.get() + pendingRequests.get();
        return (int) Math.max(t.retryBudget().minRetryConcurrency(),
                t.retryBudget().budgetPercent() / 100.0 * outstanding);
    }

    /** A new connection pool; false at max_connection_pools. Released by {@link #releaseConnectionPool}. */
    public boolean tryAcquireConnectionPool() {
        return tryAcquire(connectionPools, thresholds.maxConnectionPools());
    }

    public void releaseConnectionPool() {
        connectionPools.decrementAndGet();
    }

    @Override
    public long count(CircuitBreakerStats.Resource r) {
        return switch (r) {
            case CONNECTIONS -> connections.get();
            case PENDING_REQUESTS -> pendingRequests.get();
            case REQUESTS -> requests.get();
            case RETRIES -> retries.get();
            case CONNECTION_POOLS -> connectionPools.get();
        };
    }

    @Override
    public long max(CircuitBreakerStats.Resource r) {
        CircuitBreakers t = thresholds;
        return Integer.toUnsignedLong(switch (r) {
            case CONNECTIONS -> t.maxConnections();
            case PENDING_REQUESTS -> t.maxPendingRequests();
            case REQUESTS -> t.maxRequests();
            case RETRIES -> maxRetries(t);
            case CONNECTION_POOLS -> t.maxConnectionPools();
        });
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

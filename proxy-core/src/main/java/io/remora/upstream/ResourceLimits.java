package io.remora.upstream;

import io.remora.config.ClusterConfig.CircuitBreakers;
import io.remora.stats.CircuitBreakerStats;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Envoy's circuit breakers for one cluster: counters checked before a connection, a pending
 * request, a request or a retry is started. tryAcquire* returns false on overflow (503 {@code UO}).
 * One instance per routing priority, as Envoy's ResourceManager per priority: this one is the
 * DEFAULT priority's and holds the HIGH priority's ({@link #priority}), which a route with
 * {@code priority: HIGH} draws from instead.
 */
public final class ResourceLimits implements CircuitBreakerStats.Source {
    private volatile CircuitBreakers thresholds;
    public final AtomicInteger connections = new AtomicInteger();
    public final AtomicInteger pendingRequests = new AtomicInteger();
    public final AtomicInteger requests = new AtomicInteger();
    public final AtomicInteger retries = new AtomicInteger();
    /** Connection pools the cluster holds, over every worker (max_connection_pools). */
    public final AtomicInteger connectionPools = new AtomicInteger();
    /** The HIGH priority's counters; this itself on the HIGH instance. */
    private final ResourceLimits high;
    /** The runtime's overrides of this priority's thresholds. */
    private final CircuitBreakerOverrides overrides;

    /** The DEFAULT priority's limits, with HIGH at Envoy's default thresholds. */
    public ResourceLimits(CircuitBreakers thresholds) {
        this(thresholds, CircuitBreakers.DEFAULT);
    }

    /** The DEFAULT priority's limits and, with its own counters, the HIGH priority's; no runtime overrides. */
    public ResourceLimits(CircuitBreakers thresholds, CircuitBreakers highThresholds) {
        this(thresholds, highThresholds, CircuitBreakerOverrides.NONE, CircuitBreakerOverrides.NONE);
    }

    private ResourceLimits(CircuitBreakers thresholds, CircuitBreakers highThresholds,
                           CircuitBreakerOverrides overrides, CircuitBreakerOverrides highOverrides) {
        this.thresholds = thresholds;
        this.overrides = overrides;
        this.high = new ResourceLimits(highThresholds, highOverrides);
    }

    /** The HIGH priority's own instance: it is its own {@link #priority}(true). */
    private ResourceLimits(CircuitBreakers thresholds, CircuitBreakerOverrides overrides) {
        this.thresholds = thresholds;
        this.overrides = overrides;
        this.high = this;
    }

    /** This (DEFAULT) priority's limits, or the HIGH priority's when {@code high}. */
    public ResourceLimits priority(boolean high) {
        return high ? this.high : this;
    }

    /** New thresholds for both priorities (a cluster update); the counters carry on. */
    public void thresholds(CircuitBreakers t, CircuitBreakers highThresholds) {
        this.thresholds = t;
        high.thresholds = highThresholds;
    }

    /**
     * A cluster's limits: its config's thresholds per priority, under the runtime's
     * {@code circuit_breakers.<name>.<priority>.*} keys (Envoy's ResourceManagers).
     */
    static ResourceLimits of(io.remora.config.ClusterConfig c,
                             java.util.function.Supplier<io.remora.runtime.Runtime> runtime) {
        return new ResourceLimits(ClusterImpl.breakers(c), c.options().highCircuitBreakers(),
                new CircuitBreakerOverrides(runtime, c.name(), "default"),
                new CircuitBreakerOverrides(runtime, c.name(), "high"));
    }

    /** Takes a cluster update's thresholds (the counters carry on) and points the gauges at them. */
    void configure(io.remora.config.ClusterConfig c, io.remora.stats.ClusterStats stats) {
        thresholds(ClusterImpl.breakers(c), c.options().highCircuitBreakers());
        publish(stats);
    }

    /** Points the cluster's circuit breaker gauges at the DEFAULT and HIGH priorities' counters. */
    private void publish(io.remora.stats.ClusterStats stats) {
        stats.circuitBreakersDefault.bind(this, thresholds.trackRemaining());
        stats.circuitBreakersHigh.bind(high, high.thresholds.trackRemaining());
    }

    public CircuitBreakers thresholds() {
        return thresholds;
    }

    public boolean tryAcquireRequest() {
        return tryAcquire(requests, overrides.maxRequests(thresholds));
    }

    public boolean tryAcquirePending() {
        return tryAcquire(pendingRequests, overrides.maxPendingRequests(thresholds));
    }

    public boolean tryAcquireRetry() {
        return tryAcquire(retries, maxRetries(thresholds));
    }

    /** With a retry budget: a share of what is in flight now, with a floor (Envoy's). */
    private long maxRetries(CircuitBreakers t) {
        return overrides.maxRetries(t, (long) requests.get() + pendingRequests.get());
    }

    /** A new connection pool; false at max_connection_pools. Released by {@link #releaseConnectionPool}. */
    public boolean tryAcquireConnectionPool() {
        return tryAcquire(connectionPools, overrides.maxConnectionPools(thresholds));
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
        return switch (r) {
            case CONNECTIONS -> overrides.maxConnections(t);
            case PENDING_REQUESTS -> overrides.maxPendingRequests(t);
            case REQUESTS -> overrides.maxRequests(t);
            case RETRIES -> maxRetries(t);
            case CONNECTION_POOLS -> overrides.maxConnectionPools(t);
        };
    }

    /**
     * As Envoy's RetryBudgetImpl, which clears its remaining gauge: with a retry budget no
     * remaining retries are tracked, so remaining_retries reads 0 (max_retries does not apply).
     */
    @Override
    public long remaining(CircuitBreakerStats.Resource r) {
        if (r == CircuitBreakerStats.Resource.RETRIES && overrides.retryBudget(thresholds)) {
            return 0;
        }
        return CircuitBreakerStats.Source.super.remaining(r);
    }

    public boolean tryAcquireConnection() {
        return tryAcquire(connections, overrides.maxConnections(thresholds));
    }

    private static boolean tryAcquire(AtomicInteger counter, long max) {
        if (counter.incrementAndGet() > max) {
            counter.decrementAndGet();
            return false;
        }
        return true;
    }
}

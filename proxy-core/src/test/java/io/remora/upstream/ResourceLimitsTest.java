package io.remora.upstream;

import io.remora.config.ClusterConfig.CircuitBreakers;
import io.remora.config.ClusterConfig.RetryBudget;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DEFAULT and HIGH priorities' limits: thresholds and counters apart, as Envoy's resource managers. */
class ResourceLimitsTest {

    @Test
    void eachPriorityCountsAgainstItsOwnThresholds() {
        ResourceLimits limits = new ResourceLimits(new CircuitBreakers(1024, 1024, 1, 3),
                new CircuitBreakers(1024, 1024, 2, 3));
        ResourceLimits high = limits.priority(true);
        assertSame(limits, limits.priority(false));
        assertSame(high, high.priority(true), "HIGH has no HIGH of its own");
        assertTrue(limits.tryAcquireRequest());
        assertFalse(limits.tryAcquireRequest(), "DEFAULT's one request is taken");
        assertTrue(high.tryAcquireRequest());
        assertTrue(high.tryAcquireRequest());
        assertFalse(high.tryAcquireRequest());
        assertEquals(1, limits.requests.get());
        assertEquals(2, high.requests.get());
    }

    @Test
    void anUpdateChangesBothThresholdsAndKeepsTheCounts() {
        ResourceLimits limits = new ResourceLimits(CircuitBreakers.DEFAULT);
        assertEquals(CircuitBreakers.DEFAULT, limits.priority(true).thresholds(), "Envoy's defaults for HIGH");
        assertTrue(limits.priority(true).tryAcquireConnection());
        limits.thresholds(new CircuitBreakers(5, 5, 5, 5), new CircuitBreakers(1, 1, 1, 1));
        assertEquals(5, limits.thresholds().maxConnections());
        assertEquals(1, limits.priority(true).thresholds().maxConnections());
        assertFalse(limits.priority(true).tryAcquireConnection(), "the connection held before counts");
        assertTrue(limits.tryAcquireConnection());
    }

    @Test
    void aHighRetryBudgetIsAShareOfHighRequestsOnly() {
        CircuitBreakers budget = new CircuitBreakers(1024, 1024, 1024, 3, new RetryBudget(50.0, 1));
        ResourceLimits limits = new ResourceLimits(CircuitBreakers.DEFAULT, budget);
        for (int i = 0; i < 10; i++) {
            limits.tryAcquireRequest();
        }
        ResourceLimits high = limits.priority(true);
        assertTrue(high.tryAcquireRetry(), "the floor of one");
        assertFalse(high.tryAcquireRetry(), "DEFAULT's ten requests make no HIGH budget");
        for (int i = 0; i < 4; i++) {
            high.tryAcquireRequest();
        }
        assertTrue(high.tryAcquireRetry(), "half of HIGH's four requests");
        assertFalse(high.tryAcquireRetry());
    }
}

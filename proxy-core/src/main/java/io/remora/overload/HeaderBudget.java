package io.remora.overload;

import io.micrometer.core.instrument.Counter;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of request headers received but not yet complete, across every downstream connection.
 * Unfinished headers are the cheapest memory an attacker can make a proxy hold (nothing is
 * forwarded until they end), so their total is bounded: past the budget, a connection that holds
 * more than a small allowance of unfinished headers is shed, while ordinary requests, whose heads
 * fit in the allowance, are still served.
 */
public final class HeaderBudget {

    private final long max;
    private final long allowance;
    private final AtomicLong held = new AtomicLong();
    private final Counter shed;
    private final ActionState resetHighMemory;

    HeaderBudget(long max, long allowance, Counter shed, ActionState resetHighMemory) {
        this.max = max;
        this.allowance = allowance;
        this.shed = shed;
        this.resetHighMemory = resetHighMemory;
    }

    /**
     * Counts {@code n} more bytes for a connection that held {@code heldBefore}; false (and nothing
     * counted) when the connection must be shed instead.
     */
    public boolean reserve(long heldBefore, int n) {
        long total = held.addAndGet(n);
        boolean over = total > max || resetHighMemory.isSaturated();
        if (over && heldBefore + n > allowance) {
            held.addAndGet(-n);
            shed.increment();
            return false;
        }
        return true;
    }

    public void release(long n) {
        if (n > 0) {
            held.addAndGet(-n);
        }
    }

    public long held() {
        return held.get();
    }

    public long max() {
        return max;
    }
}

package io.remora.upstream;

import io.remora.config.ClusterConfig.DnsFailureRefresh;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's jittered exponential backoff for dns_failure_refresh_rate: each failure waits a random
 * time below an interval that starts at the base and doubles up to the max; a success resets it.
 */
final class DnsFailureBackoff {
    private final long baseMs;
    private final long maxMs;
    private long intervalMs;

    DnsFailureBackoff(DnsFailureRefresh rate) {
        this.baseMs = Math.max(1, rate.base().toMillis());
        this.maxMs = Math.max(baseMs, rate.max().toMillis());
        this.intervalMs = baseMs;
    }

    long nextMillis() {
        long current = intervalMs;
        intervalMs = current <= maxMs / 2 ? current * 2 : maxMs;
        return ThreadLocalRandom.current().nextLong(current);
    }

    void reset() {
        intervalMs = baseMs;
    }
}

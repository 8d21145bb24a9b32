package io.remora.upstream.orca;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.LoadBalancingConfig.ClientSideWeights;

import java.util.function.LongSupplier;

/**
 * One host's client-side weight (Envoy's ClientSideHostLbPolicyData): the weight of its last
 * valid ORCA report, when it started reporting and when it last did. Reports arrive on any
 * worker (each response's own event loop) and the weight is read by the cluster's update timer:
 * the fields are volatile, and two reports racing leave one of them, as Envoy's atomics do.
 */
public final class ClientSideWeight {
    private static final long NEVER_SINCE = Long.MAX_VALUE;
    private static final long NEVER_UPDATED = Long.MIN_VALUE;

    private final ClientSideWeights config;
    private final LongSupplier clock;
    private volatile long weight = 1;
    private volatile long nonEmptySince = NEVER_SINCE;
    private volatile long lastUpdate = NEVER_UPDATED;

    /** @param clock monotonic nanoseconds */
    public ClientSideWeight(ClientSideWeights config, LongSupplier clock) {
        this.config = config;
        this.clock = clock;
    }

    public ClientSideWeights config() {
        return config;
    }

    /**
     * The upstream's response headers (or trailers): a valid ORCA report in them becomes this
     * host's weight now. True when one was taken.
     */
    public boolean onResponse(Http2Headers headers) {
        if (!OrcaHeaders.present(headers)) {
            return false;
        }
        OrcaLoadReport report = OrcaHeaders.parse(headers, config.metricNamesForComputingUtilization());
        if (report == null) {
            return false;
        }
        long w = report.weight(config.errorUtilizationPenalty());
        if (w < 0) {
            return false;
        }
        update(w, clock.getAsLong());
        return true;
    }

    void update(long w, long now) {
        weight = w;
        lastUpdate = now;
        if (nonEmptySince == NEVER_SINCE) {
            nonEmptySince = now;
        }
    }

    /**
     * Envoy's getWeightIfValid: the weight when the host has reported since at least the blackout
     * period and lately enough, else -1; a weight too old also restarts the blackout.
     */
    public long weightIfValid(long now) {
        long since = nonEmptySince;
        if (since == NEVER_SINCE || since > now - config.blackoutPeriod().toNanos()) {
            return -1;
        }
        if (lastUpdate < now - config.weightExpirationPeriod().toNanos()) {
            nonEmptySince = NEVER_SINCE;
            return -1;
        }
        return weight;
    }
}

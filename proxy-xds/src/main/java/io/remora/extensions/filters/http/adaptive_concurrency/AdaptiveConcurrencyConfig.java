package io.remora.extensions.filters.http.adaptive_concurrency;

import io.remora.config.HttpFilterConfig;
import io.remora.extensions.filters.common.RuntimeFlag;

/**
 * {@code envoy.extensions.filters.http.adaptive_concurrency.v3.AdaptiveConcurrency} with its
 * {@code gradient_controller_config}.
 *
 * @param enabled                   {@code enabled}; unset is on
 * @param exceededStatus            {@code concurrency_limit_exceeded_status}; below 400 is 503, as Envoy
 * @param minRttIntervalMillis      {@code min_rtt_calc_params.interval}; 0 when minRTT is not sampled
 * @param fixedMinRttMicros         {@code min_rtt_calc_params.fixed_value}, used when minRTT is not sampled
 * @param requestCount              {@code min_rtt_calc_params.request_count}
 * @param jitter                    {@code min_rtt_calc_params.jitter}, a fraction of 1
 * @param minConcurrency            {@code min_rtt_calc_params.min_concurrency}
 * @param buffer                    {@code min_rtt_calc_params.buffer}, a fraction of 1
 * @param sampleAggregatePercentile {@code sample_aggregate_percentile}, a fraction of 1
 * @param updateIntervalMillis      {@code concurrency_limit_params.concurrency_update_interval}
 * @param maxConcurrencyLimit       {@code concurrency_limit_params.max_concurrency_limit}
 */
public record AdaptiveConcurrencyConfig(RuntimeFlag enabled, int exceededStatus, long minRttIntervalMillis,
                                        long fixedMinRttMicros, int requestCount, double jitter,
                                        int minConcurrency, double buffer, double sampleAggregatePercentile,
                                        long updateIntervalMillis, int maxConcurrencyLimit)
        implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.adaptive_concurrency";

    @Override
    public String filterName() {
        return NAME;
    }

    boolean samplesMinRtt() {
        return minRttIntervalMillis > 0;
    }

    static Builder builder() {
        return new Builder();
    }

    /** Envoy's defaults: request_count 50, jitter 15 %, min_concurrency 3, buffer 25 %, p50, limit 1000. */
    static final class Builder {
        private RuntimeFlag enabled = RuntimeFlag.constant(true);
        private int exceededStatus = 503;
        private long minRttIntervalMillis;
        private long fixedMinRttMicros;
        private int requestCount = 50;
        private double jitter = 0.15;
        private int minConcurrency = 3;
        private double buffer = 0.25;
        private double sampleAggregatePercentile = 0.5;
        private long updateIntervalMillis;
        private int maxConcurrencyLimit = 1000;

        Builder enabled(RuntimeFlag v) {
            enabled = v;
            return this;
        }

        Builder exceededStatus(int v) {
            exceededStatus = v;
            return this;
        }

        Builder minRttIntervalMillis(long v) {
            minRttIntervalMillis = v;
            return this;
        }

        Builder fixedMinRttMicros(long v) {
            fixedMinRttMicros = v;
            return this;
        }

        Builder requestCount(int v) {
            requestCount = v;
            return this;
        }

        Builder jitter(double v) {
            jitter = v;
            return this;
        }

        Builder minConcurrency(int v) {
            minConcurrency = v;
            return this;
        }

        Builder buffer(double v) {
            buffer = v;
            return this;
        }

        Builder sampleAggregatePercentile(double v) {
            sampleAggregatePercentile = v;
            return this;
        }

        Builder updateIntervalMillis(long v) {
            updateIntervalMillis = v;
            return this;
        }

        Builder maxConcurrencyLimit(int v) {
            maxConcurrencyLimit = v;
            return this;
        }

        AdaptiveConcurrencyConfig build() {
            return new AdaptiveConcurrencyConfig(enabled, exceededStatus, minRttIntervalMillis, fixedMinRttMicros,
                    requestCount, jitter, minConcurrency, buffer, sampleAggregatePercentile, updateIntervalMillis,
                    maxConcurrencyLimit);
        }
    }
}

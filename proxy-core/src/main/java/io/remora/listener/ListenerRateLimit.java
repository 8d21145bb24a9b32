package io.remora.listener;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.ListenerConfig;
import io.remora.ratelimit.LocalTokenBucket;

/**
 * The {@code envoy.filters.listener.local_ratelimit} listener filter of one listener config: one
 * token per accepted connection; with none left the socket is closed at accept and counted in
 * {@code listener_local_ratelimit.<stat_prefix>.rate_limited}. The bucket is shared by every
 * worker, as Envoy's filter config is.
 */
public final class ListenerRateLimit {

    /** The stat_prefix label; StatNames puts it back between the scope and the stat. */
    public static final String TAG = "envoy_listener_local_ratelimit_prefix";

    private final ListenerConfig.LocalRateLimit config;
    private final LocalTokenBucket bucket;
    private final Counter rateLimited;
    private final io.remora.runtime.Runtime runtime;

    public ListenerRateLimit(ListenerConfig.LocalRateLimit config, MeterRegistry registry,
                             io.remora.runtime.Runtime runtime) {
        this.config = config;
        this.bucket = new LocalTokenBucket(config.tokenBucket());
        this.rateLimited = Counter.builder("envoy_listener_local_ratelimit_rate_limited")
                .tag(TAG, config.statPrefix()).register(registry);
        this.runtime = runtime;
    }

    /** Takes a token for a new connection; false (counted) when it must be closed. */
    boolean admit() {
        boolean on = config.runtimeKey() == null ? config.enabled()
                : runtime.getBoolean(config.runtimeKey(), config.enabled());
        if (!on || bucket.consume()) {
            return true;
        }
        rateLimited.increment();
        return false;
    }
}

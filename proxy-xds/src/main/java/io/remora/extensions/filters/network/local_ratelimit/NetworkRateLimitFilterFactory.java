package io.remora.extensions.filters.network.local_ratelimit;

import io.micrometer.core.instrument.Counter;
import io.remora.accesslog.ResponseFlag;
import io.remora.ratelimit.LocalTokenBucket;
import io.remora.ratelimit.TokenBucketSpec;
import io.remora.network.ConnectionFilter;
import io.remora.network.ConnectionFilterCallbacks;
import io.remora.network.ConnectionFilterFactory;
import io.remora.network.NetworkFilterStatus;
import io.remora.server.ServerContext;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes the network local rate limit filter of each connection: a connection arriving when the
 * bucket is empty is counted ({@code local_rate_limit.<stat_prefix>.rate_limited}), flagged
 * {@code URX} (the flag Envoy's filter sets) and closed before the terminal filter sees it, as
 * Envoy's network local_ratelimit does.
 */
final class NetworkRateLimitFilterFactory implements ConnectionFilterFactory {

    static final String TAG = "envoy_local_network_ratelimit_prefix";
    static final String CLOSE_DETAILS = "local_ratelimit_close_over_limit";

    /** Buckets of a share_key (Envoy's SharedRateLimitSingleton), kept while some filter uses them. */
    private static final Map<SharedKey, WeakReference<LocalTokenBucket>> SHARED = new ConcurrentHashMap<>();

    private record SharedKey(String shareKey, TokenBucketSpec spec) {
    }

    private final NetworkRateLimitConfig config;
    private final LocalTokenBucket bucket;
    private final Counter rateLimited;
    private final ServerContext context;

    NetworkRateLimitFilterFactory(NetworkRateLimitConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
        this.bucket = config.shareKey().isEmpty() ? new LocalTokenBucket(config.tokenBucket())
                : shared(new SharedKey(config.shareKey(), config.tokenBucket()));
        this.rateLimited = Counter.builder("envoy_local_rate_limit_rate_limited").tag(TAG, config.statPrefix())
                .register(context.stats().meterRegistry());
    }

    private static LocalTokenBucket shared(SharedKey key) {
        synchronized (SHARED) {
            SHARED.values().removeIf(r -> r.get() == null);
            WeakReference<LocalTokenBucket> ref = SHARED.get(key);
            LocalTokenBucket b = ref == null ? null : ref.get();
            if (b == null) {
                b = new LocalTokenBucket(key.spec());
                SHARED.put(key, new WeakReference<>(b));
            }
            return b;
        }
    }

    @Override
    public ConnectionFilter newFilter() {
        return new ConnectionFilter() {
            private ConnectionFilterCallbacks callbacks;

            @Override
            public void initialize(ConnectionFilterCallbacks callbacks) {
                this.callbacks = callbacks;
            }

            @Override
            public NetworkFilterStatus onNewConnection() {
                if (!enabled() || bucket.consume()) {
                    return NetworkFilterStatus.CONTINUE;
                }
                rateLimited.increment();
                callbacks.setResponseFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
                callbacks.close(CLOSE_DETAILS);
                return NetworkFilterStatus.STOP_ITERATION;
            }
        };
    }

    /** runtime_enabled, a RuntimeFeatureFlag: its key's boolean in the runtime, else its default_value. */
    private boolean enabled() {
        String key = config.runtimeEnabledKey();
        return key == null ? config.runtimeEnabledDefault()
                : context.runtime().getBoolean(key, config.runtimeEnabledDefault());
    }

    static final class Provider implements ConnectionFilterFactory.Provider<NetworkRateLimitConfig> {
        @Override
        public Class<NetworkRateLimitConfig> configType() {
            return NetworkRateLimitConfig.class;
        }

        @Override
        public ConnectionFilterFactory create(NetworkRateLimitConfig config, ServerContext context) {
            return new NetworkRateLimitFilterFactory(config, context);
        }
    }
}

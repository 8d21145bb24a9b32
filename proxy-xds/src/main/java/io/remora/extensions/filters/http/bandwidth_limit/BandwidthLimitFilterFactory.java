package io.remora.extensions.filters.http.bandwidth_limit;

import io.remora.extensions.filters.http.common.ByteTokenBucket;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;
import io.remora.server.ServerContext;

/** Makes the bandwidth limit filter of each stream. */
final class BandwidthLimitFilterFactory implements HttpFilterFactory {

    /**
     * What one config instance shares at run time: its token bucket (a second's worth of bytes,
     * refilled at the limit; null when the config sets no limit) and its stats.
     */
    record Shared(ByteTokenBucket bucket, BandwidthLimitStats stats) {
    }

    final BandwidthLimitConfig config;
    final ServerContext context;

    BandwidthLimitFilterFactory(BandwidthLimitConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
    }

    @Override
    public StreamFilterBase newFilter() {
        return new BandwidthLimitFilter(this);
    }

    Shared shared(BandwidthLimitConfig c) {
        return c.state().get(Shared.class, () -> new Shared(
                c.limitKbps() == 0 ? null : new ByteTokenBucket(c.limitKbps() * 1024, c.limitKbps() * 1024),
                BandwidthLimitStats.of(context.stats().meterRegistry(), c.statPrefix())));
    }

    static final class Provider implements HttpFilterFactory.Provider<BandwidthLimitConfig> {
        @Override
        public Class<BandwidthLimitConfig> configType() {
            return BandwidthLimitConfig.class;
        }

        @Override
        public HttpFilterFactory create(BandwidthLimitConfig config, ServerContext context) {
            return new BandwidthLimitFilterFactory(config, context);
        }
    }
}

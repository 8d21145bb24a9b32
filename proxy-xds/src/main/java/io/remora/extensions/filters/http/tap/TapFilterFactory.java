package io.remora.extensions.filters.http.tap;

import io.remora.extensions.filters.common.tap.TapAdmin;
import io.remora.extensions.filters.common.tap.TapExtensionConfig;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;
import io.remora.server.ServerContext;

/** Makes the tap filter of each stream; holds the extension's tap config in force and its stats. */
final class TapFilterFactory implements HttpFilterFactory {

    final TapFilterConfig config;
    /** Held here: the admin handler only keeps it weakly, for as long as this factory serves. */
    final TapExtensionConfig extension;
    final TapStats stats;

    TapFilterFactory(TapFilterConfig config, ServerContext context, String statPrefix) {
        this.config = config;
        this.stats = new TapStats(context.stats().meterRegistry(), statPrefix);
        if (config.staticSpec() != null) {
            extension = TapExtensionConfig.of(config.staticSpec());
        } else {
            extension = TapExtensionConfig.admin();
            TapAdmin.of(context).register(config.adminConfigId(), extension);
        }
    }

    @Override
    public StreamFilterBase newFilter() {
        return new TapFilter(this);
    }

    static final class Provider implements HttpFilterFactory.Provider<TapFilterConfig> {
        @Override
        public Class<TapFilterConfig> configType() {
            return TapFilterConfig.class;
        }

        @Override
        public HttpFilterFactory create(TapFilterConfig config, ServerContext context) {
            return create(config, context, "");
        }

        @Override
        public HttpFilterFactory create(TapFilterConfig config, ServerContext context, String statPrefix) {
            return new TapFilterFactory(config, context, statPrefix);
        }
    }
}

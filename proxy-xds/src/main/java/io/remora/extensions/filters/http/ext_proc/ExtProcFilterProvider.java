package io.remora.extensions.filters.http.ext_proc;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;

/** Builds the per-stream {@link ExtProcFilter}s of one configured ext_proc filter. */
public final class ExtProcFilterProvider implements HttpFilterFactory.Provider<ExtProcConfig> {

    @Override
    public Class<ExtProcConfig> configType() {
        return ExtProcConfig.class;
    }

    @Override
    public HttpFilterFactory create(ExtProcConfig config, ServerContext context) {
        return create(config, context, "");
    }

    @Override
    public HttpFilterFactory create(ExtProcConfig config, ServerContext context, String statPrefix) {
        return new Factory(config, context, statPrefix);
    }

    static final class Factory implements HttpFilterFactory {
        final ExtProcConfig config;
        private final ServerContext context;
        /*
         * Made with the filter's config, as Envoy's FilterConfig makes its stats struct: every counter
         * reads 0 before the first request. Another prefix (a stream the connection manager counts
         * elsewhere) gets its own, made then.
         */
        private volatile ExtProcStats stats;

        Factory(ExtProcConfig config, ServerContext context, String hcmPrefix) {
            this.config = config;
            this.context = context;
            this.stats = new ExtProcStats(context.stats().meterRegistry(), hcmPrefix, config.statPrefix());
        }

        ExtProcStats stats(String hcmPrefix) {
            ExtProcStats s = stats;
            if (!s.hcmPrefix.equals(hcmPrefix)) {
                s = new ExtProcStats(context.stats().meterRegistry(), hcmPrefix, config.statPrefix());
                stats = s;
            }
            return s;
        }

        @Override
        public ExtProcFilter newFilter() {
            return new ExtProcFilter(this);
        }
    }
}

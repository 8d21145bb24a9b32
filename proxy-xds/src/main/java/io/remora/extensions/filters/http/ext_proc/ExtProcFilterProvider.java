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
        return new Factory(config, context);
    }

    static final class Factory implements HttpFilterFactory {
        final ExtProcConfig config;
        private final ServerContext context;
        /* Bound on the first request: the factory API does not pass the connection manager's stat prefix. */
        private volatile ExtProcStats stats;

        Factory(ExtProcConfig config, ServerContext context) {
            this.config = config;
            this.context = context;
        }

        ExtProcStats stats(String hcmPrefix) {
            ExtProcStats s = stats;
            if (s == null) {
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

package io.remora.http.router;

import io.remora.config.RouterFilterConfig;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.server.ServerContext;

/** {@code envoy.filters.http.router}: the last filter of every HTTP filter chain. */
public final class RouterFilterProvider implements HttpFilterFactory.Provider<RouterFilterConfig> {

    @Override
    public Class<RouterFilterConfig> configType() {
        return RouterFilterConfig.class;
    }

    @Override
    public HttpFilterFactory create(RouterFilterConfig config, ServerContext context) {
        return new Factory(config);
    }

    private record Factory(RouterFilterConfig config) implements HttpFilterFactory {
        @Override
        public StreamDecoderFilter newFilter() {
            return new RouterFilter(config);
        }
    }
}

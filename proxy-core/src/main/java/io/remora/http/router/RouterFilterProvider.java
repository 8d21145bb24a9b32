package io.remora.http.router;

import io.remora.config.RouterFilterConfig;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.UpstreamHttpFilterChain;
import io.remora.server.ServerContext;

/** {@code envoy.filters.http.router}: the last filter of every HTTP filter chain. */
public final class RouterFilterProvider implements HttpFilterFactory.Provider<RouterFilterConfig> {

    @Override
    public Class<RouterFilterConfig> configType() {
        return RouterFilterConfig.class;
    }

    @Override
    public HttpFilterFactory create(RouterFilterConfig config, ServerContext context) {
        return new Factory(config, null);
    }

    /** A router whose tries run {@code upstreamFilters} where the cluster lists none of its own. */
    public static HttpFilterFactory create(RouterFilterConfig config, UpstreamHttpFilterChain upstreamFilters) {
        return new Factory(config, upstreamFilters);
    }

    /**
     * What every router of one configured filter shares: its config and its upstream HTTP filters
     * (null when it lists none). A router holds this one reference for both.
     */
    record Factory(RouterFilterConfig config, UpstreamHttpFilterChain upstreamFilters) implements HttpFilterFactory {
        @Override
        public StreamDecoderFilter newFilter() {
            return new RouterFilter(this);
        }
    }
}

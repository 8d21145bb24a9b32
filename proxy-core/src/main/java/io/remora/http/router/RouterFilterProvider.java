package io.remora.http.router;

import io.remora.accesslog.AccessLog;
import io.remora.config.RouterFilterConfig;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.UpstreamHttpFilterChain;
import io.remora.server.ServerContext;

import java.util.List;

/** {@code envoy.filters.http.router}: the last filter of every HTTP filter chain. */
public final class RouterFilterProvider implements HttpFilterFactory.Provider<RouterFilterConfig> {

    @Override
    public Class<RouterFilterConfig> configType() {
        return RouterFilterConfig.class;
    }

    @Override
    public HttpFilterFactory create(RouterFilterConfig config, ServerContext context) {
        return create(config, null, context);
    }

    /** A router whose tries run {@code upstreamFilters} where the cluster lists none of its own. */
    public static HttpFilterFactory create(RouterFilterConfig config, UpstreamHttpFilterChain upstreamFilters,
                                           ServerContext context) {
        List<AccessLog> logs = config.upstreamLogs().isEmpty() ? null : context.accessLogs(config.upstreamLogs());
        return new Factory(config, upstreamFilters, logs);
    }

    /**
     * What every router of one configured filter shares: its config, its upstream HTTP filters
     * (null when it lists none) and its upstream logs (null when none). A router holds this one
     * reference for all three.
     */
    record Factory(RouterFilterConfig config, UpstreamHttpFilterChain upstreamFilters, List<AccessLog> upstreamLogs)
            implements HttpFilterFactory {
        @Override
        public StreamDecoderFilter newFilter() {
            return new RouterFilter(this);
        }
    }
}

package io.remora.extensions.filters.http.fault;

import io.remora.extensions.filters.common.RequestHeaderMatch;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamFilterBase;
import io.remora.server.ServerContext;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Makes the fault filter of each stream; holds what is compiled once per config. */
final class FaultFilterFactory implements HttpFilterFactory {

    final FaultConfig config;
    final RequestHeaderMatch headers;
    private final ServerContext context;
    /** Header matchers of per-route configs, compiled on first use (configs are immutable records). */
    private final Map<FaultConfig, RequestHeaderMatch> routeHeaders = new ConcurrentHashMap<>();
    /**
     * The connection manager's stat prefix is known only to its streams (a filter factory is
     * built from the filter's config alone), so the stats are bound on the first stream; a factory
     * serves exactly one connection manager, so they never change after that.
     */
    private volatile FaultStats stats;

    FaultFilterFactory(FaultConfig config, ServerContext context) {
        this.config = config;
        this.context = context;
        this.headers = RequestHeaderMatch.of(config.headers());
    }

    @Override
    public StreamFilterBase newFilter() {
        return new FaultFilter(this);
    }

    FaultStats stats(String hcmPrefix) {
        FaultStats s = stats;
        if (s == null) {
            s = FaultStats.of(context.stats().meterRegistry(), hcmPrefix);
            stats = s;
        }
        return s;
    }

    RequestHeaderMatch headersOf(FaultConfig settings) {
        if (settings == config) {
            return headers;
        }
        if (settings.headers().isEmpty()) {
            return RequestHeaderMatch.ANY;
        }
        RequestHeaderMatch m = routeHeaders.get(settings);
        if (m == null) {
            if (routeHeaders.size() > 1024) {
                routeHeaders.clear(); // route configs replaced by RDS leave their entries behind
            }
            m = RequestHeaderMatch.of(settings.headers());
            routeHeaders.put(settings, m);
        }
        return m;
    }

    /** Provider registered with the connection manager for {@link FaultConfig}. */
    static final class Provider implements HttpFilterFactory.Provider<FaultConfig> {
        @Override
        public Class<FaultConfig> configType() {
            return FaultConfig.class;
        }

        @Override
        public HttpFilterFactory create(FaultConfig config, ServerContext context) {
            return new FaultFilterFactory(config, context);
        }
    }
}

package io.remora.extensions.filters.http.basic_auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.stats.HttpConnManagerStats;

/** Builds the per-stream {@link BasicAuthFilter}s of one configured basic_auth filter. */
final class BasicAuthFilterProvider implements HttpFilterFactory.Provider<BasicAuthConfig> {

    @Override
    public Class<BasicAuthConfig> configType() {
        return BasicAuthConfig.class;
    }

    @Override
    public HttpFilterFactory create(BasicAuthConfig config, ServerContext context) {
        return new Factory(config, context.stats().meterRegistry());
    }

    /** Envoy's {@code http.<stat_prefix>.basic_auth.allowed} / {@code .denied}. */
    record Stats(String prefix, Counter allowed, Counter denied) {
        static Stats of(MeterRegistry registry, String prefix) {
            return new Stats(prefix,
                    Counter.builder("envoy_http_basic_auth_allowed").tag(HttpConnManagerStats.TAG, prefix).register(registry),
                    Counter.builder("envoy_http_basic_auth_denied").tag(HttpConnManagerStats.TAG, prefix).register(registry));
        }
    }

    /** One per connection manager; the stats bind to its stat prefix on the first request. */
    static final class Factory implements HttpFilterFactory {
        final BasicAuthConfig config;
        private final MeterRegistry registry;
        private volatile Stats stats;

        Factory(BasicAuthConfig config, MeterRegistry registry) {
            this.config = config;
            this.registry = registry;
        }

        Stats stats(String prefix) {
            Stats s = stats;
            if (s == null || !s.prefix().equals(prefix)) {
                s = Stats.of(registry, prefix);
                stats = s;
            }
            return s;
        }

        @Override
        public BasicAuthFilter newFilter() {
            return new BasicAuthFilter(this);
        }
    }
}

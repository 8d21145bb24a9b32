package io.remora.extensions.filters.http.jwt_authn;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;

import java.util.HashMap;
import java.util.Map;

/** Builds the per-stream {@link JwtAuthnFilter}s of one configured jwt_authn filter. */
final class JwtAuthnFilterProvider implements HttpFilterFactory.Provider<JwtAuthnConfig> {

    @Override
    public Class<JwtAuthnConfig> configType() {
        return JwtAuthnConfig.class;
    }

    @Override
    public HttpFilterFactory create(JwtAuthnConfig config, ServerContext context) {
        return new Factory(config, context);
    }

    /** One per connection manager; the stats bind to its stat prefix. */
    static final class Factory implements HttpFilterFactory {
        final JwtAuthnConfig config;
        private final ServerContext context;
        /*
         * The factory API does not pass the connection manager's stat prefix, so the counters are
         * bound on the first request and kept: one factory serves one connection manager. Racing
         * workers register the same meters.
         */
        private volatile JwtAuthnStats stats;
        /** Fetches that ended before a request bound the stats (async fetches start with the config). */
        private long earlyFetchSuccesses;
        private long earlyFetchFailures;
        /** By provider name; made with the factory, so async fetches start as the config is applied. */
        private final Map<String, JwksCache> jwks;
        /** Verified tokens of the providers with {@code jwt_cache_config}, by provider name. */
        final Map<String, JwtCache> jwtCaches;

        Factory(JwtAuthnConfig config, ServerContext context) {
            this.config = config;
            this.context = context;
            Map<String, JwksCache> m = new HashMap<>();
            for (JwtProviderConfig p : config.providers()) {
                if (p.remote() != null) {
                    m.put(p.name(), new JwksCache(p.remote(), context, this::fetched));
                }
            }
            this.jwks = Map.copyOf(m);
            Map<String, JwtCache> caches = new HashMap<>();
            for (JwtProviderConfig p : config.providers()) {
                if (p.jwtCache() != null) {
                    caches.put(p.name(), new JwtCache(p.jwtCache()));
                }
            }
            this.jwtCaches = Map.copyOf(caches);
        }

        /** The remote providers' key sets trusted now, by provider name, for one request. */
        Map<String, JwksKeys> freshRemoteKeys() {
            Map<String, JwksKeys> keys = new HashMap<>();
            jwks.forEach((name, cache) -> {
                JwksKeys k = cache.fresh();
                if (k != null) {
                    keys.put(name, k);
                }
            });
            return keys;
        }

        boolean allRemoteKeysIn(Map<String, JwksKeys> keys) {
            return keys.size() == jwks.size();
        }

        JwksCache jwks(String provider) {
            return jwks.get(provider);
        }

        JwtAuthnStats stats(String hcmPrefix) {
            JwtAuthnStats s = stats;
            if (s == null) {
                synchronized (this) {
                    s = stats;
                    if (s == null) {
                        s = new JwtAuthnStats(context.stats().meterRegistry(), hcmPrefix, config.statPrefix());
                        s.jwksFetchSuccess.increment(earlyFetchSuccesses);
                        s.jwksFetchFailed.increment(earlyFetchFailures);
                        stats = s;
                    }
                }
            }
            return s;
        }

        /** Envoy counts each fetch, on demand or async, in the filter's stats. */
        private void fetched(boolean ok) {
            JwtAuthnStats s = stats;
            if (s == null) {
                synchronized (this) {
                    s = stats;
                    if (s == null) {
                        if (ok) {
                            earlyFetchSuccesses++;
                        } else {
                            earlyFetchFailures++;
                        }
                        return;
                    }
                }
            }
            (ok ? s.jwksFetchSuccess : s.jwksFetchFailed).increment();
        }

        @Override
        public JwtAuthnFilter newFilter() {
            return new JwtAuthnFilter(this);
        }
    }
}

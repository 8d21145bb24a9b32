package io.remora.extensions.filters.http.ext_authz;

import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;

/** Builds the per-stream {@link ExtAuthzFilter}s of one configured ext_authz filter. */
public final class ExtAuthzFilterProvider implements HttpFilterFactory.Provider<ExtAuthzConfig> {

    @Override
    public Class<ExtAuthzConfig> configType() {
        return ExtAuthzConfig.class;
    }

    @Override
    public HttpFilterFactory create(ExtAuthzConfig config, ServerContext context) {
        return new Factory(config, context);
    }

    static final class Factory implements HttpFilterFactory {
        final ExtAuthzConfig config;
        final AuthzClient client;
        private final ServerContext context;
        /* Bound on the first request: the factory API does not pass the connection manager's stat prefix. */
        private volatile ExtAuthzStats stats;
        private final java.util.Map<String, ExtAuthzClusterStats> clusterStats =
                new java.util.concurrent.ConcurrentHashMap<>();

        Factory(ExtAuthzConfig config, ServerContext context) {
            this.config = config;
            this.context = context;
            this.client = config.service() instanceof GrpcServiceConfig g ? new GrpcAuthzClient(g, config.encodeRawHeaders())
                    : new HttpAuthzClient((HttpServiceConfig) config.service());
        }

        /** The counters under the request's routed cluster, bound on first use; null without a cluster. */
        ExtAuthzClusterStats clusterStats(String cluster) {
            if (cluster == null) {
                return null;
            }
            ExtAuthzClusterStats s = clusterStats.get(cluster);
            return s != null ? s : clusterStats.computeIfAbsent(cluster,
                    c -> new ExtAuthzClusterStats(context.stats().meterRegistry(), c, config.statPrefix()));
        }

        ExtAuthzStats stats(String hcmPrefix) {
            ExtAuthzStats s = stats;
            if (s == null) {
                s = new ExtAuthzStats(context.stats().meterRegistry(), hcmPrefix, config.statPrefix());
                stats = s;
            }
            return s;
        }

        @Override
        public ExtAuthzFilter newFilter() {
            return new ExtAuthzFilter(this);
        }
    }
}

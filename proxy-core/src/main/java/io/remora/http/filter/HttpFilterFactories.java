package io.remora.http.filter;

import io.remora.config.DiscoveredHttpFilterConfig;
import io.remora.config.HttpFilterConfig;
import io.remora.server.ServerContext;

import java.util.List;

/**
 * Finds the runtime of an HTTP filter config among the providers this build has: for a connection
 * manager's {@code http_filters} and for the upstream filters of clusters and routers alike.
 */
public final class HttpFilterFactories {

    private final List<HttpFilterFactory.Provider<?>> providers;

    /** @param providers one per supported HTTP filter kind */
    public HttpFilterFactories(List<HttpFilterFactory.Provider<?>> providers) {
        this.providers = List.copyOf(providers);
    }

    /**
     * The factory of {@code config}, its stats under {@code statPrefix}.
     *
     * @throws IllegalArgumentException when no provider takes the config
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public HttpFilterFactory build(HttpFilterConfig config, ServerContext context, String statPrefix) {
        if (config instanceof DiscoveredHttpFilterConfig d) {
            return new DiscoveredHttpFilterFactory(d, c -> build(c, context, statPrefix));
        }
        for (HttpFilterFactory.Provider p : providers) {
            if (p.configType().isInstance(config)) {
                return p.create(config, context, statPrefix);
            }
        }
        throw new IllegalArgumentException("http filter " + config.filterName() + " ("
                + config.getClass().getSimpleName() + ") has no runtime implementation in this build");
    }
}

package io.remora.http;

import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.config.RouterFilterConfig;
import io.remora.http.filter.UpstreamHttpFilterChain;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterFactory;
import io.remora.server.ServerContext;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * {@code envoy.filters.network.http_connection_manager}: compiles a config into its
 * {@link HttpConnectionManager} (routes, HTTP filter factories, access logs, stats).
 */
public final class HttpConnectionManagerFactory implements NetworkFilterFactory<HttpConnectionManagerConfig> {

    private final io.remora.http.filter.HttpFilterFactories factories;
    private final BiFunction<HttpConnectionManagerConfig, ServerContext, Routes.Provider> routes;

    /** @param providers one per supported HTTP filter kind; the router's among them */
    public HttpConnectionManagerFactory(List<HttpFilterFactory.Provider<?>> providers) {
        this(providers, HttpConnectionManagerFactory::routesOf);
    }

    HttpConnectionManagerFactory(List<HttpFilterFactory.Provider<?>> providers,
                                 BiFunction<HttpConnectionManagerConfig, ServerContext, Routes.Provider> routes) {
        this.factories = new io.remora.http.filter.HttpFilterFactories(providers);
        this.routes = routes;
    }

    @Override
    public Class<HttpConnectionManagerConfig> configType() {
        return HttpConnectionManagerConfig.class;
    }

    @Override
    public NetworkFilter create(HttpConnectionManagerConfig config, ServerContext context) {
        List<HttpConnectionManager.FilterFactoryEntry> filters = new ArrayList<>();
        if (config.tracing() != null) {
            // Tracing is the connection manager's own, before every configured filter: the span
            // covers the whole stream and the router sees the propagated context. Without a
            // provider of its own, the bootstrap's tracing.http applies (a null provider asks for it).
            io.remora.tracing.SpanSink sink = context.spanSink(config.tracing().provider());
            if (sink != null) {
                filters.add(new HttpConnectionManager.FilterFactoryEntry("envoy.tracing", false,
                        io.remora.tracing.TracingFilter.factory(config.tracing(), sink)));
            }
        }
        if (config.httpFilters() != null) {
            for (HttpFilterEntry f : config.httpFilters()) {
                filters.add(new HttpConnectionManager.FilterFactoryEntry(f.name(), f.disabled(),
                        build(f.config(), context, config.statPrefix() == null ? "" : config.statPrefix())));
            }
        }
        java.util.Map<String, HttpConnectionManager.FilterFactoryEntry[]> upgradeChains = new java.util.HashMap<>();
        for (HttpConnectionManagerConfig.Upgrade u : config.upgrades()) {
            if (u.filters() != null) {
                // An upgrade's own chain replaces the connection manager's for those streams (Envoy).
                List<HttpConnectionManager.FilterFactoryEntry> chain = new ArrayList<>();
                for (HttpFilterEntry f : u.filters()) {
                    chain.add(new HttpConnectionManager.FilterFactoryEntry(f.name(), f.disabled(),
                            build(f.config(), context, config.statPrefix() == null ? "" : config.statPrefix())));
                }
                upgradeChains.put(u.upgradeType().toLowerCase(java.util.Locale.ROOT),
                        chain.toArray(new HttpConnectionManager.FilterFactoryEntry[0]));
            }
        }
        var logs = config.accessLogs() == null || config.accessLogs().isEmpty()
                ? List.<io.remora.accesslog.AccessLog>of() : context.accessLogs(config.accessLogs());
        return new HttpConnectionManager(config, context, routes.apply(config, context), filters, logs,
                upgradeChains);
    }

    private static Routes.Provider routesOf(HttpConnectionManagerConfig config, ServerContext context) {
        if (config.routeConfig() != null) {
            return Routes.inline(config.routeConfig(), context);
        }
        if (config.rdsName() != null) {
            return Routes.rds(context, config.rdsName());
        }
        if (config.scopedRoutes() != null) {
            return new ScopedRoutes(config.scopedRoutes(), context);
        }
        throw new IllegalArgumentException("http_connection_manager " + config.statPrefix()
                + ": none of route_config, rds and scoped_routes is set");
    }

    private HttpFilterFactory build(HttpFilterConfig config, ServerContext context, String statPrefix) {
        if (config instanceof RouterFilterConfig r && !r.upstreamHttpFilters().isEmpty()) {
            // As Envoy's router config: its upstream filters' stats go to the listener's scope, the root.
            return io.remora.http.router.RouterFilterProvider.create(r, UpstreamHttpFilterChain.of(
                    r.upstreamHttpFilters(), c -> factories.build(c, context, ""), ""), context);
        }
        return factories.build(config, context, statPrefix);
    }
}

package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.RouteConfiguration;
import io.remora.config.VirtualHost;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A {@link RouteConfiguration} compiled for lookup: virtual hosts indexed by domain, routes in
 * order with precompiled matchers. Immutable; built on the control thread, read by workers.
 */
public final class RouteTable {

    private final RouteConfiguration config;
    private final VirtualHostIndex<CompiledVirtualHost> index;
    private final boolean ignorePathParameters;

    private RouteTable(RouteConfiguration config) {
        this.config = config;
        HeaderMutator globalRequest = HeaderMutator.of(config.requestHeaders());
        HeaderMutator globalResponse = HeaderMutator.of(config.responseHeaders());
        List<VirtualHost> hosts = config.virtualHosts() == null ? List.of() : config.virtualHosts();
        List<CompiledVirtualHost> compiled = new ArrayList<>(hosts.size());
        for (VirtualHost vh : hosts) {
            compiled.add(new CompiledVirtualHost(config, vh, globalRequest, globalResponse,
                    config.mostSpecificHeaderMutationsWins()));
        }
        this.index = new VirtualHostIndex<>(hosts, compiled, config.ignorePortInHostMatching());
        this.ignorePathParameters = config.ignorePathParametersInPathMatching();
    }

    /** @throws IllegalArgumentException when the configuration is invalid (see {@link #validate}) */
    public static RouteTable compile(RouteConfiguration config) {
        return new RouteTable(config);
    }

    /**
     * What Envoy would reject in this configuration at the route level: duplicate domains, more
     * than one "*", header mutations of pseudo-headers or Host, unknown command operators in header
     * values, regex_rewrite substitutions naming missing groups. Each problem names its field.
     * Empty when the configuration compiles.
     */
    public static List<String> validate(RouteConfiguration config) {
        List<String> problems = new ArrayList<>();
        List<VirtualHost> hosts = config.virtualHosts() == null ? List.of() : config.virtualHosts();
        problems.addAll(VirtualHostIndex.validate(hosts));
        problems.addAll(HeaderMutator.validate(config.requestHeaders(), "request_headers"));
        problems.addAll(HeaderMutator.validate(config.responseHeaders(), "response_headers"));
        for (int i = 0; i < hosts.size(); i++) {
            VirtualHost vh = hosts.get(i);
            String vp = "virtual_hosts[" + i + "]";
            problems.addAll(HeaderMutator.validate(vh.requestHeaders(), vp + ".request_headers"));
            problems.addAll(HeaderMutator.validate(vh.responseHeaders(), vp + ".response_headers"));
            if (vh.routes() != null) {
                for (int j = 0; j < vh.routes().size(); j++) {
                    problems.addAll(CompiledRoute.validate(vh.routes().get(j), vp + ".routes[" + j + "]"));
                }
            }
            if (vh.matcher() != null) {
                // A tree's maps are unordered, so its routes are named rather than numbered.
                for (io.remora.config.Route r : RouteMatcherTree.routes(vh.matcher())) {
                    problems.addAll(CompiledRoute.validate(r, vp + ".matcher(route '" + r.name() + "')"));
                }
            }
        }
        return problems;
    }

    public RouteConfiguration config() {
        return config;
    }

    /**
     * Selects the route of a request by Envoy's rules: virtual host by {@code :authority}, then the
     * first route whose match holds, among the host's routes or those its matcher tree picks.
     * Headers are HTTP/2-style (pseudo-headers :method, :path, :authority, :scheme; lower-case
     * names) whatever the downstream protocol.
     *
     * @param random a uniformly random non-negative long for runtime fractions
     * @return the matched route, or null when no virtual host or no route matches (404 NR)
     */
    public RouteEntry route(Http2Headers headers, long random) {
        return route(headers, random, io.remora.runtime.Runtime.EMPTY);
    }

    /** {@link #route(Http2Headers, long)} with the runtime that {@code runtime_fraction.runtime_key} reads. */
    public RouteEntry route(Http2Headers headers, long random, io.remora.runtime.Runtime runtime) {
        return route(headers, random, runtime, null);
    }

    /** As above, for a stream whose dynamic metadata {@code dynamic_metadata} matches read (null: none). */
    public RouteEntry route(Http2Headers headers, long random, io.remora.runtime.Runtime runtime,
                            io.remora.accesslog.StreamInfo stream) {
        CompiledVirtualHost vh = index.find(headers.authority());
        if (vh == null) {
            // The "router" debug line for this is RouteLog's, which knows the stream.
            return null;
        }
        if (vh.tlsRedirect() != null && TlsRedirect.required(vh.virtualHost(), headers)) {
            return vh.tlsRedirect();
        }
        CharSequence p = headers.path();
        CharSequence path = p == null ? "" : p;
        int pathEnd = PathMatcher.pathEnd(path);
        if (ignorePathParameters) {
            pathEnd = PathMatcher.parametersStart(path, pathEnd);
        }
        CompiledRoute[] routes = vh.matcher() == null ? vh.routes()
                : vh.matcher().candidates(headers, runtime, stream);
        for (CompiledRoute r : routes) {
            if (r.matches(headers, path, pathEnd, random, runtime, stream)) {
                return r;
            }
        }
        return null;
    }

    /** The virtual host a Host value selects, or null (for filters that act before routing). */
    public VirtualHost virtualHost(CharSequence authority) {
        CompiledVirtualHost vh = index.find(authority);
        return vh == null ? null : vh.virtualHost();
    }

    /** A virtual host with its routes, or the matcher tree that picks them, compiled. */
    record CompiledVirtualHost(VirtualHost virtualHost, CompiledRoute[] routes, RouteMatcherTree matcher,
                               CompiledRoute tlsRedirect) {
        CompiledVirtualHost(VirtualHost vh, Function<io.remora.config.Route, CompiledRoute> compile) {
            this(vh, (vh.routes() == null ? List.<io.remora.config.Route>of() : vh.routes()).stream()
                            .map(compile).toArray(CompiledRoute[]::new),
                    vh.matcher() == null ? null : new RouteMatcherTree(vh.matcher(), compile), TlsRedirect.of(vh));
        }

        CompiledVirtualHost(RouteConfiguration config, VirtualHost vh, HeaderMutator globalRequest,
                            HeaderMutator globalResponse, boolean mostSpecificWins) {
            this(vh, compiler(config, vh, globalRequest, globalResponse, mostSpecificWins));
        }

        /** Compiles the host's routes, listed or in its tree, alike. */
        private static Function<io.remora.config.Route, CompiledRoute> compiler(
                RouteConfiguration config, VirtualHost vh, HeaderMutator globalRequest, HeaderMutator globalResponse,
                boolean mostSpecificWins) {
            HeaderMutator vhRequest = HeaderMutator.of(vh.requestHeaders());
            HeaderMutator vhResponse = HeaderMutator.of(vh.responseHeaders());
            CompiledVirtualCluster[] virtualClusters = CompiledVirtualCluster.compile(vh);
            return r -> new CompiledRoute(config, r, vh, vhRequest, vhResponse, globalRequest, globalResponse,
                    mostSpecificWins, virtualClusters);
        }
    }
}

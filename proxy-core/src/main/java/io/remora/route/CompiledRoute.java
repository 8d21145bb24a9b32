package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.ClusterSpecifier;
import io.remora.config.DirectResponseAction;
import io.remora.config.ForwardAction;
import io.remora.config.RedirectAction;
import io.remora.config.PerFilterConfig;
import io.remora.config.Route;
import io.remora.config.RouteConfiguration;
import io.remora.config.RouteFilterConfig;
import io.remora.config.RouteMatch;
import io.remora.config.VirtualHost;

import java.util.ArrayList;
import java.util.List;

/** One route, compiled: its match, and the request/response operations of its action. */
final class CompiledRoute implements RouteEntry {

    private static final AsciiString ORIGINAL_PATH = AsciiString.cached("x-envoy-original-path");

    private final Route route;
    private final VirtualHost virtualHost;

    private final CompiledRouteMatch match;
    /** The path part of the match, which rewrites and redirects also read. */
    private final PathMatcher pathMatcher;

    // Forward.
    private final ClusterPicker picker;
    private final HeaderMutator[] weightedRequest;
    private final HeaderMutator[] weightedResponse;
    private final String[] weightedHostRewrite;
    /** Each weighted cluster's merged envoy.lb criteria; null when none has its own. */
    private final java.util.Map<String, Object>[] weightedMetadataMatch;
    private final PathRewriter pathRewriter;
    /** Null when the route rewrites no host. */
    private final HostRewrite hostRewrite;

    // Route, virtual host and route configuration levels, in the order they are applied.
    private final HeaderMutator[] requestLevels;
    private final HeaderMutator[] responseLevels;

    // Redirect and direct response: the Location; null for other actions.
    private final RedirectUri location;

    private final PerFilterConfigs perFilter;
    private final RetryHeaderMatchers retryHeaders;
    /** The virtual host's, shared by its routes; null when it has none. */
    private final CompiledVirtualCluster[] virtualClusters;
    /** Bound on first use, so compiling a route table needs no stats registry; unused without stat_prefix. */
    private volatile io.remora.stats.RouteStats routeStats;

    CompiledRoute(RouteConfiguration config, Route route, VirtualHost vh, HeaderMutator vhRequest,
                  HeaderMutator vhResponse, HeaderMutator globalRequest, HeaderMutator globalResponse,
                  boolean mostSpecificWins, CompiledVirtualCluster[] virtualClusters) {
        this.route = route;
        this.virtualHost = vh;
        this.virtualClusters = virtualClusters;
        this.perFilter = new PerFilterConfigs(config, vh, route);
        this.retryHeaders = RetryHeaderMatchers.of(retryPolicy());
        RouteMatch m = route.match();
        match = new CompiledRouteMatch(m);
        pathMatcher = match.pathMatcher();

        if (route.action() instanceof ForwardAction f) {
            picker = ClusterPicker.of(f.cluster());
            if (f.cluster() instanceof ClusterSpecifier.Weighted w) {
                int n = w.clusters().size();
                weightedRequest = new HeaderMutator[n];
                weightedResponse = new HeaderMutator[n];
                weightedHostRewrite = new String[n];
                for (int i = 0; i < n; i++) {
                    ClusterSpecifier.WeightedCluster c = w.clusters().get(i);
                    weightedRequest[i] = HeaderMutator.of(c.requestHeaders());
                    weightedResponse[i] = HeaderMutator.of(c.responseHeaders());
                    weightedHostRewrite[i] = emptyToNull(c.hostRewriteLiteral());
                }
                weightedMetadataMatch = mergedCriteria(f.metadataMatch(), w.clusters());
            } else {
                weightedRequest = weightedResponse = null;
                weightedHostRewrite = null;
                weightedMetadataMatch = null;
            }
            pathRewriter = PathRewriter.of(f, pathMatcher);
            hostRewrite = HostRewrite.of(f);
        } else {
            picker = null;
            weightedRequest = weightedResponse = null;
            weightedHostRewrite = null;
            weightedMetadataMatch = null;
            pathRewriter = null;
            hostRewrite = null;
        }

        if (route.action() == TlsRedirect.ACTION) {
            location = RedirectUri.SSL_REDIRECTOR;
        } else if (route.action() instanceof RedirectAction r) {
            location = new RedirectUri(r, pathMatcher);
        } else if (route.action() instanceof DirectResponseAction) {
            location = new RedirectUri(null, pathMatcher);
        } else {
            location = null;
        }

        HeaderMutator routeRequest = HeaderMutator.of(route.requestHeaders());
        HeaderMutator routeResponse = HeaderMutator.of(route.responseHeaders());
        // Envoy applies the levels most specific first, so the route configuration's overwrites
        // win, unless most_specific_header_mutations_wins reverses the order.
        requestLevels = levels(mostSpecificWins, routeRequest, vhRequest, globalRequest);
        responseLevels = levels(mostSpecificWins, routeResponse, vhResponse, globalResponse);
    }

    private static HeaderMutator[] levels(boolean mostSpecificWins, HeaderMutator route, HeaderMutator vh,
                                          HeaderMutator global) {
        List<HeaderMutator> out = new ArrayList<>(3);
        for (HeaderMutator m : mostSpecificWins
                ? new HeaderMutator[] {global, vh, route} : new HeaderMutator[] {route, vh, global}) {
            if (!m.isEmpty()) {
                out.add(m);
            }
        }
        return out.toArray(new HeaderMutator[0]);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Whether the request takes this route ({@link CompiledRouteMatch#matches}). */
    boolean matches(Http2Headers headers, CharSequence path, int pathEnd, long random, io.remora.runtime.Runtime runtime,
                    io.remora.accesslog.StreamInfo stream) {
        return match.matches(headers, path, pathEnd, random, runtime, stream);
    }

    @Override
    public Route route() {
        return route;
    }

    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object>[] mergedCriteria(java.util.Map<String, Object> route,
                                                                  List<ClusterSpecifier.WeightedCluster> clusters) {
        if (clusters.stream().allMatch(c -> c.metadataMatch() == null)) {
            return null;
        }
        java.util.Map<String, Object>[] out = new java.util.Map[clusters.size()];
        for (int i = 0; i < out.length; i++) {
            java.util.Map<String, Object> own = clusters.get(i).metadataMatch();
            if (own == null) {
                out[i] = route;
            } else {
                java.util.Map<String, Object> merged = new java.util.TreeMap<>(route == null ? java.util.Map.of() : route);
                merged.putAll(own);
                out[i] = java.util.Collections.unmodifiableMap(merged);
            }
        }
        return out;
    }

    @Override
    public java.util.Map<String, Object> metadataMatch(String cluster) {
        int i = weightedMetadataMatch == null ? -1 : picker.weightedIndex(cluster);
        return i >= 0 ? weightedMetadataMatch[i] : RouteEntry.super.metadataMatch(cluster);
    }

    @Override
    public PerFilterConfig perFilterConfig(String filterName, String cluster) {
        return perFilter.find(filterName, picker == null ? -1 : picker.weightedIndex(cluster));
    }

    @Override
    public List<RouteFilterConfig> perFilterConfigs(String filterName, String cluster) {
        return perFilter.all(filterName, picker == null ? -1 : picker.weightedIndex(cluster));
    }

    @Override
    public VirtualHost virtualHost() {
        return virtualHost;
    }

    @Override
    public CompiledVirtualCluster virtualCluster(Http2Headers headers) {
        return CompiledVirtualCluster.select(virtualClusters, headers);
    }

    @Override
    public io.remora.stats.RouteStats routeStats(io.remora.stats.StatsRegistry registry) {
        String prefix = route.statPrefix();
        if (prefix == null) {
            return null;
        }
        io.remora.stats.RouteStats s = routeStats;
        if (s == null) {
            s = registry.route(virtualHost.name(), prefix);
            routeStats = s;
        }
        return s;
    }

    @Override
    public RetryHeaderMatchers retryHeaderMatchers() {
        return retryHeaders;
    }

    @Override
    public String pickCluster(Http2Headers headers, long random) {
        return picker == null ? null : picker.pick(headers, random);
    }

    @Override
    public String pickCluster(Http2Headers headers, long random, io.remora.runtime.Runtime runtime) {
        return picker == null ? null : picker.pick(headers, random, runtime);
    }

    @Override
    public void rewriteRequest(Http2Headers headers) {
        rewriteRequest(headers, true);
    }

    @Override
    public void rewriteRequest(Http2Headers headers, boolean insertEnvoyOriginalPath) {
        if (hostRewrite != null) {
            hostRewrite.apply(headers, insertEnvoyOriginalPath);
        }
        if (pathRewriter == null) {
            return;
        }
        CharSequence p = headers.path();
        if (p == null) {
            return;
        }
        String path = p.toString();
        String rewritten = pathRewriter.rewrite(path);
        if (rewritten == null) {
            return;
        }
        if (insertEnvoyOriginalPath) {
            headers.set(ORIGINAL_PATH, path);
        }
        headers.path(rewritten);
    }

    @Override
    public void mutateRequestHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context) {
        int wc = weightedRequest == null ? -1 : picker.weightedIndex(cluster);
        if (wc >= 0) {
            weightedRequest[wc].apply(headers, headers, context);
        }
        for (HeaderMutator m : requestLevels) {
            m.apply(headers, headers, context);
        }
    }

    @Override
    public void finalizeRequestHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context,
                                       boolean insertEnvoyOriginalPath) {
        int wc = weightedRequest == null ? -1 : picker.weightedIndex(cluster);
        if (wc >= 0) {
            weightedRequest[wc].apply(headers, headers, context);
            if (weightedHostRewrite[wc] != null) {
                // Envoy's WeightedClusterEntry sets the Host only: no x-forwarded-host, no original host.
                headers.authority(weightedHostRewrite[wc]);
            }
        }
        for (HeaderMutator m : requestLevels) {
            m.apply(headers, headers, context);
        }
        HostPort.restoreConnectPort(headers, context);
        rewriteRequest(headers, insertEnvoyOriginalPath);
    }

    @Override
    public void mutateResponseHeaders(Http2Headers headers, String cluster, HeaderFormatter.Context context) {
        Http2Headers request = context == null ? null : context.requestHeaders();
        int wc = weightedResponse == null ? -1 : picker.weightedIndex(cluster);
        if (wc >= 0) {
            weightedResponse[wc].apply(headers, request, context);
        }
        for (HeaderMutator m : responseLevels) {
            m.apply(headers, request, context);
        }
    }

    @Override
    public String redirectLocation(Http2Headers requestHeaders) {
        return location == null ? null : location.location(requestHeaders);
    }

    static List<String> validate(Route route, String path) {
        List<String> problems = new ArrayList<>();
        problems.addAll(HeaderMutator.validate(route.requestHeaders(), path + ".request_headers"));
        problems.addAll(HeaderMutator.validate(route.responseHeaders(), path + ".response_headers"));
        if (route.action() instanceof ForwardAction f && f.cluster() instanceof ClusterSpecifier.Weighted w) {
            for (int i = 0; i < w.clusters().size(); i++) {
                String wp = path + ".route.weighted_clusters.clusters[" + i + "]";
                problems.addAll(HeaderMutator.validate(w.clusters().get(i).requestHeaders(), wp + ".request_headers"));
                problems.addAll(HeaderMutator.validate(w.clusters().get(i).responseHeaders(), wp + ".response_headers"));
            }
        }
        try {
            new CompiledRoute(null, route, null, HeaderMutator.NONE, HeaderMutator.NONE, HeaderMutator.NONE,
                    HeaderMutator.NONE, false, null);
        } catch (RuntimeException e) {
            problems.add(path + ": " + e.getMessage());
        }
        return problems;
    }

    @Override
    public String toString() {
        return "route " + (route.name() == null ? "" : route.name()) + " of virtual host " + virtualHost.name();
    }
}

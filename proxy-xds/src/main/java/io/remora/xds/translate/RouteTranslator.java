package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.remora.config.ClusterSpecifier;
import io.remora.config.DirectResponseAction;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.RedirectAction;
import io.remora.config.Route;
import io.remora.config.RouteAction;
import io.remora.config.RouteMatch;
import io.remora.extensions.filters.http.cors.CorsExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code config.route.v3.Route}: its match and its action (route, redirect, direct_response). */
public final class RouteTranslator {

    static final Duration DEFAULT_ROUTE_TIMEOUT = Duration.ofSeconds(15);

    private RouteTranslator() {
    }

    /**
     * @param maxBodyBytes       max_direct_response_body_size_bytes of the route configuration
     * @param vhostBufferLimit   the virtual host's per_request_buffer_limit_bytes, or
     *                           {@link ForwardAction#NO_REQUEST_BUFFER_LIMIT}
     */
    public static Route translate(io.envoyproxy.envoy.config.route.v3.Route r, FieldPath path,
                                  TranslationContext ctx, int maxBodyBytes, int vhostBufferLimit) {
        if (!r.hasMatch()) {
            throw path.field("match").error("missing required field");
        }
        RouteMatch match = match(r.getMatch(), path.field("match"));
        RouteAction action = switch (r.getActionCase()) {
            case ROUTE -> forward(r.getRoute(), path.field("route"), ctx,
                    match.path() instanceof RouteMatch.PathTemplate t ? t.template() : null)
                    .requestBufferLimit(r.hasPerRequestBufferLimitBytes()
                            ? requestBufferLimit(r.getPerRequestBufferLimitBytes()) : vhostBufferLimit)
                    .build();
            case REDIRECT -> redirect(r.getRedirect(), path.field("redirect"));
            case DIRECT_RESPONSE -> direct(r.getDirectResponse(), path.field("direct_response"), maxBodyBytes);
            case NON_FORWARDING_ACTION -> new RouteAction.NonForwarding();
            case FILTER_ACTION -> throw path.field("filter_action").error("filter actions are not supported");
            case ACTION_NOT_SET -> throw path.error("missing required field: one of route, redirect, direct_response");
        };
        HeaderMutation req = HeaderTranslator.mutation(r.getRequestHeadersToAddList(), r.getRequestHeadersToRemoveList(),
                path.field("request_headers_to_add"), path.field("request_headers_to_remove"));
        HeaderMutation resp = HeaderTranslator.mutation(r.getResponseHeadersToAddList(),
                r.getResponseHeadersToRemoveList(), path.field("response_headers_to_add"),
                path.field("response_headers_to_remove"));
        var perFilter = PerFilterConfigTranslator.translate(r.getTypedPerFilterConfigMap(),
                path.field("typed_per_filter_config"), ctx);
        if (r.hasRoute()) {
            perFilter = CorsExtension.withDeprecatedPolicy(perFilter, r.getRoute().hasCors(), r.getRoute().getCors(),
                    path.field("route").field("cors"), ctx);
        }
        Route.Decorator decorator = null;
        if (r.hasDecorator()) {
            if (r.getDecorator().getOperation().isEmpty()) {
                throw path.field("decorator").field("operation").error("must not be empty");
            }
            decorator = new Route.Decorator(r.getDecorator().getOperation(),
                    Protos.bool(r.getDecorator().hasPropagate(), r.getDecorator().getPropagate(), true));
        }
        return new Route(r.getName(), match, action, req, resp, perFilter, decorator,
                Protos.filterMetadata(r.getMetadata()));
    }

    static RouteMatch match(io.envoyproxy.envoy.config.route.v3.RouteMatch m, FieldPath path) {
        RouteMatch.PathMatch pm = switch (m.getPathSpecifierCase()) {
            case PREFIX -> new RouteMatch.Prefix(m.getPrefix());
            case PATH -> new RouteMatch.Path(m.getPath());
            case SAFE_REGEX -> new RouteMatch.SafeRegex(
                    StringMatcherTranslator.regex(m.getSafeRegex(), path.field("safe_regex")));
            case PATH_SEPARATED_PREFIX -> {
                String p = m.getPathSeparatedPrefix();
                if (p.isEmpty() || !p.startsWith("/") || p.endsWith("/")
                        || p.indexOf('?') >= 0 || p.indexOf('#') >= 0) {
                    throw path.field("path_separated_prefix").error("must start with '/' and contain no"
                            + " trailing '/', '?' or '#': \"" + p + "\"");
                }
                yield new RouteMatch.PathSeparatedPrefix(p);
            }
            case CONNECT_MATCHER -> new RouteMatch.ConnectMatcher();
            case PATH_MATCH_POLICY -> new RouteMatch.PathTemplate(
                    UriTemplateTranslator.match(m.getPathMatchPolicy(), path.field("path_match_policy")));
            case PATHSPECIFIER_NOT_SET -> throw path.error(
                    "missing required field: one of prefix, path, safe_regex, path_separated_prefix, connect_matcher,"
                    + " path_match_policy");
        };
        boolean caseSensitive = Protos.bool(m.hasCaseSensitive(), m.getCaseSensitive(), true);
        Integer fraction = null;
        String runtimeKey = null;
        if (m.hasRuntimeFraction()) {
            fraction = Protos.perMillion(m.getRuntimeFraction().getDefaultValue());
            runtimeKey = m.getRuntimeFraction().getRuntimeKey();
        }
        java.util.List<io.remora.config.MetadataMatch> dynamicMetadata = new java.util.ArrayList<>();
        for (int i = 0; i < m.getDynamicMetadataCount(); i++) {
            dynamicMetadata.add(MetadataMatcherTranslator.translate(m.getDynamicMetadata(i),
                    path.field("dynamic_metadata").index(i)));
        }
        RouteMatch.TlsContextMatch tls = !m.hasTlsContext() ? null : new RouteMatch.TlsContextMatch(
                m.getTlsContext().hasPresented() ? m.getTlsContext().getPresented().getValue() : null,
                m.getTlsContext().hasValidated() ? m.getTlsContext().getValidated().getValue() : null);
        return new RouteMatch(pm, caseSensitive,
                HeaderTranslator.matchers(m.getHeadersList(), path.field("headers")),
                HeaderTranslator.queryParameters(m.getQueryParametersList(), path.field("query_parameters")),
                m.hasGrpc(), fraction, runtimeKey, dynamicMetadata, tls);
    }

    /** A per_request_buffer_limit_bytes value; past 2 GiB nothing could be held anyway. */
    static int requestBufferLimit(com.google.protobuf.UInt32Value v) {
        return (int) Math.min(Integer.toUnsignedLong(v.getValue()), Integer.MAX_VALUE);
    }

    /** @param matchTemplate the route's path_match_policy template; null when it has another match */
    static ForwardAction.Builder forward(io.envoyproxy.envoy.config.route.v3.RouteAction a, FieldPath path,
                                 TranslationContext ctx, io.remora.matching.UriTemplate matchTemplate) {
        ClusterSpecifier cluster = switch (a.getClusterSpecifierCase()) {
            case CLUSTER -> {
                if (a.getCluster().isEmpty()) {
                    throw path.field("cluster").error("must not be empty");
                }
                ctx.requireCluster(path.field("cluster"), a.getCluster());
                yield new ClusterSpecifier.Single(a.getCluster());
            }
            case CLUSTER_HEADER -> {
                if (a.getClusterHeader().isEmpty()) {
                    throw path.field("cluster_header").error("must not be empty");
                }
                yield new ClusterSpecifier.FromHeader(a.getClusterHeader().toLowerCase(java.util.Locale.ROOT));
            }
            case WEIGHTED_CLUSTERS -> weighted(a.getWeightedClusters(), path.field("weighted_clusters"), ctx);
            case CLUSTER_SPECIFIER_PLUGIN -> ClusterSpecifierPluginTranslator.byName(a.getClusterSpecifierPlugin(),
                    path.field("cluster_specifier_plugin"), ctx);
            case INLINE_CLUSTER_SPECIFIER_PLUGIN -> ClusterSpecifierPluginTranslator.translate(
                    a.getInlineClusterSpecifierPlugin(), path.field("inline_cluster_specifier_plugin"), ctx);
            case CLUSTERSPECIFIER_NOT_SET -> throw path.error("missing required field: one of cluster, cluster_header,"
                    + " weighted_clusters, cluster_specifier_plugin, inline_cluster_specifier_plugin");
        };
        ForwardAction.RegexRewrite regexRewrite = null;
        if (a.hasRegexRewrite()) {
            FieldPath rp = path.field("regex_rewrite");
            regexRewrite = new ForwardAction.RegexRewrite(
                    StringMatcherTranslator.regex(a.getRegexRewrite().getPattern(), rp.field("pattern")),
                    a.getRegexRewrite().getSubstitution());
            if (!a.getPrefixRewrite().isEmpty()) {
                throw rp.error("prefix_rewrite and regex_rewrite are mutually exclusive");
            }
        }
        io.remora.matching.UriTemplateRewrite templateRewrite = templateRewrite(a, path, matchTemplate);
        String hostLiteral = null;
        ForwardAction.RegexRewrite hostPathRegex = null;
        boolean autoHost = false;
        String hostHeader = null;
        switch (a.getHostRewriteSpecifierCase()) {
            case HOST_REWRITE_LITERAL -> hostLiteral = a.getHostRewriteLiteral();
            case AUTO_HOST_REWRITE -> autoHost = a.getAutoHostRewrite().getValue();
            case HOST_REWRITE_HEADER -> hostHeader = a.getHostRewriteHeader().toLowerCase(java.util.Locale.ROOT);
            case HOST_REWRITE_PATH_REGEX -> {
                FieldPath hp = path.field("host_rewrite_path_regex");
                hostPathRegex = new ForwardAction.RegexRewrite(StringMatcherTranslator.regex(
                        a.getHostRewritePathRegex().getPattern(), hp.field("pattern")),
                        a.getHostRewritePathRegex().getSubstitution());
            }
            default -> {
            }
        }
        Duration timeout = Protos.duration(a.hasTimeout(), a.getTimeout(), DEFAULT_ROUTE_TIMEOUT);
        Duration idle = a.hasIdleTimeout() ? Protos.duration(a.getIdleTimeout()) : null;
        var retry = a.hasRetryPolicy()
                ? RetryPolicyTranslator.translate(a.getRetryPolicy(), path.field("retry_policy"), ctx) : null;
        // Subset load balancing reads the envoy.lb criteria only, as Envoy's.
        var lbCriteria = a.getMetadataMatch().getFilterMetadataMap().get("envoy.lb");
        java.util.Map<String, Object> metadataMatch = lbCriteria == null ? null : Protos.structMap(lbCriteria);
        List<ForwardAction.MirrorPolicy> mirrors = new ArrayList<>();
        for (int i = 0; i < a.getRequestMirrorPoliciesCount(); i++) {
            var m = a.getRequestMirrorPolicies(i);
            FieldPath mp = path.field("request_mirror_policies").index(i);
            if (m.getCluster().isEmpty() == m.getClusterHeader().isEmpty()) {
                throw mp.field("cluster").error("exactly one of cluster and cluster_header is required");
            }
            if (!m.getCluster().isEmpty()) {
                ctx.requireCluster(mp.field("cluster"), m.getCluster());
            }
            mirrors.add(new ForwardAction.MirrorPolicy(m.getCluster().isEmpty() ? null : m.getCluster(),
                    m.getClusterHeader().isEmpty() ? null : m.getClusterHeader().toLowerCase(java.util.Locale.ROOT),
                    m.hasRuntimeFraction() ? Protos.perMillion(m.getRuntimeFraction().getDefaultValue()) : null,
                    m.getDisableShadowHostSuffixAppend()));
        }
        Duration maxGrpc = null;
        if (a.hasMaxStreamDuration() && a.getMaxStreamDuration().hasGrpcTimeoutHeaderMax()) {
            maxGrpc = Protos.duration(a.getMaxStreamDuration().getGrpcTimeoutHeaderMax());
        } else if (a.hasMaxGrpcTimeout()) {
            maxGrpc = Protos.duration(a.getMaxGrpcTimeout());
        }
        ForwardAction.UpgradeConfig upgrades = upgrades(a, path);
        List<io.remora.config.HashPolicy> hashPolicies = new ArrayList<>();
        for (int i = 0; i < a.getHashPolicyCount(); i++) {
            hashPolicies.add(hashPolicy(a.getHashPolicy(i), path.field("hash_policy").index(i)));
        }
        return ForwardAction.builder(cluster)
                .prefixRewrite(a.getPrefixRewrite().isEmpty() ? null : a.getPrefixRewrite())
                .regexRewrite(regexRewrite)
                .pathTemplateRewrite(templateRewrite)
                .hostRewriteLiteral(hostLiteral)
                .autoHostRewrite(autoHost)
                .hostRewriteHeader(hostHeader)
                .timeout(timeout)
                .idleTimeout(idle)
                .retryPolicy(retry)
                .mirrors(mirrors)
                .maxGrpcTimeout(maxGrpc)
                .upgrades(upgrades)
                .hashPolicies(hashPolicies)
                .rateLimits(RateLimitPolicyTranslator.policies(a.getRateLimitsList(), path.field("rate_limits")))
                .includeVhRateLimits(a.hasIncludeVhRateLimits() && a.getIncludeVhRateLimits().getValue())
                .hostRewritePathRegex(hostPathRegex)
                .appendXForwardedHost(a.getAppendXForwardedHost())
                .metadataMatch(metadataMatch)
                .maxStreamDuration(a.hasMaxStreamDuration() && a.getMaxStreamDuration().hasMaxStreamDuration()
                        ? nonNegative(Protos.duration(a.getMaxStreamDuration().getMaxStreamDuration()),
                        path.field("max_stream_duration").field("max_stream_duration")) : null)
                .internalRedirectPolicy(InternalRedirectPolicyTranslator.translate(a, path))
                .hedgePolicy(a.hasHedgePolicy()
                        ? HedgePolicyTranslator.translate(a.getHedgePolicy(), path.field("hedge_policy"), ctx) : null)
                .clusterNotFoundStatus(switch (a.getClusterNotFoundResponseCode()) {
                    case NOT_FOUND -> 404;
                    case INTERNAL_SERVER_ERROR -> 500;
                    case SERVICE_UNAVAILABLE -> 503;
                    case UNRECOGNIZED -> throw path.field("cluster_not_found_response_code")
                            .error("unknown code " + a.getClusterNotFoundResponseCodeValue());
                });
    }

    /** {@code path_rewrite_policy}, and Envoy's rules on combining rewrites with a template match. */
    private static io.remora.matching.UriTemplateRewrite templateRewrite(
            io.envoyproxy.envoy.config.route.v3.RouteAction a, FieldPath path,
            io.remora.matching.UriTemplate matchTemplate) {
        if (matchTemplate != null && !a.getPrefixRewrite().isEmpty()) {
            throw path.field("prefix_rewrite").error("prefix_rewrite cannot be used with a path_match_policy");
        }
        if (!a.hasPathRewritePolicy()) {
            return null;
        }
        FieldPath pp = path.field("path_rewrite_policy");
        if (!a.getPrefixRewrite().isEmpty() || a.hasRegexRewrite()) {
            throw pp.error("only one of prefix_rewrite, regex_rewrite or path_rewrite_policy may be set");
        }
        return UriTemplateTranslator.rewrite(a.getPathRewritePolicy(), matchTemplate, pp);
    }

    private static Duration nonNegative(Duration d, FieldPath path) {
        if (d.isNegative()) {
            throw path.error("must not be negative");
        }
        return d;
    }

    /**
     * {@code RouteAction.upgrade_configs}: per type, {@code enabled} (default true) overrides the
     * connection manager; {@code connect_config} (CONNECT only) makes the route terminate CONNECT.
     */
    static ForwardAction.UpgradeConfig upgrades(io.envoyproxy.envoy.config.route.v3.RouteAction a, FieldPath path) {
        java.util.Map<String, Boolean> enabled = new java.util.HashMap<>();
        ForwardAction.ConnectConfig connect = null;
        for (int i = 0; i < a.getUpgradeConfigsCount(); i++) {
            var u = a.getUpgradeConfigs(i);
            FieldPath up = path.field("upgrade_configs").index(i);
            String type = u.getUpgradeType().trim();
            if (type.isEmpty()) {
                throw up.field("upgrade_type").error("must not be empty");
            }
            if (enabled.put(type.toLowerCase(java.util.Locale.ROOT), Protos.bool(u.hasEnabled(), u.getEnabled(), true))
                    != null) {
                throw up.field("upgrade_type").error("duplicate upgrade type '" + type + "'");
            }
            if (u.hasConnectConfig()) {
                if (!type.equalsIgnoreCase("CONNECT")) {
                    // Envoy: "Non-CONNECT upgrade type with CONNECT config".
                    throw up.field("connect_config").error("only valid with upgrade_type CONNECT, not '" + type + "'");
                }
                var cc = u.getConnectConfig();
                if (cc.hasProxyProtocolConfig()) {
                    throw up.field("connect_config").field("proxy_protocol_config").error("not supported");
                }
                connect = new ForwardAction.ConnectConfig(cc.getAllowPost());
            }
        }
        return enabled.isEmpty() ? ForwardAction.UpgradeConfig.NONE : new ForwardAction.UpgradeConfig(enabled, connect);
    }

    /** {@code RouteAction.HashPolicy}. */
    static io.remora.config.HashPolicy hashPolicy(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy h,
                                                  FieldPath path) {
        boolean terminal = h.getTerminal();
        return switch (h.getPolicySpecifierCase()) {
            case HEADER -> {
                if (h.getHeader().getHeaderName().isEmpty()) {
                    throw path.field("header").field("header_name").error("missing required field");
                }
                ForwardAction.RegexRewrite rewrite = null;
                if (h.getHeader().hasRegexRewrite()) {
                    FieldPath rp = path.field("header").field("regex_rewrite");
                    var r = h.getHeader().getRegexRewrite();
                    rewrite = new ForwardAction.RegexRewrite(StringMatcherTranslator.regex(r.getPattern(),
                            rp.field("pattern")), r.getSubstitution());
                    try {
                        new io.remora.route.RegexRewriter(rewrite.pattern(), rewrite.substitution());
                    } catch (IllegalArgumentException e) {
                        throw rp.field("substitution").error(e.getMessage());
                    }
                }
                yield new io.remora.config.HashPolicy.Header(h.getHeader().getHeaderName().toLowerCase(java.util.Locale.ROOT),
                        rewrite, terminal);
            }
            case COOKIE -> {
                var c = h.getCookie();
                if (c.getName().isEmpty()) {
                    throw path.field("cookie").field("name").error("missing required field");
                }
                yield new io.remora.config.HashPolicy.Cookie(c.getName(), c.hasTtl() ? Protos.duration(c.getTtl()) : null,
                        c.getPath(), terminal);
            }
            case CONNECTION_PROPERTIES -> {
                if (!h.getConnectionProperties().getSourceIp()) {
                    throw path.field("connection_properties").field("source_ip").error("must be true");
                }
                yield new io.remora.config.HashPolicy.SourceIp(terminal);
            }
            case QUERY_PARAMETER -> {
                if (h.getQueryParameter().getName().isEmpty()) {
                    throw path.field("query_parameter").field("name").error("missing required field");
                }
                yield new io.remora.config.HashPolicy.QueryParameter(h.getQueryParameter().getName(), terminal);
            }
            case FILTER_STATE -> new io.remora.config.HashPolicy.FilterState(h.getFilterState().getKey(), terminal);
            default -> throw path.error("a hash policy needs header, cookie, connection_properties, query_parameter"
                    + " or filter_state");
        };
    }

    static ClusterSpecifier.Weighted weighted(WeightedCluster w, FieldPath path, TranslationContext ctx) {
        if (w.getClustersCount() == 0) {
            throw path.field("clusters").error("must have at least one cluster");
        }
        List<ClusterSpecifier.WeightedCluster> out = new ArrayList<>();
        long total = 0;
        int headerMembers = 0;
        boolean headerMemberOptions = false;
        for (int i = 0; i < w.getClustersCount(); i++) {
            var c = w.getClusters(i);
            FieldPath cp = path.field("clusters").index(i);
            String header = null;
            if (c.getName().isEmpty() == c.getClusterHeader().isEmpty()) {
                throw cp.field("name").error(c.getName().isEmpty()
                        ? "At least one of name or cluster_header need to be specified"
                        : "Only one of name or cluster_header can be specified");
            } else if (c.getName().isEmpty()) {
                header = c.getClusterHeader().toLowerCase(java.util.Locale.ROOT);
                headerMembers++;
                headerMemberOptions |= c.getRequestHeadersToAddCount() + c.getRequestHeadersToRemoveCount()
                        + c.getResponseHeadersToAddCount() + c.getResponseHeadersToRemoveCount()
                        + c.getTypedPerFilterConfigCount() > 0 || !c.getHostRewriteLiteral().isEmpty()
                        || c.hasMetadataMatch();
            } else {
                ctx.requireCluster(cp.field("name"), c.getName());
            }
            int weight = c.hasWeight() ? Protos.clampInt(c.getWeight().getValue()) : 0;
            total += weight;
            HeaderMutation req = HeaderTranslator.mutation(c.getRequestHeadersToAddList(),
                    c.getRequestHeadersToRemoveList(), cp.field("request_headers_to_add"),
                    cp.field("request_headers_to_remove"));
            HeaderMutation resp = HeaderTranslator.mutation(c.getResponseHeadersToAddList(),
                    c.getResponseHeadersToRemoveList(), cp.field("response_headers_to_add"),
                    cp.field("response_headers_to_remove"));
            // As the route's: the subset load balancer reads the envoy.lb criteria only.
            var lb = c.getMetadataMatch().getFilterMetadataMap().get("envoy.lb");
            out.add(new ClusterSpecifier.WeightedCluster(header == null ? c.getName() : null, weight, req, resp,
                    c.getHostRewriteLiteral().isEmpty() ? null : c.getHostRewriteLiteral(),
                    PerFilterConfigTranslator.translate(c.getTypedPerFilterConfigMap(),
                            cp.field("typed_per_filter_config"), ctx), lb == null ? null : Protos.structMap(lb),
                    header));
        }
        if (headerMembers > 1 && headerMemberOptions) {
            // The per-request member is found again by its cluster's name; members named by a
            // header cannot be told apart that way.
            ctx.warnOnce("weighted_clusters.cluster_header", "weighted clusters with several cluster_header members:"
                    + " the first such member's headers, metadata_match and per-filter config apply to all of them,"
                    + " first at " + path);
        }
        if (total == 0) {
            throw path.error("the total weight of the clusters is 0");
        }
        if (total > Integer.MAX_VALUE) {
            throw path.error("the total weight of the clusters exceeds " + Integer.MAX_VALUE);
        }
        return new ClusterSpecifier.Weighted(List.copyOf(out), (int) total);
    }

    public static RedirectAction redirect(io.envoyproxy.envoy.config.route.v3.RedirectAction r, FieldPath path) {
        String scheme = switch (r.getSchemeRewriteSpecifierCase()) {
            case HTTPS_REDIRECT -> r.getHttpsRedirect() ? "https" : null;
            case SCHEME_REDIRECT -> r.getSchemeRedirect().toLowerCase(java.util.Locale.ROOT);
            default -> null;
        };
        String pathRedirect = null;
        String prefixRewrite = null;
        ForwardAction.RegexRewrite regex = null;
        switch (r.getPathRewriteSpecifierCase()) {
            case PATH_REDIRECT -> pathRedirect = r.getPathRedirect();
            case PREFIX_REWRITE -> prefixRewrite = r.getPrefixRewrite();
            case REGEX_REWRITE -> regex = new ForwardAction.RegexRewrite(StringMatcherTranslator.regex(
                    r.getRegexRewrite().getPattern(), path.field("regex_rewrite").field("pattern")),
                    r.getRegexRewrite().getSubstitution());
            default -> {
            }
        }
        int code = switch (r.getResponseCode()) {
            case MOVED_PERMANENTLY -> 301;
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> throw path.field("response_code").error("unknown response code " + r.getResponseCodeValue());
        };
        int port = r.getPortRedirect();
        if (port < 0 || port > 65535) {
            throw path.field("port_redirect").error("port out of range");
        }
        return new RedirectAction(scheme, r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(), port,
                pathRedirect, prefixRewrite, regex, code, r.getStripQuery());
    }

    static DirectResponseAction direct(io.envoyproxy.envoy.config.route.v3.DirectResponseAction d, FieldPath path,
                                       int maxBodyBytes) {
        int status = d.getStatus();
        if (status < 200 || status > 599) {
            throw path.field("status").error("must be in [200, 600), got " + status);
        }
        String body = d.hasBody() ? Protos.dataSource(d.getBody(), path.field("body")) : null;
        if (body != null && body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxBodyBytes) {
            throw path.field("body").error("the body is larger than max_direct_response_body_size_bytes ("
                    + maxBodyBytes + ")");
        }
        return new DirectResponseAction(status, body);
    }
}

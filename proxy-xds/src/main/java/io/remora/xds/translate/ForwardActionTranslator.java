package io.remora.xds.translate;

import io.remora.config.ClusterSpecifier;
import io.remora.config.ForwardAction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code config.route.v3.RouteAction}: the cluster to forward to and how (rewrites, timeouts,
 * retries, mirrors, upgrades, hashing).
 */
final class ForwardActionTranslator {

    private static final Duration DEFAULT_ROUTE_TIMEOUT = Duration.ofSeconds(15);

    private ForwardActionTranslator() {
    }

    /**
     * @param matchTemplate    the route's path_match_policy template; null when it has another match
     * @param inheritedMirrors the virtual host's mirror policies, else the route configuration's:
     *                         the route's own, when it has any, replace them (Envoy's inheritance)
     */
    static ForwardAction.Builder translate(io.envoyproxy.envoy.config.route.v3.RouteAction a, FieldPath path,
                                           TranslationContext ctx, io.remora.matching.UriTemplate matchTemplate,
                                           List<ForwardAction.MirrorPolicy> inheritedMirrors) {
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
            case WEIGHTED_CLUSTERS -> WeightedClustersTranslator.translate(a.getWeightedClusters(),
                    path.field("weighted_clusters"), ctx);
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
        var retry = RetryPolicyTranslator.either(a.hasRetryPolicy(), a.getRetryPolicy(),
                a.hasRetryPolicyTypedConfig(), a.getRetryPolicyTypedConfig(), path, ctx);
        earlyDataPolicy(a, path);
        // Subset load balancing reads the envoy.lb criteria only, as Envoy's.
        var lbCriteria = a.getMetadataMatch().getFilterMetadataMap().get("envoy.lb");
        java.util.Map<String, Object> metadataMatch = lbCriteria == null ? null : Protos.structMap(lbCriteria);
        List<ForwardAction.MirrorPolicy> mirrors = a.getRequestMirrorPoliciesCount() > 0
                ? mirrors(a.getRequestMirrorPoliciesList(), path.field("request_mirror_policies"), ctx)
                : inheritedMirrors;
        Duration maxGrpc = a.hasMaxGrpcTimeout() ? Protos.duration(a.getMaxGrpcTimeout()) : null;
        Duration grpcOffset = a.hasGrpcTimeoutOffset()
                ? nonNegative(Protos.duration(a.getGrpcTimeoutOffset()), path.field("grpc_timeout_offset")) : null;
        ForwardAction.StreamDuration streamDuration = a.hasMaxStreamDuration()
                ? streamDuration(a.getMaxStreamDuration(), path.field("max_stream_duration")) : null;
        ForwardAction.UpgradeConfig upgrades = upgrades(a, path);
        List<io.remora.config.HashPolicy> hashPolicies = new ArrayList<>();
        for (int i = 0; i < a.getHashPolicyCount(); i++) {
            io.remora.config.HashPolicy hp = HashPolicyTranslator.translate(a.getHashPolicy(i),
                    path.field("hash_policy").index(i));
            if (hp != null) {
                hashPolicies.add(hp);
            }
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
                .grpcTimeoutOffset(grpcOffset)
                .upgrades(upgrades)
                .hashPolicies(hashPolicies)
                .rateLimits(RateLimitPolicyTranslator.policies(a.getRateLimitsList(), path.field("rate_limits"), ctx))
                .includeVhRateLimits(a.hasIncludeVhRateLimits() && a.getIncludeVhRateLimits().getValue())
                .hostRewritePathRegex(hostPathRegex)
                .appendXForwardedHost(a.getAppendXForwardedHost())
                .highPriority(highPriority(a, path))
                .metadataMatch(metadataMatch)
                .maxStreamDuration(streamDuration)
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

    /** {@code request_mirror_policies} of a route, a virtual host or a route configuration. */
    static List<ForwardAction.MirrorPolicy> mirrors(
            List<io.envoyproxy.envoy.config.route.v3.RouteAction.RequestMirrorPolicy> in, FieldPath path,
            TranslationContext ctx) {
        List<ForwardAction.MirrorPolicy> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            var m = in.get(i);
            FieldPath mp = path.index(i);
            if (m.getCluster().isEmpty() == m.getClusterHeader().isEmpty()) {
                throw mp.field("cluster").error("exactly one of cluster and cluster_header is required");
            }
            if (!m.getCluster().isEmpty()) {
                ctx.requireCluster(mp.field("cluster"), m.getCluster());
            }
            // Envoy's ShadowPolicyImpl: the fraction with its own denominator, which the stream's id
            // is taken modulo, and its runtime key.
            var rf = m.getRuntimeFraction();
            out.add(new ForwardAction.MirrorPolicy(m.getCluster().isEmpty() ? null : m.getCluster(),
                    m.getClusterHeader().isEmpty() ? null : m.getClusterHeader().toLowerCase(java.util.Locale.ROOT),
                    m.hasRuntimeFraction() ? io.remora.extensions.filters.common.FilterProtos.runtimeDefault(rf,
                            mp.field("runtime_fraction")) : null,
                    m.hasRuntimeFraction() && !rf.getRuntimeKey().isEmpty() ? rf.getRuntimeKey() : null,
                    m.getDisableShadowHostSuffixAppend(),
                    m.hasTraceSampled() ? m.getTraceSampled().getValue() : null));
        }
        return List.copyOf(out);
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

    /**
     * {@code early_data_policy}: early data exists on HTTP/3 only, which Remora does not speak
     * upstream, so only the default policy (safe requests may use it) has nothing to do.
     */
    private static void earlyDataPolicy(io.envoyproxy.envoy.config.route.v3.RouteAction a, FieldPath path) {
        if (!a.hasEarlyDataPolicy()) {
            return;
        }
        var e = a.getEarlyDataPolicy();
        String type = e.hasTypedConfig() ? Protos.typeName(e.getTypedConfig()) : "";
        if (!type.equals("envoy.extensions.early_data.v3.DefaultEarlyDataPolicy")
                && !(type.isEmpty() && e.getName().equals("envoy.route.early_data_policy.default"))) {
            throw path.field("early_data_policy").error("unsupported early data policy '" + e.getName() + "'"
                    + (type.isEmpty() ? "" : " (" + type + ")")
                    + ": only envoy.route.early_data_policy.default");
        }
    }

    /** {@code max_stream_duration}, whose presence alone takes the route's timeouts from the router. */
    private static ForwardAction.StreamDuration streamDuration(
            io.envoyproxy.envoy.config.route.v3.RouteAction.MaxStreamDuration m, FieldPath path) {
        return new ForwardAction.StreamDuration(
                m.hasMaxStreamDuration()
                        ? nonNegative(Protos.duration(m.getMaxStreamDuration()), path.field("max_stream_duration")) : null,
                m.hasGrpcTimeoutHeaderMax()
                        ? nonNegative(Protos.duration(m.getGrpcTimeoutHeaderMax()), path.field("grpc_timeout_header_max"))
                        : null,
                m.hasGrpcTimeoutHeaderOffset() ? nonNegative(Protos.duration(m.getGrpcTimeoutHeaderOffset()),
                        path.field("grpc_timeout_header_offset")) : null);
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

    /** {@code priority}: DEFAULT or HIGH, the circuit breakers and pools the cluster serves the route with. */
    private static boolean highPriority(io.envoyproxy.envoy.config.route.v3.RouteAction a, FieldPath path) {
        return switch (a.getPriority()) {
            case DEFAULT -> false;
            case HIGH -> true;
            case UNRECOGNIZED -> throw path.field("priority").error("unknown priority " + a.getPriorityValue());
        };
    }
}

package io.remora.xds.translate;

import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.Route;
import io.remora.config.RouteConfiguration;
import io.remora.config.VirtualCluster;
import io.remora.config.VirtualHost;
import io.remora.extensions.filters.http.cors.CorsExtension;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code config.route.v3.RouteConfiguration} and its virtual hosts. */
public final class RouteConfigurationTranslator {

    static final int DEFAULT_MAX_DIRECT_RESPONSE_BODY = 4096;

    private RouteConfigurationTranslator() {
    }

    /**
     * A route configuration, inline or from RDS. Routes carry only their own upgrade_configs; the
     * connection manager's are applied per stream, so one RDS table serves every manager alike.
     */
    public static RouteConfiguration translate(io.envoyproxy.envoy.config.route.v3.RouteConfiguration rc,
                                               FieldPath path, TranslationContext ctx) {
        // validate_clusters: Envoy checks references of static route configs unless told not to.
        boolean validate = Protos.bool(rc.hasValidateClusters(), rc.getValidateClusters(), true);
        TranslationContext routeCtx = (validate ? ctx : ctx.withoutClusterCheck()).withClusterSpecifierPlugins(
                ClusterSpecifierPluginTranslator.named(rc.getClusterSpecifierPluginsList(),
                        path.field("cluster_specifier_plugins"), ctx));
        int maxBody = Protos.uint(rc.hasMaxDirectResponseBodySizeBytes(), rc.getMaxDirectResponseBodySizeBytes(),
                DEFAULT_MAX_DIRECT_RESPONSE_BODY);
        List<VirtualHost> vhosts = new ArrayList<>();
        Map<String, Integer> domainOwner = new HashMap<>();
        List<ForwardAction.MirrorPolicy> mirrors = ForwardActionTranslator.mirrors(rc.getRequestMirrorPoliciesList(),
                path.field("request_mirror_policies"), routeCtx);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < rc.getVirtualHostsCount(); i++) {
            FieldPath vp = path.field("virtual_hosts").index(i);
            var vh = rc.getVirtualHosts(i);
            if (vh.getName().isEmpty()) {
                throw vp.field("name").error("missing required field");
            }
            if (!names.add(vh.getName())) {
                throw vp.field("name").error("duplicate virtual host name '" + vh.getName() + "'");
            }
            if (vh.getDomainsCount() == 0) {
                throw vp.field("domains").error("must have at least one domain");
            }
            for (int d = 0; d < vh.getDomainsCount(); d++) {
                String domain = vh.getDomains(d).toLowerCase(Locale.ROOT);
                if (domain.isEmpty()) {
                    throw vp.field("domains").index(d).error("must not be empty");
                }
                Integer prev = domainOwner.putIfAbsent(domain, i);
                if (prev != null) {
                    throw vp.field("domains").index(d).error("duplicate domain '" + domain + "' (also in virtual_hosts["
                            + prev + "])");
                }
            }
            vhosts.add(virtualHost(vh, vp, routeCtx, maxBody, mirrors));
        }
        if (rc.hasVhds()) {
            // RDS configurations reach here with their VHDS hosts merged in and vhds cleared (DynamicConfig)
            throw path.field("vhds").error("VHDS is supported on route configurations from RDS only");
        }
        HeaderMutation req = HeaderTranslator.formattedMutation(rc.getRequestHeadersToAddList(),
                rc.getRequestHeadersToRemoveList(), path.field("request_headers_to_add"),
                path.field("request_headers_to_remove"), ctx);
        HeaderMutation resp = HeaderTranslator.formattedMutation(rc.getResponseHeadersToAddList(),
                rc.getResponseHeadersToRemoveList(), path.field("response_headers_to_add"),
                path.field("response_headers_to_remove"), ctx);
        List<String> internalOnly = rc.getInternalOnlyHeadersList().stream()
                .map(h -> h.toLowerCase(Locale.ROOT)).toList();
        return new RouteConfiguration(rc.getName(), List.copyOf(vhosts), req, resp, internalOnly, maxBody,
                PerFilterConfigTranslator.translate(rc.getTypedPerFilterConfigMap(),
                        path.field("typed_per_filter_config"), ctx),
                rc.getIgnorePortInHostMatching(), rc.getMostSpecificHeaderMutationsWins(),
                rc.getIgnorePathParametersInPathMatching());
    }

    /** @param configMirrors the route configuration's mirror policies, which a host without its own inherits */
    static VirtualHost virtualHost(io.envoyproxy.envoy.config.route.v3.VirtualHost vh, FieldPath path,
                                   TranslationContext ctx, int maxBody, List<ForwardAction.MirrorPolicy> configMirrors) {
        if (vh.hasMatcher() && vh.getRoutesCount() > 0) {
            throw path.field("matcher").error("cannot set both matcher and routes on virtual host");
        }
        List<ForwardAction.MirrorPolicy> mirrors = vh.getRequestMirrorPoliciesCount() > 0
                ? ForwardActionTranslator.mirrors(vh.getRequestMirrorPoliciesList(),
                        path.field("request_mirror_policies"), ctx)
                : configMirrors;
        List<Route> routes = new ArrayList<>(vh.getRoutesCount());
        int bufferLimit = vh.hasPerRequestBufferLimitBytes()
                ? RouteTranslator.requestBufferLimit(vh.getPerRequestBufferLimitBytes())
                : ForwardAction.NO_REQUEST_BUFFER_LIMIT;
        for (int i = 0; i < vh.getRoutesCount(); i++) {
            routes.add(RouteTranslator.translate(vh.getRoutes(i), path.field("routes").index(i), ctx,
                    maxBody, bufferLimit, mirrors));
        }
        HeaderMutation req = HeaderTranslator.formattedMutation(vh.getRequestHeadersToAddList(),
                vh.getRequestHeadersToRemoveList(), path.field("request_headers_to_add"),
                path.field("request_headers_to_remove"), ctx);
        HeaderMutation resp = HeaderTranslator.formattedMutation(vh.getResponseHeadersToAddList(),
                vh.getResponseHeadersToRemoveList(), path.field("response_headers_to_add"),
                path.field("response_headers_to_remove"), ctx);
        var retry = RetryPolicyTranslator.either(vh.hasRetryPolicy(), vh.getRetryPolicy(),
                vh.hasRetryPolicyTypedConfig(), vh.getRetryPolicyTypedConfig(), path, ctx);
        VirtualHost.TlsRequirement tls = switch (vh.getRequireTls()) {
            case EXTERNAL_ONLY -> VirtualHost.TlsRequirement.EXTERNAL_ONLY;
            case ALL -> VirtualHost.TlsRequirement.ALL;
            default -> VirtualHost.TlsRequirement.NONE;
        };
        return VirtualHost.builder(vh.getName(), vh.getDomainsList().stream().map(d -> d.toLowerCase(Locale.ROOT)).toList(),
                        List.copyOf(routes))
                .headers(req, resp).retryPolicy(retry).includeRequestAttemptCount(vh.getIncludeRequestAttemptCount())
                .requireTls(tls)
                .perFilterConfigs(CorsExtension.withDeprecatedPolicy(PerFilterConfigTranslator.translate(
                        vh.getTypedPerFilterConfigMap(), path.field("typed_per_filter_config"), ctx), vh.hasCors(),
                        vh.getCors(), path.field("cors"), ctx))
                .rateLimits(RateLimitPolicyTranslator.policies(vh.getRateLimitsList(), path.field("rate_limits"), ctx))
                .includeAttemptCountInResponse(vh.getIncludeAttemptCountInResponse())
                .metadata(Protos.filterMetadata(vh.getMetadata()))
                .includeIsTimeoutRetryHeader(vh.getIncludeIsTimeoutRetryHeader())
                .virtualClusters(virtualClusters(vh.getVirtualClustersList(), path.field("virtual_clusters")))
                .hedgePolicy(vh.hasHedgePolicy()
                        ? HedgePolicyTranslator.translate(vh.getHedgePolicy(), path.field("hedge_policy"), ctx) : null)
                .matcher(vh.hasMatcher() ? VirtualHostMatcherTranslator.translate(vh.getMatcher(),
                        path.field("matcher"), ctx, maxBody, bufferLimit, mirrors) : null)
                .build();
    }

    /** {@code virtual_clusters}: a name and at least one header matcher each, as Envoy requires. */
    static List<VirtualCluster> virtualClusters(List<io.envoyproxy.envoy.config.route.v3.VirtualCluster> in,
                                                FieldPath path) {
        List<VirtualCluster> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            FieldPath vp = path.index(i);
            var vc = in.get(i);
            if (vc.getName().isEmpty()) {
                throw vp.field("name").error("missing required field");
            }
            if (vc.getHeadersCount() == 0) {
                throw vp.field("headers").error("virtual clusters must define 'headers'");
            }
            out.add(new VirtualCluster(vc.getName(), HeaderTranslator.matchers(vc.getHeadersList(),
                    vp.field("headers"))));
        }
        return List.copyOf(out);
    }
}

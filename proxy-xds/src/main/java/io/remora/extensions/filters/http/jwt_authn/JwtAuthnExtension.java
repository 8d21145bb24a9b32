package io.remora.extensions.filters.http.jwt_authn;

import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.route.CompiledHeaderMatcher;
import io.remora.route.QueryParameterMatch;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.UriTemplateTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code envoy.filters.http.jwt_authn} ({@code JwtAuthentication}, per route {@code PerRouteConfig}):
 * what Istio's RequestAuthentication becomes. Keys are inline ({@code local_jwks}, Istio's default)
 * or fetched through a cluster ({@code remote_jwks}, with PILOT_JWT_ENABLE_REMOTE_JWKS).
 */
public final class JwtAuthnExtension implements HttpFilterExtension<JwtAuthnConfig> {

    @Override
    public List<String> names() {
        return List.of(JwtAuthnConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public JwtAuthnConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the jwt_authn filter needs a typed_config");
        }
        JwtAuthentication a = config.unpack(JwtAuthentication.class, path);
        Map<String, JwtProviderConfig> providers = new LinkedHashMap<>();
        a.getProvidersMap().forEach((name, p) ->
                providers.put(name, provider(name, p, path.field("providers").key(name), ctx)));
        JwtRequirementTranslator requirements = new JwtRequirementTranslator(providers);
        Map<String, JwtRequirement> requirementMap = new LinkedHashMap<>();
        a.getRequirementMapMap().forEach((name, r) ->
                requirementMap.put(name, requirements.translate(r, path.field("requirement_map").key(name))));
        List<JwtAuthnConfig.Rule> rules = new ArrayList<>();
        for (int i = 0; i < a.getRulesCount(); i++) {
            rules.add(rule(a.getRules(i), requirementMap, requirements, path.field("rules").index(i)));
        }
        String stateName = "";
        Map<String, JwtRequirement> stateRequires = new LinkedHashMap<>();
        if (a.hasFilterStateRules()) {
            FieldPath fp = path.field("filter_state_rules");
            stateName = a.getFilterStateRules().getName();
            if (stateName.isEmpty()) {
                throw fp.field("name").error("must not be empty");
            }
            a.getFilterStateRules().getRequiresMap().forEach((k, r) ->
                    stateRequires.put(k, requirements.translate(r, fp.field("requires").key(k))));
        }
        return new JwtAuthnConfig(List.copyOf(providers.values()), rules, requirementMap, stateName, stateRequires,
                a.getBypassCorsPreflight(), a.getStripFailureResponse(), a.getStatPrefix());
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        PerRouteConfig r = config.unpack(PerRouteConfig.class, path);
        return switch (r.getRequirementSpecifierCase()) {
            case DISABLED -> {
                if (!r.getDisabled()) {
                    throw path.field("disabled").error("must be true when set");
                }
                yield new JwtAuthnPerRouteConfig(true, "");
            }
            case REQUIREMENT_NAME -> {
                if (r.getRequirementName().isEmpty()) {
                    throw path.field("requirement_name").error("must not be empty");
                }
                yield new JwtAuthnPerRouteConfig(false, r.getRequirementName());
            }
            case REQUIREMENTSPECIFIER_NOT_SET -> throw path.error(
                    "missing required field: one of disabled, requirement_name");
        };
    }

    @Override
    public HttpFilterFactory.Provider<JwtAuthnConfig> runtime() {
        return new JwtAuthnFilterProvider();
    }

    private static JwtProviderConfig provider(String name, JwtProvider p, FieldPath path, TranslationContext ctx) {
        if (!p.hasLocalJwks() && !p.hasRemoteJwks()) {
            throw path.error("missing required field: one of remote_jwks, local_jwks");
        }
        // As Envoy: max_lifetime wins over require_expiration, which only asks for an exp.
        long maxLifetime = p.hasMaxLifetime() ? Math.max(0, p.getMaxLifetime().getSeconds())
                : p.getRequireExpiration() ? Long.MAX_VALUE : JwtProviderConfig.NO_LIFETIME_LIMIT;
        RemoteJwksConfig remote = p.hasRemoteJwks()
                ? remote(p.getRemoteJwks(), path.field("remote_jwks"), ctx) : null;
        JwksKeys keys = JwksKeys.EMPTY;
        if (remote == null) {
            String jwks = Protos.dataSource(p.getLocalJwks(), path.field("local_jwks"));
            keys = JwksKeys.parse(jwks == null ? "" : jwks);
        }
        if (remote == null && keys.problem() != null) {
            // As Envoy: a bad key set is not a config error; its tokens fail verification.
            ctx.warnOnce("jwt_authn:jwks:" + name, "jwt_authn provider '" + name + "': " + keys.problem()
                    + " (" + keys.keys().size() + " usable keys), at " + path.field("local_jwks"));
        }
        List<JwtProviderConfig.HeaderLocation> headers = new ArrayList<>();
        for (int i = 0; i < p.getFromHeadersCount(); i++) {
            JwtHeader h = p.getFromHeaders(i);
            if (h.getName().isEmpty()) {
                throw path.field("from_headers").index(i).field("name").error("must not be empty");
            }
            headers.add(new JwtProviderConfig.HeaderLocation(lower(h.getName()), h.getValuePrefix()));
        }
        List<String> params = p.getFromParamsList();
        if (headers.isEmpty() && params.isEmpty() && p.getFromCookiesCount() == 0) {
            headers.add(new JwtProviderConfig.HeaderLocation("authorization", "Bearer "));
            params = List.of("access_token");
        }
        List<JwtProviderConfig.ClaimToHeader> claims = new ArrayList<>();
        for (int i = 0; i < p.getClaimToHeadersCount(); i++) {
            var c = p.getClaimToHeaders(i);
            FieldPath cp = path.field("claim_to_headers").index(i);
            if (c.getHeaderName().isEmpty()) {
                throw cp.field("header_name").error("must not be empty");
            }
            if (c.getClaimName().isEmpty()) {
                throw cp.field("claim_name").error("must not be empty");
            }
            claims.add(new JwtProviderConfig.ClaimToHeader(lower(c.getHeaderName()), c.getClaimName()));
        }
        return JwtProviderConfig.builder(name)
                .issuer(p.getIssuer())
                .audiences(p.getAudiencesList())
                .keys(keys)
                .remote(remote)
                .forward(p.getForward())
                .headers(headers)
                .params(params)
                .cookies(p.getFromCookiesList())
                .forwardPayloadHeader(lower(p.getForwardPayloadHeader()))
                .padForwardPayloadHeader(p.getPadForwardPayloadHeader())
                .payloadInMetadata(p.getPayloadInMetadata())
                .headerInMetadata(p.getHeaderInMetadata())
                .spaceDelimitedClaims(Set.copyOf(p.getNormalizePayloadInMetadata().getSpaceDelimitedClaimsList()))
                .clockSkewSeconds(p.getClockSkewSeconds() > 0 ? p.getClockSkewSeconds()
                        : JwtProviderConfig.DEFAULT_CLOCK_SKEW_SECONDS)
                .claimToHeaders(claims)
                .clearRouteCache(p.getClearRouteCache())
                .subjects(p.hasSubjects() ? StringMatcherTranslator.translate(p.getSubjects(), path.field("subjects")) : null)
                .maxLifetimeSeconds(maxLifetime)
                .jwtCache(p.hasJwtCacheConfig() ? JwtCache.Limits.of(p.getJwtCacheConfig().getJwtCacheSize(),
                        p.getJwtCacheConfig().getJwtMaxTokenSize()) : null)
                .failedStatusInMetadata(p.getFailedStatusInMetadata())
                .build();
    }

    static RemoteJwksConfig remote(RemoteJwks r, FieldPath path, TranslationContext ctx) {
        FieldPath up = path.field("http_uri");
        if (!r.hasHttpUri()) {
            throw up.error("missing required field");
        }
        var h = r.getHttpUri();
        if (h.getUri().isEmpty()) {
            throw up.field("uri").error("must not be empty");
        }
        URI uri;
        try {
            uri = new URI(h.getUri());
        } catch (URISyntaxException e) {
            throw up.field("uri").error("is not a URI: " + e.getMessage());
        }
        if (uri.getRawAuthority() == null) {
            throw up.field("uri").error("must be absolute (scheme://host/path): " + h.getUri());
        }
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        if (h.getCluster().isEmpty()) {
            throw up.field("cluster").error("missing required field: the JWKS is fetched through a cluster");
        }
        ctx.requireCluster(up.field("cluster"), h.getCluster());
        if (!h.hasTimeout()) {
            throw up.field("timeout").error("missing required field");
        }
        Duration timeout = Protos.duration(h.getTimeout());
        if (timeout.isNegative()) {
            throw up.field("timeout").error("must not be negative");
        }
        Duration cache = Protos.duration(r.hasCacheDuration(), r.getCacheDuration(),
                RemoteJwksConfig.DEFAULT_CACHE_DURATION);
        if (cache.isNegative() || cache.isZero()) {
            throw path.field("cache_duration").error("must be positive");
        }
        if (cache.getSeconds() > 0) {
            cache = Duration.ofSeconds(cache.getSeconds()); // Envoy keeps whole seconds of it (durationToSeconds)
        }
        RemoteJwksConfig.AsyncFetch async = null;
        if (r.hasAsyncFetch()) {
            var a = r.getAsyncFetch();
            Duration failed = Protos.duration(a.hasFailedRefetchDuration(), a.getFailedRefetchDuration(),
                    RemoteJwksConfig.DEFAULT_FAILED_REFETCH);
            if (failed.isNegative() || failed.isZero()) {
                throw path.field("async_fetch").field("failed_refetch_duration").error("must be positive");
            }
            async = new RemoteJwksConfig.AsyncFetch(a.getFastListener(), failed);
        }
        return new RemoteJwksConfig(h.getUri(), uri.getRawAuthority(), target, h.getCluster(), timeout, cache,
                async, r.hasRetryPolicy() ? retry(r.getRetryPolicy(), path.field("retry_policy"), ctx) : null);
    }

    /** Envoy's defaults for a JWKS retry policy: one retry, back-off from 1 s up to ten times that. */
    private static RemoteJwksConfig.Retry retry(io.envoyproxy.envoy.config.core.v3.RetryPolicy p, FieldPath path,
                                                TranslationContext ctx) {
        int retries = p.hasNumRetries() ? p.getNumRetries().getValue() : 1;
        Duration base = Duration.ofSeconds(1);
        Duration max = null;
        if (p.hasRetryBackOff()) {
            var b = p.getRetryBackOff();
            if (!b.hasBaseInterval()) {
                throw path.field("retry_back_off").field("base_interval").error("missing required field");
            }
            base = Protos.duration(b.getBaseInterval());
            if (base.isNegative() || base.isZero()) {
                throw path.field("retry_back_off").field("base_interval").error("must be positive");
            }
            if (b.hasMaxInterval()) {
                max = Protos.duration(b.getMaxInterval());
                if (max.compareTo(base) < 0) {
                    throw path.field("retry_back_off").field("max_interval")
                            .error("must not be below base_interval");
                }
            }
        }
        if (!p.getRetryOn().isEmpty() || p.hasRetryPriority() || p.getRetryHostPredicateCount() > 0
                || p.getHostSelectionRetryMaxAttempts() != 0) {
            ctx.warnOnce("jwt_authn:retry_policy", "jwt_authn remote_jwks retries on 5xx, resets and connect"
                    + " failures only, on any host; ignoring retry_on, retry_priority, retry_host_predicate and"
                    + " host_selection_retry_max_attempts, first at " + path);
        }
        return new RemoteJwksConfig.Retry(retries, base, max != null ? max : base.multipliedBy(10));
    }

    private static JwtAuthnConfig.Rule rule(RequirementRule r, Map<String, JwtRequirement> requirementMap,
                                            JwtRequirementTranslator requirements, FieldPath path) {
        if (!r.hasMatch()) {
            throw path.field("match").error("missing required field");
        }
        JwtRouteMatch match = match(r.getMatch(), path.field("match"));
        JwtRequirement requirement = switch (r.getRequirementTypeCase()) {
            case REQUIRES -> requirements.translate(r.getRequires(), path.field("requires"));
            case REQUIREMENT_NAME -> {
                JwtRequirement named = requirementMap.get(r.getRequirementName());
                if (named == null) {
                    throw path.field("requirement_name").error("Wrong requirement_name: " + r.getRequirementName()
                            + ", it is not in requirement_map");
                }
                yield named;
            }
            // Envoy: a rule without a requirement lets what it matches through unverified.
            case REQUIREMENTTYPE_NOT_SET -> null;
        };
        return new JwtAuthnConfig.Rule(match, requirement);
    }

    static JwtRouteMatch match(RouteMatch m, FieldPath path) {
        String unsupported = m.hasGrpc() ? "grpc" : m.hasRuntimeFraction() ? "runtime_fraction"
                : m.getDynamicMetadataCount() > 0 ? "dynamic_metadata" : m.hasTlsContext() ? "tls_context" : null;
        if (unsupported != null) {
            throw path.field(unsupported).error("is not supported in jwt_authn rules, which match on the path,"
                    + " headers and query parameters");
        }
        boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
        List<CompiledHeaderMatcher> headers = HeaderTranslator.matchers(m.getHeadersList(), path.field("headers"))
                .stream().map(CompiledHeaderMatcher::forRequest).toList();
        QueryParameterMatch query = m.getQueryParametersCount() == 0 ? null : QueryParameterMatch.asSent(
                HeaderTranslator.queryParameters(m.getQueryParametersList(), path.field("query_parameters")));
        return switch (m.getPathSpecifierCase()) {
            case PREFIX -> new JwtRouteMatch(JwtRouteMatch.Kind.PREFIX, m.getPrefix(), null, null, caseSensitive,
                    headers, query);
            case PATH -> new JwtRouteMatch(JwtRouteMatch.Kind.PATH, m.getPath(), null, null, caseSensitive, headers,
                    query);
            case PATH_SEPARATED_PREFIX -> new JwtRouteMatch(JwtRouteMatch.Kind.PATH_SEPARATED_PREFIX,
                    m.getPathSeparatedPrefix(), null, null, caseSensitive, headers, query);
            case SAFE_REGEX -> new JwtRouteMatch(JwtRouteMatch.Kind.REGEX, null,
                    StringMatcherTranslator.regex(m.getSafeRegex(), path.field("safe_regex")), null, true, headers, query);
            case PATH_MATCH_POLICY -> new JwtRouteMatch(JwtRouteMatch.Kind.TEMPLATE, null, null,
                    UriTemplateTranslator.match(m.getPathMatchPolicy(), path.field("path_match_policy")), true, headers,
                    query);
            case CONNECT_MATCHER -> new JwtRouteMatch(JwtRouteMatch.Kind.CONNECT, null, null, null, true, headers,
                    query);
            default -> throw path.error("missing required field: one of prefix, path, safe_regex, connect_matcher,"
                    + " path_separated_prefix, path_match_policy");
        };
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}

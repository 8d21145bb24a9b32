package io.remora.extensions.filters.http.jwt_authn;

import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.route.CompiledHeaderMatcher;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code envoy.filters.http.jwt_authn} ({@code JwtAuthentication}, per route {@code PerRouteConfig}):
 * what Istio's RequestAuthentication becomes. Keys must be local ({@code local_jwks}, which Istio
 * inlines by default); a provider with {@code remote_jwks} is refused rather than run unverified.
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
        if (p.hasRemoteJwks()) {
            throw path.field("remote_jwks").error("remote JWKS fetching is not supported: inline the keys in"
                    + " local_jwks (Istio does so unless PILOT_JWT_ENABLE_REMOTE_JWKS is set)");
        }
        if (!p.hasLocalJwks()) {
            throw path.error("missing required field: one of remote_jwks, local_jwks");
        }
        if (p.hasSubjects()) {
            throw path.field("subjects").error("subject matching is not supported");
        }
        if (p.getRequireExpiration()) {
            throw path.field("require_expiration").error("is not supported");
        }
        if (p.hasMaxLifetime()) {
            throw path.field("max_lifetime").error("is not supported");
        }
        if (!p.getFailedStatusInMetadata().isEmpty()) {
            ctx.warnOnce("jwt_authn:failed_status_in_metadata", "ignoring jwt_authn failed_status_in_metadata,"
                    + " first at " + path.field("failed_status_in_metadata"));
        }
        String jwks = Protos.dataSource(p.getLocalJwks(), path.field("local_jwks"));
        JwksKeys keys = JwksKeys.parse(jwks == null ? "" : jwks);
        if (keys.problem() != null) {
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
                .build();
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
        if (m.getQueryParametersCount() > 0) {
            throw path.field("query_parameters").error("is not supported in jwt_authn rules");
        }
        if (m.hasGrpc() || m.hasRuntimeFraction() || m.getDynamicMetadataCount() > 0 || m.hasTlsContext()) {
            throw path.error("jwt_authn rules match on the path and headers only");
        }
        boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
        List<CompiledHeaderMatcher> headers = HeaderTranslator.matchers(m.getHeadersList(), path.field("headers"))
                .stream().map(CompiledHeaderMatcher::new).toList();
        return switch (m.getPathSpecifierCase()) {
            case PREFIX -> new JwtRouteMatch(JwtRouteMatch.Kind.PREFIX, m.getPrefix(), null, caseSensitive, headers);
            case PATH -> new JwtRouteMatch(JwtRouteMatch.Kind.PATH, m.getPath(), null, caseSensitive, headers);
            case PATH_SEPARATED_PREFIX -> new JwtRouteMatch(JwtRouteMatch.Kind.PATH_SEPARATED_PREFIX,
                    m.getPathSeparatedPrefix(), null, caseSensitive, headers);
            case SAFE_REGEX -> new JwtRouteMatch(JwtRouteMatch.Kind.REGEX, null,
                    StringMatcherTranslator.regex(m.getSafeRegex(), path.field("safe_regex")), true, headers);
            default -> throw path.error("jwt_authn rules take prefix, path, path_separated_prefix or safe_regex");
        };
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}

package io.remora.xds.translate;

import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.internal_redirect.allow_listed_routes.v3.AllowListedRoutesConfig;
import io.remora.config.InternalRedirectPolicy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code RouteAction.internal_redirect_policy} (and the deprecated {@code internal_redirect_action:
 * HANDLE_INTERNAL_REDIRECT} with {@code max_internal_redirects}), as Envoy's
 * InternalRedirectPolicyImpl reads them.
 */
final class InternalRedirectPolicyTranslator {
    private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);
    private static final String PREVIOUS_ROUTES =
            "envoy.extensions.internal_redirect.previous_routes.v3.PreviousRoutesConfig";
    private static final String ALLOW_LISTED_ROUTES =
            "envoy.extensions.internal_redirect.allow_listed_routes.v3.AllowListedRoutesConfig";
    private static final String SAFE_CROSS_SCHEME =
            "envoy.extensions.internal_redirect.safe_cross_scheme.v3.SafeCrossSchemeConfig";

    private InternalRedirectPolicyTranslator() {
    }

    /** The route's policy, or null when it passes every redirect to the client. */
    static InternalRedirectPolicy translate(RouteAction a, FieldPath path) {
        if (a.hasInternalRedirectPolicy()) {
            return policy(a.getInternalRedirectPolicy(), path.field("internal_redirect_policy"));
        }
        if (a.getInternalRedirectAction() == RouteAction.InternalRedirectAction.HANDLE_INTERNAL_REDIRECT) {
            // Envoy builds the default policy from the deprecated fields: 302 only, no predicates.
            return InternalRedirectPolicy.builder()
                    .maxInternalRedirects(a.hasMaxInternalRedirects() ? a.getMaxInternalRedirects().getValue() : 1)
                    .build();
        }
        return null;
    }

    static InternalRedirectPolicy policy(io.envoyproxy.envoy.config.route.v3.InternalRedirectPolicy p, FieldPath path) {
        if (p.getRedirectResponseCodesCount() > 5) {
            throw path.field("redirect_response_codes").error("at most 5 codes, not " + p.getRedirectResponseCodesCount());
        }
        Set<Integer> codes = Set.of(302);
        if (p.getRedirectResponseCodesCount() > 0) {
            // As Envoy: a code that is not a redirect is dropped, not refused (the set may end up empty).
            codes = new HashSet<>();
            for (int c : p.getRedirectResponseCodesList()) {
                if (REDIRECT_CODES.contains(c)) {
                    codes.add(c);
                }
            }
        }
        List<InternalRedirectPolicy.Predicate> predicates = new ArrayList<>();
        for (int i = 0; i < p.getPredicatesCount(); i++) {
            predicates.add(predicate(p.getPredicates(i), path.field("predicates").index(i)));
        }
        Set<String> copy = new LinkedHashSet<>();
        for (int i = 0; i < p.getResponseHeadersToCopyCount(); i++) {
            FieldPath hp = path.field("response_headers_to_copy").index(i);
            String name = p.getResponseHeadersToCopy(i).toLowerCase(Locale.ROOT);
            if (name.startsWith(":") || name.equals("host")) {
                // Envoy's isModifiableHeader: the redirect itself sets the target's pseudo-headers and host.
                throw hp.error(":-prefixed headers or Hosts may not be specified here");
            }
            if (!isToken(name)) {
                throw hp.error("'" + p.getResponseHeadersToCopy(i) + "' is not a header name");
            }
            if (!copy.add(name)) {
                throw hp.error("duplicate header '" + name + "'");
            }
        }
        return InternalRedirectPolicy.builder()
                .redirectResponseCodes(codes)
                .maxInternalRedirects(p.hasMaxInternalRedirects() ? p.getMaxInternalRedirects().getValue() : 1)
                .predicates(predicates)
                .allowCrossSchemeRedirect(p.getAllowCrossSchemeRedirect())
                .responseHeadersToCopy(List.copyOf(copy))
                .build();
    }

    private static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static InternalRedirectPolicy.Predicate predicate(
            io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig e, FieldPath path) {
        FieldPath tp = path.field("typed_config");
        if (!e.hasTypedConfig()) {
            throw tp.error("missing required field");
        }
        TypedConfig tc = TypedConfig.of(e.getTypedConfig(), tp);
        return switch (tc.typeName()) {
            case PREVIOUS_ROUTES -> new InternalRedirectPolicy.PreviousRoutes();
            case SAFE_CROSS_SCHEME -> new InternalRedirectPolicy.SafeCrossScheme();
            case ALLOW_LISTED_ROUTES -> {
                AllowListedRoutesConfig c = tc.unpack(AllowListedRoutesConfig.class, tp);
                for (int i = 0; i < c.getAllowedRouteNamesCount(); i++) {
                    if (c.getAllowedRouteNames(i).isEmpty()) {
                        throw tp.field("allowed_route_names").index(i).error("must not be empty");
                    }
                }
                yield new InternalRedirectPolicy.AllowListedRoutes(Set.copyOf(c.getAllowedRouteNamesList()));
            }
            default -> throw tp.error("unknown internal redirect predicate type '" + tc.typeName()
                    + "' (previous_routes, allow_listed_routes and safe_cross_scheme are supported)");
        };
    }
}

package io.remora.config;

import java.util.List;
import java.util.Set;

/**
 * {@code config.route.v3.InternalRedirectPolicy}: which upstream redirects the router follows
 * itself, re-running the request through the connection manager instead of passing the redirect
 * to the client.
 *
 * @param redirectResponseCodes  statuses that are followed (of 301, 302, 303, 307, 308); Envoy's
 *                               default is 302 alone, and a code outside that set is dropped, so
 *                               the set may end up empty (nothing followed)
 * @param maxInternalRedirects   redirects one downstream request may take, counted across every
 *                               route it passes (default 1)
 * @param predicates             each must accept the target route, in order
 * @param allowCrossSchemeRedirect whether a Location of the other scheme (http vs https) is followed
 * @param responseHeadersToCopy  lower-cased names copied from the redirect response onto the
 *                               redirected request (replacing, or removing when absent)
 */
public record InternalRedirectPolicy(
        Set<Integer> redirectResponseCodes,
        int maxInternalRedirects,
        List<Predicate> predicates,
        boolean allowCrossSchemeRedirect,
        List<String> responseHeadersToCopy) {

    public InternalRedirectPolicy {
        redirectResponseCodes = redirectResponseCodes == null ? Set.of(302) : Set.copyOf(redirectResponseCodes);
        predicates = predicates == null ? List.of() : List.copyOf(predicates);
        responseHeadersToCopy = responseHeadersToCopy == null ? List.of() : List.copyOf(responseHeadersToCopy);
        if (maxInternalRedirects < 0) {
            throw new IllegalArgumentException("maxInternalRedirects must not be negative");
        }
    }

    public boolean followsStatus(int status) {
        return redirectResponseCodes.contains(status);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code envoy.internal_redirect_predicates.*}: whether a redirect may go to its target route. */
    public sealed interface Predicate permits PreviousRoutes, AllowListedRoutes, SafeCrossScheme {
    }

    /**
     * {@code previous_routes}: a route whose policy has this predicate redirects to each target route
     * at most once per downstream request.
     */
    public record PreviousRoutes() implements Predicate {
    }

    /** {@code allow_listed_routes}: only to these route names. */
    public record AllowListedRoutes(Set<String> routeNames) implements Predicate {
        public AllowListedRoutes {
            routeNames = Set.copyOf(routeNames);
        }
    }

    /** {@code safe_cross_scheme}: never from an https request to an http target. */
    public record SafeCrossScheme() implements Predicate {
    }

    /** Envoy's defaults: 302 only, one redirect, no predicates, same scheme, nothing copied. */
    public static final class Builder {
        private Set<Integer> redirectResponseCodes = Set.of(302);
        private int maxInternalRedirects = 1;
        private List<Predicate> predicates = List.of();
        private boolean allowCrossSchemeRedirect;
        private List<String> responseHeadersToCopy = List.of();

        private Builder() {
        }

        public Builder redirectResponseCodes(Set<Integer> v) {
            redirectResponseCodes = v;
            return this;
        }

        public Builder maxInternalRedirects(int v) {
            maxInternalRedirects = v;
            return this;
        }

        public Builder predicates(List<Predicate> v) {
            predicates = v;
            return this;
        }

        public Builder allowCrossSchemeRedirect(boolean v) {
            allowCrossSchemeRedirect = v;
            return this;
        }

        public Builder responseHeadersToCopy(List<String> v) {
            responseHeadersToCopy = v;
            return this;
        }

        public InternalRedirectPolicy build() {
            return new InternalRedirectPolicy(redirectResponseCodes, maxInternalRedirects, predicates,
                    allowCrossSchemeRedirect, responseHeadersToCopy);
        }
    }
}

package io.remora.extensions.filters.http.jwt_authn;

import java.util.List;

/**
 * A translated {@code JwtRequirement}: the tree Envoy's {@code Verifier::create} builds, with the
 * extractor of each leaf made once at translation.
 */
sealed interface JwtRequirement {

    /** {@code provider_name} / {@code provider_and_audiences}: every token at its locations must verify. */
    record Provider(JwtProviderConfig provider, List<String> audiences, JwtExtractor extractor)
            implements JwtRequirement {
    }

    /**
     * {@code requires_any}. As Envoy since 1.19, {@code allow_missing} / {@code allow_missing_or_failed}
     * among the alternatives are flags on the group (they only soften its aggregated failure), and
     * become a child only when nothing else is listed.
     */
    record Any(List<JwtRequirement> children, boolean allowMissing, boolean allowMissingOrFailed)
            implements JwtRequirement {
        public Any {
            children = List.copyOf(children);
        }
    }

    /** {@code requires_all}: the first failure is the answer. */
    record All(List<JwtRequirement> children) implements JwtRequirement {
        public All {
            children = List.copyOf(children);
        }
    }

    /**
     * {@code allow_missing} / {@code allow_missing_or_failed} on their own: tokens at any
     * provider's location are verified with the provider of their issuer; a missing one passes,
     * a failed one too when {@code orFailed}.
     */
    record AllowMissing(JwtExtractor extractor, boolean orFailed) implements JwtRequirement {
    }

    /** A requirement with nothing set: passes. */
    record AllowAll() implements JwtRequirement {
    }
}

package io.remora.extensions.filters.http.jwt_authn;

import java.util.List;
import java.util.Set;

/**
 * One {@code JwtProvider}: who issues its tokens, where they travel, how they are checked and
 * what a good one leaves behind.
 *
 * @param name                     its key in {@code providers}
 * @param issuer                   empty: any issuer
 * @param audiences                empty: any audience
 * @param headers                  {@code from_headers}; with params and cookies empty, Envoy's
 *                                 defaults ({@code Authorization: Bearer}, {@code access_token})
 * @param keys                     {@code local_jwks}; empty with {@code remote}
 * @param remote                   {@code remote_jwks}, or null for local keys
 * @param clockSkewSeconds         already defaulted (60)
 * @param spaceDelimitedClaims     {@code normalize_payload_in_metadata}: string claims turned into
 *                                 lists in the metadata
 * @param subjects                 what the {@code sub} claim must match, or null
 * @param maxLifetimeSeconds       the longest remaining lifetime ({@code exp} - now) a token may
 *                                 have ({@code max_lifetime}; {@code require_expiration} alone:
 *                                 {@link Long#MAX_VALUE}), {@link #NO_LIFETIME_LIMIT} when {@code exp}
 *                                 may be absent
 * @param jwtCache                 {@code jwt_cache_config}'s bounds, or null when tokens are not cached
 * @param failedStatusInMetadata   the metadata key under which a failed token's status is left; empty: none
 */
record JwtProviderConfig(String name, String issuer, List<String> audiences, JwksKeys keys, RemoteJwksConfig remote,
                         boolean forward,
                         List<HeaderLocation> headers, List<String> params, List<String> cookies,
                         String forwardPayloadHeader, boolean padForwardPayloadHeader, String payloadInMetadata,
                         String headerInMetadata, Set<String> spaceDelimitedClaims, long clockSkewSeconds,
                         List<ClaimToHeader> claimToHeaders, boolean clearRouteCache,
                         io.remora.config.StringMatcher subjects, long maxLifetimeSeconds,
                         JwtCache.Limits jwtCache, String failedStatusInMetadata) {

    /** {@link #maxLifetimeSeconds} when a token needs no {@code exp}. */
    static final long NO_LIFETIME_LIMIT = -1;

    static final long DEFAULT_CLOCK_SKEW_SECONDS = 60;

    /** {@code JwtHeader}: the header name (lower case) and the text before the token. */
    record HeaderLocation(String name, String valuePrefix) {
    }

    /** {@code JwtClaimToHeader}; the header name lower case. */
    record ClaimToHeader(String headerName, String claimName) {
    }

    JwtProviderConfig {
        audiences = List.copyOf(audiences);
        headers = List.copyOf(headers);
        params = List.copyOf(params);
        cookies = List.copyOf(cookies);
        spaceDelimitedClaims = Set.copyOf(spaceDelimitedClaims);
        claimToHeaders = List.copyOf(claimToHeaders);
    }

    static Builder builder(String name) {
        return new Builder(name);
    }

    static final class Builder {
        private final String name;
        private String issuer = "";
        private List<String> audiences = List.of();
        private JwksKeys keys = JwksKeys.EMPTY;
        private RemoteJwksConfig remote;
        private boolean forward;
        private List<HeaderLocation> headers = List.of();
        private List<String> params = List.of();
        private List<String> cookies = List.of();
        private String forwardPayloadHeader = "";
        private boolean padForwardPayloadHeader;
        private String payloadInMetadata = "";
        private String headerInMetadata = "";
        private Set<String> spaceDelimitedClaims = Set.of();
        private long clockSkewSeconds = DEFAULT_CLOCK_SKEW_SECONDS;
        private List<ClaimToHeader> claimToHeaders = List.of();
        private boolean clearRouteCache;
        private io.remora.config.StringMatcher subjects;
        private long maxLifetimeSeconds = NO_LIFETIME_LIMIT;
        private JwtCache.Limits jwtCache;
        private String failedStatusInMetadata = "";

        private Builder(String name) {
            this.name = name;
        }

        Builder issuer(String v) { issuer = v; return this; }
        Builder audiences(List<String> v) { audiences = v; return this; }
        Builder keys(JwksKeys v) { keys = v; return this; }
        Builder remote(RemoteJwksConfig v) { remote = v; return this; }
        Builder forward(boolean v) { forward = v; return this; }
        Builder headers(List<HeaderLocation> v) { headers = v; return this; }
        Builder params(List<String> v) { params = v; return this; }
        Builder cookies(List<String> v) { cookies = v; return this; }
        Builder forwardPayloadHeader(String v) { forwardPayloadHeader = v; return this; }
        Builder padForwardPayloadHeader(boolean v) { padForwardPayloadHeader = v; return this; }
        Builder payloadInMetadata(String v) { payloadInMetadata = v; return this; }
        Builder headerInMetadata(String v) { headerInMetadata = v; return this; }
        Builder spaceDelimitedClaims(Set<String> v) { spaceDelimitedClaims = v; return this; }
        Builder clockSkewSeconds(long v) { clockSkewSeconds = v; return this; }
        Builder claimToHeaders(List<ClaimToHeader> v) { claimToHeaders = v; return this; }
        Builder clearRouteCache(boolean v) { clearRouteCache = v; return this; }
        Builder subjects(io.remora.config.StringMatcher v) { subjects = v; return this; }
        Builder maxLifetimeSeconds(long v) { maxLifetimeSeconds = v; return this; }
        Builder jwtCache(JwtCache.Limits v) { jwtCache = v; return this; }
        Builder failedStatusInMetadata(String v) { failedStatusInMetadata = v; return this; }

        JwtProviderConfig build() {
            return new JwtProviderConfig(name, issuer, audiences, keys, remote, forward, headers, params, cookies,
                    forwardPayloadHeader, padForwardPayloadHeader, payloadInMetadata, headerInMetadata,
                    spaceDelimitedClaims, clockSkewSeconds, claimToHeaders, clearRouteCache, subjects,
                    maxLifetimeSeconds, jwtCache, failedStatusInMetadata);
        }
    }
}

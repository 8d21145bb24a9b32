package io.remora.extensions.filters.http.jwt_authn;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One request's verification: the headers the requirement reads and rewrites, and what the good
 * tokens (and, with {@code failed_status_in_metadata}, the failed ones) leave (Envoy's verifier
 * {@code Context}). Metadata is published once the whole requirement is decided, whatever the outcome.
 */
final class JwtVerification {

    /** Stands for a remote key set whose fetch failed, for the rest of the request. */
    static final JwksKeys FETCH_FAILED = new JwksKeys(List.of(), "Jwks remote fetch is failed");

    final Http2Headers headers;
    final long nowSeconds;
    private final List<JwtProviderConfig> providers;
    /**
     * {@code payload_in_metadata} / {@code header_in_metadata} / {@code failed_status_in_metadata}
     * key → struct, for dynamic metadata.
     */
    final Map<String, Object> extracted = new LinkedHashMap<>();
    boolean clearRouteCache;
    /**
     * Remote providers' keys by provider name, taken once per request so that one request sees
     * one key set even if the cache changes under it.
     */
    final Map<String, JwksKeys> remoteKeys;
    /** Remote providers a token reached whose keys are not in {@link #remoteKeys}. */
    final Set<String> unresolved = new LinkedHashSet<>();
    /** The providers' JWT caches by provider name (those with {@code jwt_cache_config}). */
    private final Map<String, JwtCache> jwtCaches;
    /** Where cache hits and misses count; null for a trial, which neither counts nor caches. */
    private final JwtAuthnStats stats;

    JwtVerification(Http2Headers headers, List<JwtProviderConfig> providers, long nowSeconds) {
        this(headers, providers, nowSeconds, new HashMap<>(), Map.of(), null);
    }

    JwtVerification(Http2Headers headers, List<JwtProviderConfig> providers, long nowSeconds,
                    Map<String, JwksKeys> remoteKeys, Map<String, JwtCache> jwtCaches, JwtAuthnStats stats) {
        this.headers = headers;
        this.providers = providers;
        this.nowSeconds = nowSeconds;
        this.remoteKeys = remoteKeys;
        this.jwtCaches = jwtCaches;
        this.stats = stats;
    }

    /**
     * The named provider's cached token for this text, counting the hit or miss (Envoy counts a
     * miss for every token of a named provider, with or without a cache); null on a miss.
     */
    JwtToken cached(JwtProviderConfig p, String token) {
        JwtCache cache = jwtCaches.get(p.name());
        JwtToken t = cache == null ? null : cache.lookup(token, nowSeconds);
        if (stats != null) {
            (t != null ? stats.jwtCacheHit : stats.jwtCacheMiss).increment();
        }
        return t;
    }

    /** Keeps a named provider's verified token, unless this is a trial. */
    void remember(JwtProviderConfig p, String token, JwtToken t) {
        JwtCache cache = jwtCaches.get(p.name());
        if (cache != null && stats != null) {
            cache.insert(token, t);
        }
    }

    /**
     * A run on a copy of the headers, sharing the keys: evaluating it tells which remote key sets
     * the request needs without touching the request (evaluation rewrites headers).
     */
    JwtVerification trial() {
        return new JwtVerification(new DefaultHttp2Headers(false).add(headers), providers, nowSeconds, remoteKeys,
                jwtCaches, null);
    }

    /** The signature check with the provider's keys; a remote provider without them yet is noted. */
    JwtStatus signature(JwtToken t, JwtProviderConfig p) {
        if (p.remote() == null) {
            return JwtVerifier.signature(t, p.keys());
        }
        JwksKeys keys = remoteKeys.get(p.name());
        if (keys == null) {
            unresolved.add(p.name());
            return JwtStatus.JWKS_FETCH_FAILED;
        }
        return keys == FETCH_FAILED ? JwtStatus.JWKS_FETCH_FAILED : JwtVerifier.signature(t, keys);
    }

    /** Envoy's {@code JwksCache::getSingleProvider}: the provider when the filter has just one, else null. */
    JwtProviderConfig singleProvider() {
        return providers.size() == 1 ? providers.get(0) : null;
    }

    /**
     * For allow_missing leaves, which serve every provider: the first with this issuer, else the
     * first that names no issuer (Envoy's {@code JwksCache::findByIssuer}).
     */
    JwtProviderConfig providerOfIssuer(String iss) {
        for (JwtProviderConfig p : providers) {
            if (p.issuer().equals(iss)) {
                return p;
            }
        }
        for (JwtProviderConfig p : providers) {
            if (p.issuer().isEmpty()) {
                return p;
            }
        }
        return null;
    }

    JwtStatus evaluate(JwtRequirement r) {
        if (r instanceof JwtRequirement.Provider p) {
            p.extractor().sanitize(headers);
            return JwtAuthenticator.authenticate(this, p.extractor().extract(headers), p.provider(),
                    p.audiences(), false, false);
        }
        if (r instanceof JwtRequirement.AllowMissing m) {
            m.extractor().sanitize(headers);
            return JwtAuthenticator.authenticate(this, m.extractor().extract(headers), null, null,
                    m.orFailed(), true);
        }
        if (r instanceof JwtRequirement.All all) {
            for (JwtRequirement c : all.children()) {
                JwtStatus s = evaluate(c);
                if (s != JwtStatus.OK) {
                    return s;
                }
            }
            return JwtStatus.OK;
        }
        if (r instanceof JwtRequirement.Any any) {
            return any(any);
        }
        return JwtStatus.OK;
    }

    /**
     * Envoy's AnyVerifier: the first child that passes ends it; else the children's failures are
     * aggregated preferring a real error over "missing" or "issuer not configured" (a token meant
     * for another provider), and "issuer not configured" over "missing".
     */
    private JwtStatus any(JwtRequirement.Any any) {
        JwtStatus aggregated = JwtStatus.MISSING;
        for (JwtRequirement c : any.children()) {
            JwtStatus s = evaluate(c);
            if (s == JwtStatus.OK) {
                return s;
            }
            if (s != JwtStatus.MISSING && s != JwtStatus.UNKNOWN_ISSUER || aggregated == JwtStatus.MISSING) {
                aggregated = s;
            }
        }
        if (any.allowMissingOrFailed() || any.allowMissing() && aggregated == JwtStatus.MISSING) {
            return JwtStatus.OK;
        }
        return aggregated;
    }
}

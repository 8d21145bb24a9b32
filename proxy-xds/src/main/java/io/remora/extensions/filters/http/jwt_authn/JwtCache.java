package io.remora.extensions.filters.http.jwt_authn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Envoy's per-provider {@code JwtCache} ({@code jwt_cache_config}): tokens that verified, by their
 * text, least recently used out first. A hit spares the signature check and so the keys (a remote
 * key set is not fetched for it); the time and audience checks still run. Shared by the workers
 * (Envoy keeps one per worker).
 */
final class JwtCache {

    /** {@code jwt_cache_size} and {@code jwt_max_token_size}, with Envoy's defaults for 0. */
    record Limits(int size, int maxTokenSize) {
        static Limits of(int size, int maxTokenSize) {
            return new Limits(size == 0 ? 100 : size, maxTokenSize == 0 ? 4096 : maxTokenSize);
        }
    }

    private final Limits limits;
    private final LinkedHashMap<String, JwtToken> tokens;

    JwtCache(Limits limits) {
        this.limits = limits;
        this.tokens = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, JwtToken> eldest) {
                return size() > limits.size();
            }
        };
    }

    /** The verified token, unless absent or expired (with jwt_verify_lib's default clock skew). */
    synchronized JwtToken lookup(String token, long nowSeconds) {
        JwtToken t = tokens.get(token);
        if (t != null && t.exp() != 0 && nowSeconds > t.exp() + JwtProviderConfig.DEFAULT_CLOCK_SKEW_SECONDS) {
            tokens.remove(token);
            return null;
        }
        return t;
    }

    synchronized void insert(String token, JwtToken t) {
        if (token.length() <= limits.maxTokenSize()) {
            tokens.put(token, t);
        }
    }
}

package io.remora.extensions.filters.http.cache;

import io.remora.config.HttpFilterConfig;
import io.remora.config.StringMatcher;

import java.util.List;

/**
 * {@code envoy.extensions.filters.http.cache.v3.CacheConfig} with the simple (in-memory) storage.
 *
 * @param disabled                 {@code disabled}: the filter passes everything
 * @param allowedVary              {@code allowed_vary_headers}: a response varying on another header is not stored
 * @param key                      {@code key_creator_params}
 * @param maxBodyBytes             {@code max_body_bytes}: larger responses are not stored; 0 for no limit of its own
 * @param ignoreRequestCacheControl {@code ignore_request_cache_control_header}
 */
record CacheFilterConfig(boolean disabled, List<StringMatcher> allowedVary, CacheKeyParams key, long maxBodyBytes,
                         boolean ignoreRequestCacheControl) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.cache";

    CacheFilterConfig {
        allowedVary = List.copyOf(allowedVary);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    /** Whether {@code header} (a lower-case name a response varies on) is allowed. */
    boolean allowsVary(String header) {
        for (StringMatcher m : allowedVary) {
            if (m.matches(header)) {
                return true;
            }
        }
        return false;
    }
}

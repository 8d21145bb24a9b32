package io.remora.extensions.filters.http.cdn_loop;

import io.remora.config.HttpFilterConfig;

/**
 * {@code envoy.filters.http.cdn_loop}'s {@code CdnLoopConfig}.
 *
 * @param cdnId                 this proxy's cdn-id, appended to every request's CDN-Loop header
 * @param maxAllowedOccurrences how often {@code cdnId} may already be in the header before it is a loop
 */
record CdnLoopSettings(String cdnId, long maxAllowedOccurrences) implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.cdn_loop";

    @Override
    public String filterName() {
        return NAME;
    }
}

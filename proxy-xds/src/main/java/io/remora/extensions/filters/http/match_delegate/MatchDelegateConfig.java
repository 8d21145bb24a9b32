package io.remora.extensions.filters.http.match_delegate;

import io.remora.config.HttpFilterConfig;
import io.remora.config.UnifiedMatcher;

/**
 * {@code envoy.extensions.common.matching.v3.ExtensionWithMatcher}: one HTTP filter and the matcher
 * that decides, per stream, whether it runs (or what it does, for the composite filter).
 *
 * @param wrapped the filter's own config; null when it is a filter Remora does not have and may
 *                skip (the wrapper then does nothing)
 * @param matcher null when none is configured: Envoy then skips the wrapped filter on every stream
 */
public record MatchDelegateConfig(HttpFilterConfig wrapped, UnifiedMatcher<FilterMatchAction> matcher)
        implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.match_delegate";

    @Override
    public String filterName() {
        return NAME;
    }
}

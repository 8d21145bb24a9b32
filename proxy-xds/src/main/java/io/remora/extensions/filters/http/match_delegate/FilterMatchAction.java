package io.remora.extensions.filters.http.match_delegate;

import io.remora.server.ServerContext;

/**
 * An action of the matcher around a filter ({@code ExtensionWithMatcher}): {@link SkipFilter}, or
 * one the wrapped filter takes itself (the composite filter's {@code ExecuteFilterAction}).
 */
public interface FilterMatchAction {

    /**
     * What the per-stream filter receives on a match, built once per connection manager (a
     * filter factory, stats): this object itself unless it needs runtime parts.
     */
    default Object runtime(ServerContext context, String statPrefix) {
        return this;
    }

    /** {@code envoy.extensions.filters.common.matcher.action.v3.SkipFilter}. */
    enum SkipFilter implements FilterMatchAction {
        INSTANCE
    }
}

package io.remora.extensions.filters.http.composite;

import io.remora.config.HttpFilterConfig;
import io.remora.extensions.filters.http.match_delegate.DelegatedFilters;
import io.remora.extensions.filters.http.match_delegate.FilterMatchAction;
import io.remora.server.ServerContext;

/**
 * {@code ExecuteFilterAction}: the filter the composite filter runs for a matched stream.
 *
 * @param filter      the filter's config; null for one Remora does not have and skips
 * @param sampleRatio {@code sample_percent.default_value} as a ratio in [0, 1] (1 when unset)
 * @param runtimeKey  {@code sample_percent.runtime_key}: an integer percent there (0..100) overrides
 *                    the ratio; "" for none
 */
public record ExecuteFilter(HttpFilterConfig filter, double sampleRatio, String runtimeKey)
        implements FilterMatchAction {

    @Override
    public Object runtime(ServerContext context, String statPrefix) {
        return new CompositeDelegation(filter == null ? null : DelegatedFilters.factory(filter, context, statPrefix),
                sampleRatio, runtimeKey, context);
    }
}

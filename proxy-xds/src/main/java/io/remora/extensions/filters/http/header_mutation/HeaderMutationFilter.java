package io.remora.extensions.filters.http.header_mutation;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.RouteFilterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one stream's header mutations as Envoy's header_mutation filter: the filter's own first,
 * then the route levels' (route, virtual host, route configuration: most specific first, or last
 * with most_specific_header_mutations_wins), each list in order.
 */
final class HeaderMutationFilter implements StreamFilter {

    private final HeaderMutationConfig config;
    private DecoderFilterCallbacks decoder;
    private List<HeaderMutationConfig> levels;

    HeaderMutationFilter(HeaderMutationConfig config) {
        this.config = config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    /** The route levels in the order they run, found once per stream. */
    private List<HeaderMutationConfig> levels() {
        if (levels == null) {
            List<HeaderMutationConfig> found = new ArrayList<>();
            for (RouteFilterConfig c : decoder.perFilterConfigs()) { // least specific first
                if (c instanceof HeaderMutationConfig m) {
                    found.add(m);
                }
            }
            if (!config.mostSpecificWins()) {
                java.util.Collections.reverse(found);
            }
            levels = found;
        }
        return levels;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        config.request().apply(headers, headers, decoder.formatterContext());
        QueryMutator.apply(config.query(), headers, decoder.formatterContext());
        for (HeaderMutationConfig level : levels()) {
            level.request().apply(headers, headers, decoder.formatterContext());
            QueryMutator.apply(level.query(), headers, decoder.formatterContext());
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        Http2Headers request = decoder.requestHeaders();
        config.response().apply(headers, request, decoder.formatterContext());
        for (HeaderMutationConfig level : levels()) {
            level.response().apply(headers, request, decoder.formatterContext());
        }
        return FilterStatus.CONTINUE;
    }
}

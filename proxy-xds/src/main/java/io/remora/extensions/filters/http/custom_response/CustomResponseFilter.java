package io.remora.extensions.filters.http.custom_response;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.RouteFilterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.matching.StreamMatchingData;

/**
 * One stream of {@code envoy.filters.http.custom_response} (Envoy's {@code CustomResponseFilter}):
 * on the response headers, each level of per-route config, least specific first, may pick a
 * policy, the most specific pick winning; only when none does, the filter's own matcher is asked.
 * The matchers see the response headers (and the connection), not the request. A stream that a
 * redirect policy recreated is not matched again: its response goes to that policy.
 */
final class CustomResponseFilter implements StreamFilter {

    private final CustomResponseConfig config;
    /** The filter's policies' counters (null without a redirect policy). */
    private final CustomResponseStats stats;
    private final java.util.function.Supplier<CustomResponseStats> routeStats;
    /** Whether the policy acting on this response came from a route's config. */
    private boolean routePolicy;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    /** The request headers of the stream's first run: null in a run a redirect policy started. */
    private Http2Headers downstreamHeaders;

    CustomResponseFilter(CustomResponseConfig config, CustomResponseStats stats,
                         java.util.function.Supplier<CustomResponseStats> routeStats) {
        this.config = config;
        this.stats = stats;
        this.routeStats = routeStats;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        if (decoder.filterState().get(RedirectResponse.STATE) == null) {
            downstreamHeaders = headers;
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (encoder.filterState().get(RedirectResponse.STATE) instanceof ResponsePolicy redirected) {
            return redirected.encodeRedirectedHeaders(headers, this);
        }
        StreamMatchingData data = new StreamMatchingData(encoder);
        data.onResponseHeaders(headers);
        ResponsePolicy policy = null;
        for (RouteFilterConfig c : encoder.perFilterConfigs()) {
            if (c instanceof CustomResponseConfig route) {
                ResponsePolicy p = route.match(data);
                if (p != null) {
                    policy = p;
                }
            }
        }
        routePolicy = policy != null;
        if (policy == null) {
            policy = config.match(data);
        }
        return policy == null ? FilterStatus.CONTINUE : policy.encodeHeaders(headers, this);
    }

    DecoderFilterCallbacks decoderCallbacks() {
        return decoder;
    }

    EncoderFilterCallbacks encoderCallbacks() {
        return encoder;
    }

    Http2Headers downstreamHeaders() {
        return downstreamHeaders;
    }

    CustomResponseStats stats() {
        return routePolicy ? routeStats.get() : stats;
    }
}

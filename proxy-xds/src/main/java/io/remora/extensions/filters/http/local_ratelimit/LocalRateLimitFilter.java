package io.remora.extensions.filters.http.local_ratelimit;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.RateLimitPolicy;
import io.remora.config.RouteFilterConfig;
import io.remora.ratelimit.LocalTokenBucket;
import io.remora.extensions.filters.common.RuntimeFraction;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.common.DescriptorEvaluator;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.network.FilterState;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code envoy.filters.http.local_ratelimit} for one stream, as Envoy's: when enabled (filter_enabled)
 * it takes a token for the request; without one the request is counted as rate limited and, when
 * enforced (filter_enforced), answered locally with the configured status ("local_rate_limited",
 * response flag RL), else let through with request_headers_to_add_when_not_enforced. With
 * enable_x_ratelimit_headers the response carries the deciding bucket's x-ratelimit-* headers.
 */
final class LocalRateLimitFilter implements StreamFilter {

    static final String DETAILS = "local_rate_limited";
    static final String PER_CONNECTION_KEY = "per_connection_local_rate_limiter";
    static final AsciiString X_RATELIMIT_LIMIT = AsciiString.cached("x-ratelimit-limit");
    static final AsciiString X_RATELIMIT_REMAINING = AsciiString.cached("x-ratelimit-remaining");
    static final AsciiString X_RATELIMIT_RESET = AsciiString.cached("x-ratelimit-reset");
    private static final int GRPC_RESOURCE_EXHAUSTED = 8;

    private final LocalRateLimitFilterFactory factory;
    private DecoderFilterCallbacks decoder;
    private LocalRateLimitRuntime used;
    private LocalTokenBucket bucket;

    LocalRateLimitFilter(LocalRateLimitFilterFactory factory) {
        this.factory = factory;
        this.used = factory.runtime;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        RouteFilterConfig perRoute = decoder.perFilterConfig();
        if (perRoute instanceof LocalRateLimitConfig c) {
            used = LocalRateLimitRuntime.of(c, factory.context);
        }
        LocalRateLimitConfig config = used.config;
        if (!enabled(config.filterEnabled())) {
            return FilterStatus.CONTINUE;
        }
        used.stats.enabled.increment();
        List<RateLimitPolicy> policies = new ArrayList<>();
        List<List<DescriptorEntry>> descriptors = descriptors(config, headers, policies);
        LocalRateLimiter.Result result = limiter(config).requestAllowed(descriptors, hitsAddends(policies));
        bucket = result.bucket();
        if (result.allowed()) {
            used.stats.ok.increment();
            return FilterStatus.CONTINUE;
        }
        used.stats.rateLimited.increment();
        if (!enabled(config.filterEnforced())) {
            used.requestHeadersWhenNotEnforced.apply(headers, headers, decoder.formatterContext());
            return FilterStatus.CONTINUE;
        }
        used.stats.enforced.increment();
        LocalRateLimitRuntime r = used;
        decoder.sendLocalReply(config.status(), DETAILS, ResponseFlag.RATE_LIMITED, DETAILS,
                h -> r.responseHeaders.apply(h, headers, decoder.formatterContext()),
                config.rateLimitedAsResourceExhausted() ? GRPC_RESOURCE_EXHAUSTED : -1);
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (used.config.xRateLimitHeaders() && bucket != null) {
            headers.add(X_RATELIMIT_LIMIT, Long.toString(bucket.maxTokens()));
            headers.add(X_RATELIMIT_REMAINING, Long.toString(bucket.remainingTokens()));
            headers.add(X_RATELIMIT_RESET, Long.toString(bucket.resetSeconds()));
        }
        return FilterStatus.CONTINUE;
    }

    /**
     * The request's descriptors: from the filter's own rate_limits, else (as Envoy) from the route's
     * rate_limits of the filter's stage and, as vh_rate_limits / include_vh_rate_limits say, the
     * virtual host's. None when the config has no descriptors to match them against.
     */
    private List<List<DescriptorEntry>> descriptors(LocalRateLimitConfig config, Http2Headers headers,
                                                    List<RateLimitPolicy> policiesOut) {
        if (config.descriptors().isEmpty()) {
            return List.of();
        }
        List<List<DescriptorEntry>> out = new ArrayList<>();
        if (!used.descriptors.isEmpty()) {
            used.descriptors.addDescriptors(headers, decoder, -1, DescriptorEvaluator.DisableKeys.SKIP, out, policiesOut);
            return out;
        }
        DescriptorEvaluator.addRouteDescriptors(decoder.route(), config.vhRateLimits(), config.stage(),
                DescriptorEvaluator.DisableKeys.SKIP, headers, decoder, out, policiesOut);
        return out;
    }

    /** Each descriptor's hits_addend (Envoy's Descriptor.hits_addend_), or null when no policy has one. */
    private static long[] hitsAddends(List<RateLimitPolicy> policies) {
        long[] out = null;
        for (int i = 0; i < policies.size(); i++) {
            long h = policies.get(i).hitsAddend();
            if (h > 0) {
                out = out == null ? new long[policies.size()] : out;
                out[i] = h;
            }
        }
        return out;
    }

    /** The config's shared buckets, or the connection's own (local_rate_limit_per_downstream_connection). */
    private LocalRateLimiter limiter(LocalRateLimitConfig config) {
        if (!config.perConnection()) {
            return used.limiter;
        }
        FilterState state = decoder.filterState();
        FilterState connection = state.parent() != null ? state.parent() : state;
        LocalRateLimiter l = connection.get(PER_CONNECTION_KEY, LocalRateLimiter.class);
        if (l == null) {
            // As Envoy: the first config to run on the connection makes its buckets.
            l = new LocalRateLimiter(config);
            connection.set(PER_CONNECTION_KEY, l, FilterState.Mutability.READ_ONLY);
        }
        return l;
    }

    /**
     * A RuntimeFractionalPercent through the runtime (its key's value, else its default); unset is
     * 0%, Envoy's default for filter_enabled and filter_enforced.
     */
    private boolean enabled(RuntimeFraction f) {
        return f != null && f.enabled(decoder.serverContext().runtime());
    }
}

package io.remora.extensions.filters.http.ratelimit;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.RateLimitOverride;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.ForwardAction;
import io.remora.config.RateLimitPolicy;
import io.remora.extensions.filters.common.RuntimeFraction;
import io.remora.extensions.filters.common.set_filter_state.FilterStateValues;
import io.remora.extensions.filters.http.common.DescriptorEntry;
import io.remora.extensions.filters.http.common.DescriptorEvaluator;
import io.remora.extensions.filters.http.common.DescriptorEvaluator.DisableKeys;
import io.remora.extensions.filters.http.common.DescriptorEvaluator.VhRateLimits;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.http.upstream.Cancellable;
import io.remora.route.RouteEntry;
import io.remora.upstream.Cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Envoy's global rate limit filter on one request: makes the descriptors of the route's (or the
 * per-route config's) rate_limits, asks the rate limit service while the request waits, and on
 * OVER_LIMIT answers with the configured status ("request_rate_limited", flag RL,
 * {@code x-envoy-ratelimited}); a failed call lets the request go unless failure_mode_deny
 * (then status_on_error, "rate_limiter_error", flag RLSE). Counts under the route's cluster.
 */
final class RateLimitFilter implements StreamFilter {

    static final String DETAILS_LIMITED = "request_rate_limited";
    static final String DETAILS_ERROR = "rate_limiter_error";
    /** Filter state whose number replaces the request's hits_addend (Envoy's UInt32 accessor). */
    static final String HITS_ADDEND = "envoy.ratelimit.hits_addend";
    private static final AsciiString X_ENVOY_INTERNAL = AsciiString.cached("x-envoy-internal");
    private static final Map.Entry<String, String> X_ENVOY_RATELIMITED_TRUE = Map.entry("x-envoy-ratelimited", "true");
    private static final int GRPC_RESOURCE_EXHAUSTED = 8;

    private enum State { IDLE, CALLING, COMPLETE, RESPONDED }

    private final RateLimitFilterFactory factory;
    private final RateLimitConfig config;
    private DecoderFilterCallbacks cb;
    private State state = State.IDLE;
    private Http2Headers requestHeaders;
    private Cluster cluster;
    private RateLimitStats stats;
    private Cancellable inFlight;
    /** True while the call starts: an answer that comes then needs no continueDecoding. */
    private boolean initiating;
    private List<Map.Entry<String, String>> responseHeadersToAdd;
    /** apply_on_stream_done descriptors, sent when the stream ends. */
    private RateLimitRequest onStreamDone;

    RateLimitFilter(RateLimitFilterFactory factory) {
        this.factory = factory;
        this.config = factory.config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        if (!fraction(config.filterEnabled(), "ratelimit.http_filter_enabled")) {
            return FilterStatus.CONTINUE;
        }
        requestHeaders = headers;
        initiateCall(headers);
        return state == State.CALLING || state == State.RESPONDED ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
    }

    private void initiateCall(Http2Headers headers) {
        boolean internal = AsciiString.contentEquals("true", headers.get(X_ENVOY_INTERNAL));
        if (internal && config.requestType() == RateLimitConfig.RequestType.EXTERNAL
                || !internal && config.requestType() == RateLimitConfig.RequestType.INTERNAL) {
            return;
        }
        RouteEntry route = cb.route();
        if (route == null || !(route.route().action() instanceof ForwardAction)) {
            return;
        }
        String clusterName = cb.clusterName();
        cluster = clusterName == null ? null : cb.serverContext().clusterManager().get(clusterName);
        if (cluster == null) {
            return;
        }
        List<List<DescriptorEntry>> descriptors = new ArrayList<>();
        List<RateLimitPolicy> policies = new ArrayList<>();
        RateLimitPerRouteConfig perRoute = cb.perFilterConfig() instanceof RateLimitPerRouteConfig p ? p : null;
        if (perRoute != null && !perRoute.rateLimits().isEmpty()) {
            DescriptorEvaluator.of(perRoute.rateLimits()).addDescriptors(headers, cb, -1, DisableKeys.RUNTIME,
                    descriptors, policies);
        } else {
            DescriptorEvaluator.addRouteDescriptors(route, perRoute == null ? VhRateLimits.OVERRIDE
                    : perRoute.vhRateLimits(), config.stage(), DisableKeys.RUNTIME, headers, cb, descriptors, policies);
        }
        if (descriptors.isEmpty()) {
            return;
        }
        String domain = perRoute != null && !perRoute.domain().isEmpty() ? perRoute.domain() : config.domain();
        long hitsAddend = hitsAddend();
        RateLimitRequest now = request(domain, descriptors, policies, false, hitsAddend);
        onStreamDone = request(domain, descriptors, policies, true, hitsAddend);
        if (now == null) {
            return;
        }
        stats = factory.stats(cluster.stats().name());
        state = State.CALLING;
        initiating = true;
        Cancellable c = factory.client.limit(now, cb.eventLoop(), cb.serverContext(), this::complete);
        initiating = false;
        if (state == State.CALLING) {
            inFlight = c;
        }
    }

    /** The request of the descriptors applied now, or on stream done; null when there are none. */
    private RateLimitRequest request(String domain, List<List<DescriptorEntry>> descriptors,
                                     List<RateLimitPolicy> policies, boolean streamDone, long hitsAddend) {
        int n = 0;
        for (RateLimitPolicy p : policies) {
            n += p.applyOnStreamDone() == streamDone ? 1 : 0;
        }
        if (n == 0) {
            return null;
        }
        List<List<DescriptorEntry>> selected = n == descriptors.size() ? descriptors : new ArrayList<>(n);
        long[] addends = new long[n];
        RateLimitOverride[] limits = null;
        int at = 0;
        for (int i = 0; i < descriptors.size(); i++) {
            RateLimitPolicy p = policies.get(i);
            if (p.applyOnStreamDone() == streamDone) {
                if (p.limitOverride() != null) {
                    RateLimitOverride limit = limitOverride(p.limitOverride());
                    if (limit != null) {
                        limits = limits == null ? new RateLimitOverride[n] : limits;
                        limits[at] = limit;
                    }
                }
                addends[at++] = p.hitsAddend();
                if (selected != descriptors) {
                    selected.add(descriptors.get(i));
                }
            }
        }
        return RateLimitClient.request(domain, selected, addends, limits, hitsAddend);
    }

    /**
     * The descriptor's limit from the request's dynamic metadata: a struct with a number
     * {@code requests_per_unit} and a {@code unit} naming a RateLimitUnit, as Envoy reads it;
     * anything else sends no override.
     */
    private RateLimitOverride limitOverride(RateLimitPolicy.MetadataRef ref) {
        Object v = cb.streamInfo().dynamicMetadata(ref.namespace());
        for (String key : ref.path()) {
            v = v instanceof Map<?, ?> m ? m.get(key) : null;
        }
        if (!(v instanceof Map<?, ?> m) || !(m.get("requests_per_unit") instanceof Number n)
                || !(m.get("unit") instanceof String unit)) {
            return null;
        }
        RateLimitUnit u;
        try {
            u = RateLimitUnit.valueOf(unit);
        } catch (IllegalArgumentException e) {
            return null;
        }
        double d = n.doubleValue();
        // Envoy's static_cast<uint32_t> of the number: out-of-range values are clamped here rather
        // than left to the platform.
        long perUnit = d <= 0 || Double.isNaN(d) ? 0 : d >= 0xFFFF_FFFFL ? 0xFFFF_FFFFL : (long) d;
        return RateLimitOverride.newBuilder().setRequestsPerUnit((int) perUnit).setUnit(u).build();
    }

    /** The request's hits_addend from filter state; 0 (unset) when absent or not a uint32. */
    private long hitsAddend() {
        Object v = cb.filterState().get(HITS_ADDEND);
        String s = v instanceof FilterStateValues.StringObject so ? so.value() : v == null ? null : v.toString();
        if (s == null) {
            return 0;
        }
        try {
            long n = Long.parseLong(s.trim());
            return n >= 0 && n <= 0xFFFF_FFFFL ? n : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void complete(LimitResult r) {
        if (state != State.CALLING) {
            return;
        }
        inFlight = null;
        state = State.COMPLETE;
        if (!r.dynamicMetadata().isEmpty()) {
            r.dynamicMetadata().forEach((k, v) -> cb.streamInfo().setDynamicMetadata(RateLimitConfig.NAME, k, v));
        }
        boolean over = r.status() == LimitResult.Status.OVER_LIMIT;
        switch (r.status()) {
            case OK -> stats.ok.increment();
            case ERROR -> stats.error.increment();
            case OVER_LIMIT -> {
                stats.overLimit.increment();
                // As Envoy, the limited request counts as a 429 from the cluster.
                cluster.stats().response(429);
            }
        }
        List<Map.Entry<String, String>> toAdd = r.responseHeaders();
        if (over && config.xEnvoyRateLimited() || config.xRateLimitHeaders() && !r.statuses().isEmpty()) {
            toAdd = new ArrayList<>(toAdd);
            if (over && config.xEnvoyRateLimited()) {
                toAdd.add(X_ENVOY_RATELIMITED_TRUE);
            }
            if (config.xRateLimitHeaders()) {
                XRateLimitHeaders.add(r.statuses(), toAdd);
            }
        }
        responseHeadersToAdd = toAdd.isEmpty() ? null : toAdd;
        if (over && fraction(config.filterEnforced(), "ratelimit.http_filter_enforcing")) {
            state = State.RESPONDED;
            Http2Headers request = requestHeaders;
            cb.sendLocalReply(config.rateLimitedStatus(), r.body(), ResponseFlag.RATE_LIMITED, DETAILS_LIMITED, h -> {
                addResponseHeaders(h, true);
                factory.responseHeaders.apply(h, request, cb.formatterContext());
            }, config.rateLimitedAsResourceExhausted() ? GRPC_RESOURCE_EXHAUSTED : -1);
        } else if (r.status() == LimitResult.Status.ERROR && config.failureModeDeny()) {
            state = State.RESPONDED;
            cb.sendLocalReply(config.statusOnError(), r.body(), ResponseFlag.RATE_LIMIT_SERVICE_ERROR, DETAILS_ERROR);
        } else {
            if (r.status() == LimitResult.Status.ERROR) {
                stats.failureModeAllowed.increment();
            }
            for (Map.Entry<String, String> e : r.requestHeaders()) {
                requestHeaders.add(e.getKey(), e.getValue());
            }
            if (!initiating) {
                cb.continueDecoding();
            }
        }
    }

    /**
     * The service's response headers (and x-envoy-ratelimited, x-ratelimit-*), once; on a local
     * reply a content-type from the service replaces the reply's own.
     */
    private void addResponseHeaders(Http2Headers h, boolean localReply) {
        List<Map.Entry<String, String>> add = responseHeadersToAdd;
        if (add == null) {
            return;
        }
        responseHeadersToAdd = null;
        if (localReply) {
            for (Map.Entry<String, String> e : add) {
                if (e.getKey().equals("content-type")) {
                    h.remove("content-type");
                    break;
                }
            }
        }
        for (Map.Entry<String, String> e : add) {
            h.add(e.getKey(), e.getValue());
        }
    }

    /** filter_enabled / filter_enforced, else Envoy's runtime key at 100%. */
    private boolean fraction(RuntimeFraction f, String runtimeKey) {
        return f != null ? f.enabled(cb.serverContext().runtime())
                : cb.serverContext().runtime().featureEnabled(runtimeKey, 100);
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        return state == State.CALLING ? FilterStatus.STOP_ITERATION_AND_BUFFER : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        return state == State.CALLING ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        addResponseHeaders(headers, false);
        return FilterStatus.CONTINUE;
    }

    @Override
    public void onDestroy() {
        if (inFlight != null) {
            inFlight.cancel();
            inFlight = null;
        }
        state = State.COMPLETE;
        if (onStreamDone != null) {
            // Fire and forget, as Envoy: the budget is updated for later requests, this one is done.
            RateLimitRequest done = onStreamDone;
            onStreamDone = null;
            factory.client.limit(done, cb.eventLoop(), cb.serverContext(), r -> { });
        }
    }
}

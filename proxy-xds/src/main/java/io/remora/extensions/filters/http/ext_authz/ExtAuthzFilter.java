package io.remora.extensions.filters.http.ext_authz;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.HeaderMutation;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.common.HeaderMutationChecker;
import io.remora.extensions.filters.common.HeaderMutationChecker.Operation;
import io.remora.extensions.filters.common.HeaderMutationChecker.Result;
import io.remora.http.InlineHeaders;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.http.upstream.Cancellable;
import io.remora.route.HeaderMutationRules;
import io.remora.route.HeaderMutator;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Envoy's HTTP ext_authz filter on one request: holds the request (and, if configured, buffers
 * its body up to {@code max_request_bytes}) while the authorization service is asked; OK lets it
 * go upstream with the header changes the service asked for, DENIED answers the client with the
 * service's status, body and headers, an error fails closed with {@code status_on_error} unless
 * {@code failure_mode_allow}. Denials and errors carry response flag UAEX.
 */
final class ExtAuthzFilter implements StreamFilter {

    private static final AsciiString FAILURE_MODE_ALLOWED = AsciiString.cached("x-envoy-auth-failure-mode-allowed");

    private enum State { IDLE, BUFFERING, CALLING, COMPLETE, SKIPPED }

    private final ExtAuthzFilterProvider.Factory factory;
    private final ExtAuthzConfig config;
    private DecoderFilterCallbacks cb;
    private EncoderFilterCallbacks encoderCb;
    private ExtAuthzStats stats;
    private State state = State.IDLE;
    private Http2Headers requestHeaders;
    private ExtAuthzConfig.BufferSettings bufferSettings;
    private ByteArrayOutputStream body;
    private boolean partial;
    private Map<String, String> contextExtensions = Map.of();
    private Cancellable inFlight;
    /** True while the client's check runs: a decision that arrives then is returned, not resumed. */
    private boolean callingNow;
    /** The decision came during the client's check and lets the request through. */
    private boolean allowedInline;
    private boolean stopped;
    private List<Map.Entry<String, String>> responseHeadersToAdd = List.of();
    /** emit_filter_state_stats: the object in filter state (null: not asked for, or the name was taken). */
    private ExtAuthzLoggingInfo loggingInfo;
    private long callStartNanos;

    ExtAuthzFilter(ExtAuthzFilterProvider.Factory factory) {
        this.factory = factory;
        this.config = factory.config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoderCb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        stats = factory.stats(cb.connectionManagerStats().prefix());
        requestHeaders = headers;
        ExtAuthzPerRouteConfig mostSpecific = null;
        Map<String, String> ext = new HashMap<>();
        for (RouteFilterConfig c : cb.perFilterConfigs()) {
            if (c instanceof ExtAuthzPerRouteConfig p) {
                mostSpecific = p;
                ext.putAll(p.contextExtensions());
            }
        }
        contextExtensions = ext;
        if (mostSpecific != null && mostSpecific.disabled()) {
            state = State.SKIPPED;
            return FilterStatus.CONTINUE;
        }
        if (!enabled()) {
            state = State.SKIPPED;
            stats.disabled.increment();
            if (cb.serverContext().runtime().getBoolean(config.denyAtDisableKey(), config.denyAtDisable())) {
                cb.sendLocalReply(config.statusOnError(), "", ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE,
                        "ext_authz_error");
                return FilterStatus.STOP_ITERATION;
            }
            return FilterStatus.CONTINUE;
        }
        bufferSettings = config.withRequestBody();
        if (mostSpecific != null && mostSpecific.disableRequestBodyBuffering()) {
            bufferSettings = null;
        } else if (mostSpecific != null && mostSpecific.withRequestBody() != null) {
            bufferSettings = mostSpecific.withRequestBody();
        }
        if (bufferSettings != null && !endStream) {
            state = State.BUFFERING;
            body = new ByteArrayOutputStream();
            return FilterStatus.STOP_ITERATION;
        }
        return startCheck() ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (state == State.BUFFERING) {
            int max = bufferSettings.maxRequestBytes();
            int n = data.readableBytes();
            if (body.size() + n > max && !bufferSettings.allowPartialMessage()) {
                // Envoy caps the decoder buffer at max_request_bytes: the connection manager answers 413.
                state = State.COMPLETE;
                cb.sendLocalReply(413, "Payload Too Large", null, "request_payload_too_large");
                return FilterStatus.STOP_ITERATION_AND_BUFFER;
            }
            int take = Math.min(n, max - body.size());
            byte[] chunk = new byte[take];
            data.getBytes(data.readerIndex(), chunk);
            body.writeBytes(chunk);
            if (endStream || body.size() >= max) {
                partial = !endStream;
                return startCheck() ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION_AND_BUFFER;
            }
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        return state == State.CALLING ? FilterStatus.STOP_ITERATION_AND_BUFFER : FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (state == State.BUFFERING) {
            partial = false;
            return startCheck() ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
        }
        return state == State.CALLING ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
    }

    /** Asks the service; true when the answer already came and lets the request through. */
    private boolean startCheck() {
        if (config.emitFilterStateStats() || config.filterMetadata() != null) {
            loggingInfo = loggingInfo();
            callStartNanos = System.nanoTime();
        }
        state = State.CALLING;
        callingNow = true;
        AuthzCheck check = StreamAuthzCheck.of(config, cb, requestHeaders, body, partial, contextExtensions);
        Cancellable c = factory.client.check(check, cb.eventLoop(), cb.serverContext(), this::onDecision);
        callingNow = false;
        if (state == State.CALLING) {
            inFlight = c;
            stopped = true;
            return false;
        }
        return state == State.COMPLETE && allowedInline;
    }

    /** As Envoy: one object per filter name; another filter's object there is a collision, counted. */
    private ExtAuthzLoggingInfo loggingInfo() {
        io.remora.network.FilterState fs = cb.filterState();
        if (fs.get(cb.filterName()) == null) {
            fs.set(cb.filterName(), new ExtAuthzLoggingInfo(config.filterMetadata()),
                    io.remora.network.FilterState.Mutability.MUTABLE);
        }
        ExtAuthzLoggingInfo info = fs.get(cb.filterName(), ExtAuthzLoggingInfo.class);
        if (info == null) {
            stats.filterStateNameCollision.increment();
        }
        return info;
    }

    private void onDecision(AuthzDecision d) {
        if (state != State.CALLING) {
            return;
        }
        inFlight = null;
        state = State.COMPLETE;
        // As Envoy: only emit_filter_state_stats records the call; filter_metadata alone leaves the object bare.
        if (loggingInfo != null && config.emitFilterStateStats()) {
            loggingInfo.latency((System.nanoTime() - callStartNanos) / 1000);
        }
        if (!d.dynamicMetadata().isEmpty() && config.ingestDynamicMetadata()) {
            d.dynamicMetadata().forEach((k, v) -> cb.streamInfo().setDynamicMetadata(ExtAuthzConfig.NAME, k, v));
        } else if (!d.dynamicMetadata().isEmpty()) {
            stats.ignoredDynamicMetadata.increment();
        }
        switch (d.kind()) {
            case OK -> {
                if (!applyOk(d)) {
                    // Envoy answers an OK it may not apply with 500, counted as invalid (and not ok).
                    stats.invalid.increment();
                    cb.streamInfo().setFlag(ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE);
                    cb.sendLocalReply(500, "", ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE, "ext_authz_invalid");
                    return;
                }
                stats.ok.increment();
                allow();
            }
            case DENIED -> {
                stats.denied.increment();
                chargeRoutedCluster(d.status());
                cb.streamInfo().setFlag(ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE);
                List<Map.Entry<String, String>> headers = d.headersToSet();
                cb.sendLocalReply(d.status(), d.body(), ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE, "ext_authz_denied",
                        h -> {
                            for (Map.Entry<String, String> e : headers) {
                                h.set(e.getKey(), e.getValue());
                            }
                        }, -1);
            }
            case ERROR -> {
                stats.error.increment();
                if (config.failureModeAllow()) {
                    stats.failureModeAllowed.increment();
                    if (config.failureModeAllowHeaderAdd()) {
                        requestHeaders.set(FAILURE_MODE_ALLOWED, "true");
                    }
                    allow();
                } else {
                    cb.streamInfo().setFlag(ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE);
                    cb.sendLocalReply(config.statusOnError(), "", ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE,
                            "ext_authz_error");
                }
            }
        }
    }

    /** Envoy's header map count (every field, pseudo-headers too) and byte size (names and values). */
    private boolean overLimits(Http2Headers h) {
        if (h.size() > cb.maxRequestHeadersCount()) {
            return true;
        }
        long bytes = 0;
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            bytes += e.getKey().length() + e.getValue().length();
        }
        return bytes > cb.maxRequestHeadersBytes();
    }

    /**
     * Applies an OK answer's header changes; false, with nothing applied, when validate_mutations
     * finds an invalid one or decoder_header_mutation_rules refuse one with disallow_is_error, and
     * false after applying them when the request no longer fits the header limits. A change the
     * rules merely disallow is skipped.
     */
    private boolean applyOk(AuthzDecision d) {
        HeaderMutationChecker rules = config.mutationRules();
        if (config.validateMutations() && (!valid(d) || !d.query().valid())) {
            return false;
        }
        // Envoy checks an added header as a set (its headers_to_add), an appended one as an append.
        if (rules != null && (refused(rules, Operation.SET, d.headersToSet())
                || refused(rules, Operation.SET, d.headersToAdd())
                || refused(rules, Operation.APPEND, d.headersToAppend()))) {
            return false;
        }
        boolean changed = false;
        for (Map.Entry<String, String> e : d.headersToSet()) {
            if (rules == null || rules.check(Operation.SET, e.getKey(), e.getValue()) == Result.OK) {
                requestHeaders.set(requestName(e.getKey()), e.getValue());
                changed = true;
            }
        }
        for (Map.Entry<String, String> e : d.headersToAdd()) {
            if (rules == null || rules.check(Operation.SET, e.getKey(), e.getValue()) == Result.OK) {
                HeaderMutationRules.applyJoining(requestHeaders, InlineHeaders.Kind.REQUEST_HEADERS,
                        AsciiString.of(requestName(e.getKey())), e.getValue(),
                        HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD);
                changed = true;
            }
        }
        for (Map.Entry<String, String> e : d.headersToAppend()) {
            if (rules == null || rules.check(Operation.APPEND, e.getKey(), e.getValue()) == Result.OK) {
                HeaderMutator.joinOntoFirst(requestHeaders, AsciiString.of(requestName(e.getKey())), e.getValue());
                changed = true;
            }
        }
        for (String name : d.headersToRemove()) {
            // Envoy never lets the service remove pseudo-headers or host.
            if (!name.startsWith(":") && !name.equals("host")
                    && (rules == null || rules.check(Operation.REMOVE, name, "") == Result.OK)) {
                changed |= requestHeaders.remove(name);
            }
        }
        if (!d.query().isEmpty()) {
            CharSequence path = requestHeaders.path();
            requestHeaders.path(d.query().apply(path == null ? "" : path.toString()));
            changed = true;
        }
        if (overLimits(requestHeaders)) {
            // Envoy 1.36: the request as the answer changed it must still fit the connection
            // manager's max_headers_count and max_request_headers_kb, else the answer is refused.
            stats.requestHeaderLimitsReached.increment();
            return false;
        }
        responseHeadersToAdd = d.responseHeadersToAdd();
        if (changed && config.clearRouteCache()) {
            cb.clearRouteCache();
        }
        return true;
    }

    /**
     * charge_cluster_response_stats: Envoy counts a denial as a response of its status on the
     * request's routed cluster (upstream_rq_&lt;code&gt;, upstream_rq_&lt;N&gt;xx, upstream_rq_completed).
     */
    private void chargeRoutedCluster(int status) {
        String name = config.chargeClusterResponseStats() ? cb.clusterName() : null;
        io.remora.upstream.Cluster c = name == null ? null : cb.serverContext().clusterManager().get(name);
        if (c != null) {
            c.stats().response(status);
        }
    }

    /** Envoy's request header map takes a legacy "host" as :authority (HTTP/1's Host is kept there). */
    private static String requestName(String name) {
        return name.equals("host") ? ":authority" : name;
    }

    private static boolean refused(HeaderMutationChecker rules, Operation op, List<Map.Entry<String, String>> headers) {
        for (Map.Entry<String, String> e : headers) {
            if (rules.check(op, e.getKey(), e.getValue()) == Result.FAIL) {
                return true;
            }
        }
        return false;
    }

    /** validate_mutations: every header set, added or sent to the client has a valid name and value. */
    private static boolean valid(AuthzDecision d) {
        for (List<Map.Entry<String, String>> headers : List.of(d.headersToSet(), d.headersToAdd(),
                d.headersToAppend(), d.responseHeadersToAdd())) {
            for (Map.Entry<String, String> e : headers) {
                if (!HeaderMutationChecker.validName(e.getKey())
                        || !HeaderMutationChecker.validValueChars(e.getValue())) {
                    return false;
                }
            }
        }
        return true;
    }

    private void allow() {
        if (callingNow) {
            allowedInline = true;
        } else if (stopped) {
            cb.continueDecoding();
        }
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        for (Map.Entry<String, String> e : responseHeadersToAdd) {
            headers.add(e.getKey(), e.getValue());
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public void onDestroy() {
        if (inFlight != null) {
            inFlight.cancel();
            inFlight = null;
        }
        state = State.COMPLETE;
    }

    /** Envoy's filterEnabled: {@code filter_enabled}'s fraction (drawn per request) and {@code filter_enabled_metadata}. */
    private boolean enabled() {
        boolean sampled = config.filterEnabled() == null || config.filterEnabled().enabled(cb.serverContext().runtime());
        return sampled && (config.filterEnabledMetadata() == null
                || config.filterEnabledMetadata().matches(cb.streamInfo().dynamicMetadata()));
    }
}

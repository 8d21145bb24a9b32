package io.remora.extensions.filters.http.ext_authz;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.HeaderMutation;
import io.remora.config.RouteFilterConfig;
import io.remora.http.Upgrades;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.http.upstream.Cancellable;

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
    private static final List<HeaderMutation.AppendAction> RESPONSE_HEADER_ORDER = List.of(
            HeaderMutation.AppendAction.APPEND_IF_EXISTS_OR_ADD, HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
            HeaderMutation.AppendAction.ADD_IF_ABSENT, HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS);
    /** Envoy's dynamic metadata key for the call's duration in ms. */
    static final String DURATION_KEY = "ext_authz_duration";

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
    private List<HeaderMutation.HeaderValueOption> responseHeaders = List.of();
    /** emit_filter_state_stats: the object in filter state (null: not asked for, or the name was taken). */
    private ExtAuthzLoggingInfo loggingInfo;
    private long callStartNanos;
    /** cluster.&lt;routed&gt;.ext_authz.* (null: no routed cluster). */
    private ExtAuthzClusterStats clusterStats;

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
        if (cb.route() == null) {
            // As Envoy: a request no route matches is not checked; the router answers it 404.
            state = State.SKIPPED;
            return FilterStatus.CONTINUE;
        }
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
        // An upgrade's body is the tunnel, which never ends: Envoy checks it without buffering.
        if (bufferSettings != null && !endStream && !Upgrades.isUpgrade(headers)) {
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
        }
        callStartNanos = System.nanoTime();
        // As Envoy: the cluster the request is routed to when the call starts is charged.
        clusterStats = factory.clusterStats(cb.clusterName());
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
            if (d.kind() == AuthzDecision.Kind.OK) {
                // Envoy records the call's duration (whole ms) beside the metadata an OK answer brought.
                cb.streamInfo().setDynamicMetadata(ExtAuthzConfig.NAME, DURATION_KEY,
                        (double) ((System.nanoTime() - callStartNanos) / 1_000_000));
            }
        } else if (!d.dynamicMetadata().isEmpty()) {
            stats.ignoredDynamicMetadata.increment();
        }
        switch (d.kind()) {
            case OK -> {
                if (!AuthzOkAnswer.apply(config, cb, requestHeaders, d, stats)) {
                    // Envoy answers an OK it may not apply with 500, counted as invalid (and not ok).
                    reject();
                    return;
                }
                responseHeaders = d.responseHeaders();
                stats.ok.increment();
                if (clusterStats != null) {
                    clusterStats.ok.increment();
                }
                allow();
            }
            case DENIED -> {
                stats.denied.increment();
                if (clusterStats != null) {
                    clusterStats.denied.increment();
                }
                chargeRoutedCluster(d.status());
                List<Map.Entry<String, String>> headers = d.headersToSet();
                if (config.validateMutations() && !AuthzOkAnswer.valid(headers)) {
                    // Envoy checks a denial's headers too under validate_mutations: 500, invalid.
                    reject();
                    return;
                }
                cb.streamInfo().setFlag(ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE);
                cb.sendLocalReply(d.status(), d.body(), ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE, "ext_authz_denied",
                        h -> {
                            // As Envoy: the service's headers replace the reply's, and a name it
                            // sends twice (set-cookie) keeps every value.
                            for (Map.Entry<String, String> e : headers) {
                                h.remove(e.getKey());
                            }
                            for (Map.Entry<String, String> e : headers) {
                                h.add(e.getKey(), e.getValue());
                            }
                        }, -1);
            }
            case ERROR -> {
                stats.error.increment();
                if (clusterStats != null) {
                    clusterStats.error.increment();
                }
                if (config.failureModeAllow()) {
                    stats.failureModeAllowed.increment();
                    if (clusterStats != null) {
                        clusterStats.failureModeAllowed.increment();
                    }
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

    /** Envoy's rejectResponse: an answer it may not apply is a 500, counted invalid, flagged UAEX. */
    private void reject() {
        stats.invalid.increment();
        if (clusterStats != null) {
            clusterStats.invalid.increment();
        }
        cb.streamInfo().setFlag(ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE);
        cb.sendLocalReply(500, "", ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE, "ext_authz_invalid");
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

    private void allow() {
        if (callingNow) {
            allowedInline = true;
        } else if (stopped) {
            cb.continueDecoding();
        }
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        // Envoy's order: every add, then every set, then those added only where absent, then
        // those set only where present.
        for (HeaderMutation.AppendAction action : RESPONSE_HEADER_ORDER) {
            for (HeaderMutation.HeaderValueOption h : responseHeaders) {
                if (h.action() == action) {
                    apply(headers, h);
                }
            }
        }
        return FilterStatus.CONTINUE;
    }

    private static void apply(Http2Headers headers, HeaderMutation.HeaderValueOption h) {
        switch (h.action()) {
            case APPEND_IF_EXISTS_OR_ADD -> headers.add(h.key(), h.value());
            case OVERWRITE_IF_EXISTS_OR_ADD -> headers.set(h.key(), h.value());
            case ADD_IF_ABSENT -> {
                if (!headers.contains(h.key())) {
                    headers.add(h.key(), h.value());
                }
            }
            case OVERWRITE_IF_EXISTS -> {
                if (headers.contains(h.key())) {
                    headers.set(h.key(), h.value());
                }
            }
        }
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

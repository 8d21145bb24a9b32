package io.remora.http.router;

import io.remora.util.JitteredBackOff;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.HeaderMatcher;
import io.remora.config.RetryPolicy;
import io.remora.config.RetryPolicy.RetryOn;
import io.remora.http.upstream.ResetReason;
import io.remora.route.CompiledHeaderMatcher;
import io.remora.route.RetryHeaderMatchers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The retry policy of one request: the route's (or virtual host's) policy merged with the
 * request's x-envoy-retry-* headers, and the retries used so far (Envoy's RetryStateImpl). Public for the
 * side-call clients whose gRPC service carries a retry policy (Envoy's async client runs the router too).
 */
public final class RetryState {
    static final AsciiString RETRY_ON = AsciiString.cached("x-envoy-retry-on");
    static final AsciiString RETRY_GRPC_ON = AsciiString.cached("x-envoy-retry-grpc-on");
    static final AsciiString MAX_RETRIES = AsciiString.cached("x-envoy-max-retries");
    static final AsciiString RETRIABLE_STATUS_CODES = AsciiString.cached("x-envoy-retriable-status-codes");
    static final AsciiString RETRIABLE_HEADER_NAMES = AsciiString.cached("x-envoy-retriable-header-names");
    static final AsciiString RATELIMITED = AsciiString.cached("x-envoy-ratelimited");
    static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    /** RFC 8470's header: the request came (in part) as TLS early data. */
    static final AsciiString EARLY_DATA = AsciiString.cached("early-data");
    private static final int TOO_EARLY = 425;

    private static final EnumSet<RetryOn> GRPC = EnumSet.of(RetryOn.GRPC_CANCELLED, RetryOn.GRPC_DEADLINE_EXCEEDED,
            RetryOn.GRPC_INTERNAL, RetryOn.GRPC_RESOURCE_EXHAUSTED, RetryOn.GRPC_UNAVAILABLE);

    /** Whether the condition is one of x-envoy-retry-grpc-on's. */
    static boolean isGrpc(RetryOn on) {
        return GRPC.contains(on);
    }

    /** How many retries the request may make. */
    public int maxRetries() {
        return maxRetries;
    }

    /** Read only: the route policy's own sets when no request header adds to them (not copied per request). */
    final Set<RetryOn> retryOn;
    final Set<Integer> statusCodes;
    final int maxRetries;
    /** retriable_headers, and x-envoy-retriable-header-names as presence matchers. */
    private final CompiledHeaderMatcher[] retriableHeaders;
    /** The route's policy (null: the request headers alone asked for retries); the rest is read from it. */
    private final RetryPolicy policy;
    int retriesDone;
    /** The retry coming was caused by a per-try timeout (x-envoy-is-timeout-retry). */
    boolean timeoutRetry;
    /**
     * Envoy's upstream_request_started_: some try's reset (or timeout) came after that try had
     * sent its request, so reset-before-request never again retries this request, whatever a
     * later try sent.
     */
    private boolean requestStarted;
    /** The request carried {@code early-data}: a 425 is not retried by its status code. */
    private boolean earlyData;

    private RetryState(Set<RetryOn> retryOn, Set<Integer> statusCodes, int maxRetries, RetryPolicy p,
                       CompiledHeaderMatcher[] retriableHeaders) {
        this.retryOn = retryOn;
        this.statusCodes = statusCodes;
        this.maxRetries = maxRetries;
        this.policy = p;
        this.retriableHeaders = retriableHeaders;
    }

    /** {@code previous_hosts}: avoid the hosts already tried. */
    boolean retryOtherHosts() {
        return policy != null && policy.retryOtherHosts();
    }

    int hostSelectionAttempts() {
        return policy == null ? 0 : Math.max(1, policy.hostSelectionRetryMaxAttempts());
    }

    boolean omitCanaryHosts() {
        return policy != null && policy.omitCanaryHosts();
    }

    java.util.Map<String, Object> omitHostMetadata() {
        return policy == null ? java.util.Map.of() : policy.omitHostMetadata();
    }

    boolean hasHostPredicate() {
        return policy != null && policy.hasHostPredicate();
    }

    int previousPrioritiesUpdateFrequency() {
        return policy == null ? 0 : policy.previousPrioritiesUpdateFrequency();
    }

    Duration perTryTimeout() {
        return policy == null ? null : policy.perTryTimeout();
    }

    Duration perTryIdleTimeout() {
        return policy == null ? null : policy.perTryIdleTimeout();
    }

    /**
     * A new back-off for this request's retries (its intervals grow retry after retry); the
     * request's {@link RetryGate} keeps it, made at the first retry as the gate is.
     */
    public JitteredBackOff newBackOff() {
        RetryPolicy p = policy;
        long base = p == null || p.baseInterval() == null ? 25 : Math.max(1, p.baseInterval().toMillis());
        long max = p == null || p.maxInterval() == null ? base * 10 : p.maxInterval().toMillis();
        return new JitteredBackOff(base, max);
    }

    /**
     * Envoy's metadataLabelMatch (list values match any element): every label of omit_host_metadata
     * is in the host's envoy.lb metadata with that value.
     */
    static boolean labelsMatch(java.util.Map<String, Object> labels, java.util.Map<String, Object> host) {
        for (java.util.Map.Entry<String, Object> e : labels.entrySet()) {
            Object v = host.get(e.getKey());
            if (v instanceof java.util.List<?> list && !(e.getValue() instanceof java.util.List<?>)) {
                if (!list.contains(e.getValue())) {
                    return false;
                }
            } else if (v == null || !v.equals(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** As below, for a policy without header matchers. */
    public static RetryState create(RetryPolicy policy, Http2Headers headers) {
        return create(policy, headers, RetryHeaderMatchers.of(policy));
    }

    /**
     * The retry state of a request, or null as Envoy's RetryStateImpl::create makes none: neither
     * {@code x-envoy-retry-on} nor {@code x-envoy-retry-grpc-on} present and no condition in the
     * route's policy. A state may hold no condition at all (the headers named only tokens Envoy
     * does not know, or retriable_request_headers did not match): it retries nothing on a response
     * or a reset, but a hedged per-try timeout still starts a try from it, as from Envoy's.
     */
    static RetryState create(RetryPolicy policy, Http2Headers headers, RetryHeaderMatchers matchers) {
        CharSequence on = headers.get(RETRY_ON);
        CharSequence grpcOn = headers.get(RETRY_GRPC_ON);
        boolean routeRetries = policy != null && policy.retryOn() != null && !policy.retryOn().isEmpty();
        if (on == null && grpcOn == null && !routeRetries) {
            return null;
        }
        boolean requestRetriable = matchers.requestRetriable(headers);
        CharSequence rc = headers.get(RETRIABLE_STATUS_CODES);
        CharSequence names = headers.get(RETRIABLE_HEADER_NAMES);
        if (on == null && grpcOn == null && rc == null && names == null && requestRetriable) {
            // The route's policy alone, the usual case (Istio gives every route one): its sets are
            // read-only config, used as they are.
            Set<Integer> codes = policy.retriableStatusCodes() == null ? Set.of() : policy.retriableStatusCodes();
            return new RetryState(policy.retryOn(), codes, maxRetries(policy.numRetries(), headers), policy,
                    matchers.response()).withEarlyData(headers);
        }
        EnumSet<RetryOn> conditions = EnumSet.noneOf(RetryOn.class);
        Set<Integer> codes = new HashSet<>();
        // Envoy's default policy retries once when only the request's headers ask for retries.
        int num = 1;
        if (policy != null) {
            if (policy.retryOn() != null) {
                conditions.addAll(policy.retryOn());
            }
            if (policy.retriableStatusCodes() != null) {
                codes.addAll(policy.retriableStatusCodes());
            }
            num = policy.numRetries();
        }
        addTokens(on, conditions, false);
        addTokens(grpcOn, conditions, true);
        if (!requestRetriable) {
            // Envoy's retry_on_ = 0: the state stays, retrying nothing.
            conditions.clear();
        }
        if (!conditions.isEmpty()) {
            // As Envoy: x-envoy-max-retries counts only for a state with a condition.
            num = maxRetries(num, headers);
        }
        if (rc != null) {
            for (String s : rc.toString().split(",")) {
                try {
                    codes.add(Integer.parseInt(s.trim()));
                } catch (NumberFormatException ignored) {
                    // skipped, as Envoy does
                }
            }
        }
        return new RetryState(conditions, codes, num, policy, withNamed(matchers.response(), names)).withEarlyData(headers);
    }

    /** Envoy's RetryState::enabled(): some condition may retry; only then is the body held for a replay. */
    boolean enabled() {
        return !retryOn.isEmpty();
    }

    private RetryState withEarlyData(Http2Headers request) {
        earlyData = request.contains(EARLY_DATA);
        return this;
    }

    /**
     * Envoy's RetryDecision::RetryImmediately: a 425 (Too Early) retried through its retriable
     * status code goes again at once, without back-off, when the request did not come as early data.
     */
    boolean retriesImmediately(int status, Http2Headers response) {
        return status == TOO_EARLY && !earlyData && !response.contains(RATELIMITED)
                && retryOn.contains(RetryOn.RETRIABLE_STATUS_CODES) && statusCodes.contains(TOO_EARLY);
    }

    /** Envoy's x-envoy-retriable-header-names: a response carrying any of the names is retriable. */
    private static CompiledHeaderMatcher[] withNamed(CompiledHeaderMatcher[] configured, CharSequence names) {
        if (names == null) {
            return configured;
        }
        List<CompiledHeaderMatcher> all = new ArrayList<>(List.of(configured));
        for (String n : names.toString().split(",")) {
            String name = n.trim().toLowerCase(java.util.Locale.ROOT);
            if (!name.isEmpty()) {
                all.add(new CompiledHeaderMatcher(new HeaderMatcher(name, null, true, null, false, false)));
            }
        }
        return all.toArray(new CompiledHeaderMatcher[0]);
    }

    /**
     * Envoy's RetryStateImpl::create consumes the request's retry headers whether or not they made
     * a retry state: the upstream never sees them (x-envoy-hedge-on-per-try-timeout and the per-try
     * timeout are taken where they are read).
     */
    static void consumeHeaders(Http2Headers headers) {
        headers.remove(RETRY_ON);
        headers.remove(RETRY_GRPC_ON);
        headers.remove(MAX_RETRIES);
        headers.remove(RETRIABLE_STATUS_CODES);
        headers.remove(RETRIABLE_HEADER_NAMES);
    }

    /** x-envoy-max-retries when present and a number, else {@code num}. */
    private static int maxRetries(int num, Http2Headers headers) {
        CharSequence max = headers.get(MAX_RETRIES);
        if (max != null) {
            try {
                int n = Integer.parseInt(max.toString().trim());
                if (n >= 0) {
                    num = n;
                }
            } catch (NumberFormatException ignored) {
                // Envoy ignores an unparsable value (a negative one too: it reads an unsigned number).
            }
        }
        return num;
    }

    private static void addTokens(CharSequence value, EnumSet<RetryOn> into, boolean grpcOnly) {
        if (value == null) {
            return;
        }
        for (String t : value.toString().split(",")) {
            RetryOn r = RetryOn.ofToken(t.trim());
            if (r != null && GRPC.contains(r) == grpcOnly) {
                into.add(r);
            }
        }
    }

    /** Envoy's wouldRetryFromHeaders. */
    public boolean wouldRetry(int status, Http2Headers response, boolean endStream) {
        if (response.contains(RATELIMITED)) {
            // An upstream Envoy rate limited the request: retried under envoy-ratelimited alone, never
            // as a 5xx or any other condition (Envoy's wouldRetryFromHeaders).
            return retryOn.contains(RetryOn.ENVOY_RATELIMITED);
        }
        if (retryOn.contains(RetryOn.FIVE_XX) && status >= 500 && status < 600) {
            return true;
        }
        if (retryOn.contains(RetryOn.GATEWAY_ERROR) && status >= 502 && status <= 504) {
            return true;
        }
        if (retryOn.contains(RetryOn.RETRIABLE_4XX) && status == 409) {
            return true;
        }
        // A 425 to a request that came as early data goes downstream (Envoy's wouldRetryFromHeaders).
        if (retryOn.contains(RetryOn.RETRIABLE_STATUS_CODES) && statusCodes.contains(status)
                && (status != TOO_EARLY || !earlyData)) {
            return true;
        }
        if (retryOn.contains(RetryOn.RETRIABLE_HEADERS)) {
            for (CompiledHeaderMatcher m : retriableHeaders) {
                if (m.matches(response)) {
                    return true;
                }
            }
        }
        CharSequence gs = response.get(GRPC_STATUS);
        if (gs != null) {
            switch (gs.toString()) {
                case "1": return retryOn.contains(RetryOn.GRPC_CANCELLED);
                case "4": return retryOn.contains(RetryOn.GRPC_DEADLINE_EXCEEDED);
                case "8": return retryOn.contains(RetryOn.GRPC_RESOURCE_EXHAUSTED);
                case "13": return retryOn.contains(RetryOn.GRPC_INTERNAL);
                case "14": return retryOn.contains(RetryOn.GRPC_UNAVAILABLE);
                default: return false;
            }
        }
        return false;
    }

    /** Envoy's wouldRetryFromReset; overflow is never retried. */
    public boolean wouldRetry(ResetReason reason) {
        return wouldRetry(reason, true);
    }

    /**
     * Envoy's maybeRetryReset and wouldRetryFromReset, for the router's current try: a reset, or a
     * per-try timeout or max stream duration, which reset the try locally.
     *
     * @param tryStarted whether this try's request went to the upstream: from then on
     *                   reset-before-request no longer applies to the request (Envoy remembers it
     *                   across tries, from a reset's check only)
     */
    boolean wouldRetry(ResetReason reason, boolean tryStarted) {
        requestStarted |= tryStarted;
        if (reason == ResetReason.OVERFLOW) {
            return false;
        }
        if (!requestStarted && retryOn.contains(RetryOn.RESET_BEFORE_REQUEST)) {
            return true;
        }
        if (retryOn.contains(RetryOn.FIVE_XX) || retryOn.contains(RetryOn.GATEWAY_ERROR)
                || retryOn.contains(RetryOn.RESET)) {
            return true;
        }
        if (reason.isConnectFailure() && retryOn.contains(RetryOn.CONNECT_FAILURE)) {
            return true;
        }
        return reason == ResetReason.REMOTE_REFUSED_STREAM_RESET && retryOn.contains(RetryOn.REFUSED_STREAM);
    }

    /** A per-try timeout counts as a reset for 5xx, gateway-error and reset. */
    public boolean wouldRetryTimeout() {
        return retryOn.contains(RetryOn.FIVE_XX) || retryOn.contains(RetryOn.GATEWAY_ERROR)
                || retryOn.contains(RetryOn.RESET);
    }
}

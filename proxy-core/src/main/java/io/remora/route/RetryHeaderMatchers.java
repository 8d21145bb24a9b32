package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HeaderMatcher;
import io.remora.config.RetryPolicy;

import java.util.List;

/**
 * A retry policy's {@code retriable_headers} (responses worth a retry),
 * {@code retriable_request_headers} (requests that may be retried at all) and the reset headers
 * of its rate-limited back-off, compiled once with the route.
 */
public final class RetryHeaderMatchers {

    public static final RetryHeaderMatchers NONE = new RetryHeaderMatchers(new CompiledHeaderMatcher[0],
            new CompiledHeaderMatcher[0], null);

    private final CompiledHeaderMatcher[] response;
    private final CompiledHeaderMatcher[] request;
    private final RateLimitReset reset;

    private RetryHeaderMatchers(CompiledHeaderMatcher[] response, CompiledHeaderMatcher[] request,
                                RateLimitReset reset) {
        this.response = response;
        this.request = request;
        this.reset = reset;
    }

    public static RetryHeaderMatchers of(RetryPolicy policy) {
        if (policy == null || (policy.retriableHeaders().isEmpty() && policy.retriableRequestHeaders().isEmpty()
                && policy.resetHeaders().isEmpty())) {
            return NONE;
        }
        return new RetryHeaderMatchers(compile(policy.retriableHeaders()),
                policy.retriableRequestHeaders().stream().map(CompiledHeaderMatcher::forRequest)
                        .toArray(CompiledHeaderMatcher[]::new),
                RateLimitReset.of(policy));
    }

    /** The policy's rate_limited_retry_back_off reset headers; null for none. */
    public RateLimitReset reset() {
        return reset;
    }

    private static CompiledHeaderMatcher[] compile(List<HeaderMatcher> in) {
        return in.stream().map(CompiledHeaderMatcher::new).toArray(CompiledHeaderMatcher[]::new);
    }

    /** The response retriable_headers; the array is not to be changed. */
    public CompiledHeaderMatcher[] response() {
        return response;
    }

    /** Whether a request with these headers may be retried: retriable_request_headers empty or one matching. */
    public boolean requestRetriable(Http2Headers headers) {
        if (request.length == 0) {
            return true;
        }
        for (CompiledHeaderMatcher m : request) {
            if (m.matches(headers)) {
                return true;
            }
        }
        return false;
    }
}

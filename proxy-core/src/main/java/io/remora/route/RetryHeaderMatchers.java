package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.HeaderMatcher;
import io.remora.config.RetryPolicy;

import java.util.List;

/**
 * A retry policy's {@code retriable_headers} (responses worth a retry) and
 * {@code retriable_request_headers} (requests that may be retried at all), compiled once with
 * the route.
 */
public final class RetryHeaderMatchers {

    public static final RetryHeaderMatchers NONE = new RetryHeaderMatchers(new CompiledHeaderMatcher[0],
            new CompiledHeaderMatcher[0]);

    private final CompiledHeaderMatcher[] response;
    private final CompiledHeaderMatcher[] request;

    private RetryHeaderMatchers(CompiledHeaderMatcher[] response, CompiledHeaderMatcher[] request) {
        this.response = response;
        this.request = request;
    }

    public static RetryHeaderMatchers of(RetryPolicy policy) {
        if (policy == null || (policy.retriableHeaders().isEmpty() && policy.retriableRequestHeaders().isEmpty())) {
            return NONE;
        }
        return new RetryHeaderMatchers(compile(policy.retriableHeaders()), compile(policy.retriableRequestHeaders()));
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

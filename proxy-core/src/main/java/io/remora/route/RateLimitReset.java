package io.remora.route;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.RetryPolicy;

import java.util.List;

/**
 * A retry policy's {@code rate_limited_retry_back_off}, compiled once with the route: reads how
 * long a retriable response asks the client to wait (Envoy's ResetHeaderParserImpl and
 * RetryStateImpl::parseResetInterval).
 */
public final class RateLimitReset {
    private final AsciiString[] names;
    private final boolean[] unixTimestamp;
    private final long maxMillis;

    private RateLimitReset(List<RetryPolicy.ResetHeader> headers, long maxMillis) {
        names = new AsciiString[headers.size()];
        unixTimestamp = new boolean[headers.size()];
        for (int i = 0; i < names.length; i++) {
            // Response headers arrive lower case; the lookup is then a plain one.
            names[i] = AsciiString.of(headers.get(i).name().toLowerCase(java.util.Locale.ROOT));
            unixTimestamp[i] = headers.get(i).unixTimestamp();
        }
        this.maxMillis = maxMillis;
    }

    /** Null when the policy has no reset headers, so a request without them pays nothing. */
    public static RateLimitReset of(RetryPolicy policy) {
        if (policy == null || policy.resetHeaders().isEmpty()) {
            return null;
        }
        return new RateLimitReset(policy.resetHeaders(), policy.resetMaxInterval().toMillis());
    }

    /**
     * The interval of the first header present whose (first) value parses and is within
     * max_interval, in milliseconds; -1 when none does. A timestamp already past does not parse.
     *
     * @param nowSeconds the unix time now, for {@code UNIX_TIMESTAMP} headers
     */
    public long intervalMillis(Http2Headers response, long nowSeconds) {
        for (int i = 0; i < names.length; i++) {
            CharSequence v = response.get(names[i]);
            long seconds = v == null ? -1 : parseSeconds(v);
            if (seconds < 0) {
                continue;
            }
            if (unixTimestamp[i]) {
                if (seconds < nowSeconds) {
                    continue;
                }
                seconds -= nowSeconds;
            }
            // Past this the interval is beyond any max_interval a Duration can give in millis.
            if (seconds <= Long.MAX_VALUE / 1000 && seconds * 1000 <= maxMillis) {
                return seconds * 1000;
            }
        }
        return -1;
    }

    /** absl::SimpleAtoi into an unsigned: -1 when it does not parse or is negative. */
    static long parseSeconds(CharSequence s) {
        try {
            long v = CompiledHeaderMatcher.simpleAtoi(s);
            return v < 0 ? -1 : v;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

package io.remora.extensions.filters.common.tap;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.common.RequestHeaderMatch;

import java.util.List;

/**
 * A compiled {@code envoy.config.common.matcher.v3.MatchPredicate} (Envoy's tap matcher). It is
 * evaluated against what a stream has shown so far, in three values: a leaf whose data has not
 * arrived is undetermined until the stream is over, then false, as Envoy's "might change status"
 * matchers. And/or/not combine them as Kleene's logic, so a stream that can no longer match is
 * known as early as possible and stops being recorded.
 */
public sealed interface TapPredicate {

    /** The outcome so far. */
    enum Result {
        MATCH, NO_MATCH, UNDETERMINED
    }

    /** Which of a stream's header maps a headers leaf reads. */
    enum HeadersSource {
        REQUEST_HEADERS, REQUEST_TRAILERS, RESPONSE_HEADERS, RESPONSE_TRAILERS
    }

    /** What a stream has shown: its header maps (null until seen) and its body searches. */
    interface Observed {
        Http2Headers headers(HeadersSource source);

        /** The body search of leaf {@code index}, or null when no body was seen. */
        BodySearch body(int index);

        /** Whether the stream is over: leaves still waiting are then false. */
        boolean complete();
    }

    Result evaluate(Observed stream);

    /** {@code any_match}. */
    record Any() implements TapPredicate {
        @Override
        public Result evaluate(Observed stream) {
            return Result.MATCH;
        }
    }

    /** {@code and_match} / {@code or_match}. */
    record MatchSet(List<TapPredicate> rules, boolean and) implements TapPredicate {
        @Override
        public Result evaluate(Observed stream) {
            boolean undetermined = false;
            for (TapPredicate p : rules) {
                Result r = p.evaluate(stream);
                if (r == (and ? Result.NO_MATCH : Result.MATCH)) {
                    return r;
                }
                undetermined |= r == Result.UNDETERMINED;
            }
            return undetermined ? Result.UNDETERMINED : and ? Result.MATCH : Result.NO_MATCH;
        }
    }

    /** {@code not_match}. */
    record Not(TapPredicate rule) implements TapPredicate {
        @Override
        public Result evaluate(Observed stream) {
            return switch (rule.evaluate(stream)) {
                case MATCH -> Result.NO_MATCH;
                case NO_MATCH -> Result.MATCH;
                case UNDETERMINED -> Result.UNDETERMINED;
            };
        }
    }

    /** {@code http_{request,response}_{headers,trailers}_match}: every header matcher (Envoy's matchHeaders). */
    record Headers(HeadersSource source, RequestHeaderMatch match) implements TapPredicate {
        @Override
        public Result evaluate(Observed stream) {
            Http2Headers h = stream.headers(source);
            if (h == null) {
                return stream.complete() ? Result.NO_MATCH : Result.UNDETERMINED;
            }
            return match.matches(h) ? Result.MATCH : Result.NO_MATCH;
        }
    }

    /**
     * {@code http_{request,response}_generic_body_match}: every pattern within the first
     * {@code bytesLimit} bytes (0: the whole body); {@code index} names its per-stream search.
     */
    record Body(boolean request, List<byte[]> patterns, long bytesLimit, int index) implements TapPredicate {
        @Override
        public Result evaluate(Observed stream) {
            BodySearch s = stream.body(index);
            if (s != null && s.found()) {
                return Result.MATCH;
            }
            if (stream.complete() || s != null && s.exhausted()) {
                return Result.NO_MATCH;
            }
            return Result.UNDETERMINED;
        }
    }
}

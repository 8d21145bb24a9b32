package io.remora.extensions.filters.http.match_delegate;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.StreamEncoderFilter;
import io.remora.http.filter.StreamFilter;
import io.remora.http.filter.StreamFilterBase;
import io.remora.http.filter.StreamFilterCallbacks;
import io.remora.matching.StreamMatchingData;
import io.remora.matching.UnifiedMatcherEvaluator;

/**
 * One stream's wrapped filter and its matcher (Envoy's {@code DelegatingStreamFilter}). The matcher
 * is evaluated on request headers, request trailers, response headers and response trailers as
 * they reach this filter, until a result is complete (the inputs it needs were there): then
 * {@code SkipFilter} turns the wrapped filter off for the rest of the stream, starting with the call
 * that completed the match, and another action goes to the wrapped filter (the composite's) before
 * that call; no match leaves it running. Body data does not advance the match. The wrapper takes
 * the shape of the wrapped filter (decoder, encoder or both), so that it is only called where the
 * wrapped filter would be.
 */
abstract class MatchDelegatingFilter implements StreamFilterBase {

    /** What the evaluator returns while an input the match needs has not arrived. */
    static final Object INCOMPLETE = new Object();

    private final UnifiedMatcherEvaluator<Object> matcher;
    private final StreamFilterBase wrapped;
    private StreamMatchingData data;
    private boolean evaluated;
    private boolean skip;

    /** @param matcher null: no matcher, and as in Envoy the wrapped filter never runs */
    private MatchDelegatingFilter(UnifiedMatcherEvaluator<Object> matcher, StreamFilterBase wrapped) {
        this.matcher = matcher;
        this.wrapped = wrapped;
        this.skip = matcher == null;
        this.evaluated = matcher == null;
    }

    static StreamFilterBase of(UnifiedMatcherEvaluator<Object> matcher, StreamFilterBase wrapped) {
        boolean decodes = wrapped instanceof StreamDecoderFilter;
        boolean encodes = wrapped instanceof StreamEncoderFilter;
        if (!decodes && !encodes) {
            return wrapped; // sees no stream data, so nothing to match or skip
        }
        return decodes && encodes ? new Both(matcher, wrapped)
                : decodes ? new Decoding(matcher, wrapped) : new Encoding(matcher, wrapped);
    }

    private void callbacks(StreamFilterCallbacks cb) {
        if (data == null) {
            data = new StreamMatchingData(cb);
        }
    }

    private void evaluate() {
        if (evaluated) {
            return;
        }
        Object action = matcher.match(data, INCOMPLETE);
        if (action == INCOMPLETE) {
            return;
        }
        evaluated = true;
        if (action == FilterMatchAction.SkipFilter.INSTANCE) {
            skip = true;
        } else if (action != null && wrapped instanceof MatchActionTarget t) {
            t.onMatchAction(action);
        }
    }

    // ------------------------------------------------------------------ decoder half

    public void setDecoderFilterCallbacks(DecoderFilterCallbacks cb) {
        callbacks(cb);
        ((StreamDecoderFilter) wrapped).setDecoderFilterCallbacks(cb);
    }

    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        if (!evaluated) {
            data.onRequestHeaders(headers);
            evaluate();
        }
        return skip ? FilterStatus.CONTINUE : ((StreamDecoderFilter) wrapped).decodeHeaders(headers, endStream);
    }

    public FilterStatus decodeData(ByteBuf buf, boolean endStream) {
        return skip ? FilterStatus.CONTINUE : ((StreamDecoderFilter) wrapped).decodeData(buf, endStream);
    }

    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (!evaluated) {
            data.onRequestTrailers(trailers);
            evaluate();
        }
        return skip ? FilterStatus.CONTINUE : ((StreamDecoderFilter) wrapped).decodeTrailers(trailers);
    }

    // ------------------------------------------------------------------ encoder half

    public void setEncoderFilterCallbacks(EncoderFilterCallbacks cb) {
        callbacks(cb);
        ((StreamEncoderFilter) wrapped).setEncoderFilterCallbacks(cb);
    }

    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (!evaluated) {
            data.onResponseHeaders(headers);
            evaluate();
        }
        return skip ? FilterStatus.CONTINUE : ((StreamEncoderFilter) wrapped).encodeHeaders(headers, endStream);
    }

    public FilterStatus encodeData(ByteBuf buf, boolean endStream) {
        return skip ? FilterStatus.CONTINUE : ((StreamEncoderFilter) wrapped).encodeData(buf, endStream);
    }

    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (!evaluated) {
            data.onResponseTrailers(trailers);
            evaluate();
        }
        return skip ? FilterStatus.CONTINUE : ((StreamEncoderFilter) wrapped).encodeTrailers(trailers);
    }

    @Override
    public void onDestroy() {
        // Envoy destroys a skipped filter too: it may hold what it set up before the match.
        wrapped.onDestroy();
    }

    private static final class Decoding extends MatchDelegatingFilter implements StreamDecoderFilter {
        Decoding(UnifiedMatcherEvaluator<Object> matcher, StreamFilterBase wrapped) {
            super(matcher, wrapped);
        }
    }

    private static final class Encoding extends MatchDelegatingFilter implements StreamEncoderFilter {
        Encoding(UnifiedMatcherEvaluator<Object> matcher, StreamFilterBase wrapped) {
            super(matcher, wrapped);
        }
    }

    private static final class Both extends MatchDelegatingFilter implements StreamFilter {
        Both(UnifiedMatcherEvaluator<Object> matcher, StreamFilterBase wrapped) {
            super(matcher, wrapped);
        }
    }
}

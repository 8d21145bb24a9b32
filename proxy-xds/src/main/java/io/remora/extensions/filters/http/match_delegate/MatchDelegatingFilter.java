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

import java.util.function.Function;

/**
 * One stream's wrapped filter and its matcher (Envoy's {@code DelegatingStreamFilter}). The matcher
 * is evaluated on request headers, request trailers, response headers and response trailers as
 * they reach this filter, until a result is complete (the inputs it needs were there): then
 * {@code SkipFilter} turns the wrapped filter off for the rest of the stream, starting with the call
 * that completed the match, and another action goes to the wrapped filter (the composite's) before
 * that call; no match leaves it running. Body data does not advance the match. A route's
 * {@code ExtensionWithMatcherPerRoute} replaces the matcher when the request headers arrive; with
 * no matcher at all the wrapped filter never runs, as in Envoy. The wrapper takes
 * the shape of the wrapped filter (decoder, encoder or both), so that it is only called where the
 * wrapped filter would be.
 */
abstract class MatchDelegatingFilter implements StreamFilterBase {

    /** What the evaluator returns while an input the match needs has not arrived. */
    static final Object INCOMPLETE = new Object();

    /** The filter's matcher (null when it has none) and how a route's replaces it. */
    record Matchers(UnifiedMatcherEvaluator<Object> matcher, Function<MatchDelegatePerRoute,
            UnifiedMatcherEvaluator<Object>> perRoute) {
    }

    private final StreamFilterBase wrapped;
    private final Matchers matchers;
    private UnifiedMatcherEvaluator<Object> matcher;
    private StreamFilterCallbacks callbacks;
    private StreamMatchingData data;
    private boolean evaluated;
    private boolean skip;

    private MatchDelegatingFilter(Matchers matchers, StreamFilterBase wrapped) {
        this.matchers = matchers;
        this.matcher = matchers.matcher();
        this.wrapped = wrapped;
    }

    static StreamFilterBase of(Matchers matchers, StreamFilterBase wrapped) {
        boolean decodes = wrapped instanceof StreamDecoderFilter;
        boolean encodes = wrapped instanceof StreamEncoderFilter;
        if (!decodes && !encodes) {
            return wrapped; // sees no stream data, so nothing to match or skip
        }
        return decodes && encodes ? new Both(matchers, wrapped)
                : decodes ? new Decoding(matchers, wrapped) : new Encoding(matchers, wrapped);
    }

    private void callbacks(StreamFilterCallbacks cb) {
        if (data == null) {
            callbacks = cb;
            data = new StreamMatchingData(cb);
        }
    }

    private void evaluate() {
        if (evaluated) {
            return;
        }
        if (matcher == null) {
            evaluated = true;
            skip = true;
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
        if (callbacks.perFilterConfig() instanceof MatchDelegatePerRoute route) {
            matcher = matchers.perRoute().apply(route);
        }
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
        Decoding(Matchers matchers, StreamFilterBase wrapped) {
            super(matchers, wrapped);
        }
    }

    private static final class Encoding extends MatchDelegatingFilter implements StreamEncoderFilter {
        Encoding(Matchers matchers, StreamFilterBase wrapped) {
            super(matchers, wrapped);
        }
    }

    private static final class Both extends MatchDelegatingFilter implements StreamFilter {
        Both(Matchers matchers, StreamFilterBase wrapped) {
            super(matchers, wrapped);
        }
    }
}

package io.remora.extensions.filters.http.tap;

import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.data.tap.v3.HttpBufferedTrace;
import io.envoyproxy.envoy.data.tap.v3.HttpStreamedTraceSegment;
import io.envoyproxy.envoy.data.tap.v3.TraceWrapper;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.common.tap.BodyCapture;
import io.remora.extensions.filters.common.tap.BodySearch;
import io.remora.extensions.filters.common.tap.TapExtensionConfig;
import io.remora.extensions.filters.common.tap.TapPredicate;
import io.remora.extensions.filters.common.tap.TapPredicate.HeadersSource;
import io.remora.extensions.filters.common.tap.TapSpec;
import io.remora.extensions.filters.common.tap.TraceConnection;

import java.time.Instant;
import java.util.Map;

/**
 * One stream's tap (Envoy's HttpPerRequestTapperImpl): it keeps the header maps it saw and the
 * first bytes of each body, matches as data arrives, and on the stream's end writes one
 * {@code http_buffered_trace} if the config matched; or, streaming, sends each piece as an
 * {@code http_streamed_trace_segment} from the moment the stream matches (what came before,
 * bodies up to their limit, first).
 */
final class HttpTapper implements TapPredicate.Observed {

    private final TapExtensionConfig.Active active;
    private final TapSpec spec;
    private final boolean recordTime;
    private Http2Headers requestHeaders;
    private Http2Headers requestTrailers;
    private Http2Headers responseHeaders;
    private Http2Headers responseTrailers;
    private Timestamp requestTime;
    private Timestamp responseTime;
    private BodyCapture requestBody;
    private BodyCapture responseBody;
    private final BodySearch[] searches;
    private final long traceId;
    private boolean complete;
    /** Streaming: while Envoy's current match (data not seen counted false) is false, nothing is sent. */
    private boolean assumeOver;
    private boolean started;
    private BodyCapture pendingRequestBody;
    private BodyCapture pendingResponseBody;

    HttpTapper(TapExtensionConfig.Active active, boolean recordTime, long traceId) {
        this.active = active;
        this.traceId = traceId;
        this.spec = active.spec();
        this.recordTime = recordTime;
        this.searches = spec.bodyMatches().isEmpty() ? null : new BodySearch[spec.bodyMatches().size()];
    }

    /** Whether the stream can still match (false: the tap may be dropped). */
    boolean mayMatch() {
        return spec.match().evaluate(this) != TapPredicate.Result.NO_MATCH;
    }

    void requestHeaders(Http2Headers h) {
        requestHeaders = h;
        if (recordTime) {
            requestTime = now();
        }
        if (spec.streaming()) {
            streamed(HttpStreamedTraceSegment.Builder::setRequestHeaders, h);
        }
    }

    void requestTrailers(Http2Headers h) {
        requestTrailers = h;
        if (spec.streaming()) {
            streamed(HttpStreamedTraceSegment.Builder::setRequestTrailers, h);
        }
    }

    void responseHeaders(Http2Headers h) {
        responseHeaders = h;
        if (recordTime) {
            responseTime = now();
        }
        if (spec.streaming()) {
            streamed(HttpStreamedTraceSegment.Builder::setResponseHeaders, h);
        }
    }

    void responseTrailers(Http2Headers h) {
        responseTrailers = h;
        if (spec.streaming()) {
            streamed(HttpStreamedTraceSegment.Builder::setResponseTrailers, h);
        }
    }

    void requestBody(ByteBuf data) {
        body(data, true);
    }

    void responseBody(ByteBuf data) {
        body(data, false);
    }

    private void body(ByteBuf data, boolean request) {
        if (!data.isReadable()) {
            return;
        }
        search(data, request);
        int max = request ? spec.maxRxBytes() : spec.maxTxBytes();
        if (spec.streaming()) {
            streamedBody(data, request, max);
            return;
        }
        BodyCapture kept = request ? requestBody : responseBody;
        if (kept == null) {
            kept = new BodyCapture(max);
            if (request) {
                requestBody = kept;
            } else {
                responseBody = kept;
            }
        }
        kept.append(data);
    }

    /** Streaming: a header map is sent once the stream matches, after what came before it. */
    private void streamed(java.util.function.BiConsumer<HttpStreamedTraceSegment.Builder, HeaderMap> piece,
                          Http2Headers h) {
        if (started) {
            segment(b -> piece.accept(b, headerMap(h)));
        } else if (matchesNow()) {
            start();
        }
    }

    /**
     * Streaming: once started each chunk is a segment (up to the byte limit); before, the body is
     * kept up to the limit while the stream may still match, and sent when it does.
     */
    private void streamedBody(ByteBuf data, boolean request, int max) {
        if (started) {
            BodyCapture chunk = new BodyCapture(max);
            chunk.append(data);
            segment(b -> body(b, request, chunk));
            return;
        }
        if (spec.match().evaluate(this) == TapPredicate.Result.NO_MATCH) {
            return;
        }
        BodyCapture kept = request ? pendingRequestBody : pendingResponseBody;
        if (kept == null) {
            kept = new BodyCapture(max);
            if (request) {
                pendingRequestBody = kept;
            } else {
                pendingResponseBody = kept;
            }
        }
        kept.append(data);
        if (matchesNow()) {
            start();
        }
    }

    /** The stream now matches: sends what it has seen so far, in order, each as its segment. */
    private void start() {
        started = true;
        if (requestHeaders != null) {
            segment(b -> b.setRequestHeaders(headerMap(requestHeaders)));
        }
        if (pendingRequestBody != null) {
            BodyCapture c = pendingRequestBody;
            segment(b -> body(b, true, c));
            pendingRequestBody = null;
        }
        if (requestTrailers != null) {
            segment(b -> b.setRequestTrailers(headerMap(requestTrailers)));
        }
        if (responseHeaders != null) {
            segment(b -> b.setResponseHeaders(headerMap(responseHeaders)));
        }
        if (pendingResponseBody != null) {
            BodyCapture c = pendingResponseBody;
            segment(b -> body(b, false, c));
            pendingResponseBody = null;
        }
        if (responseTrailers != null) {
            segment(b -> b.setResponseTrailers(headerMap(responseTrailers)));
        }
    }

    private void body(HttpStreamedTraceSegment.Builder b, boolean request, BodyCapture c) {
        if (request) {
            b.setRequestBodyChunk(c.toProto(spec.format()));
        } else {
            b.setResponseBodyChunk(c.toProto(spec.format()));
        }
    }

    private void segment(java.util.function.Consumer<HttpStreamedTraceSegment.Builder> piece) {
        HttpStreamedTraceSegment.Builder b = HttpStreamedTraceSegment.newBuilder().setTraceId(traceId);
        piece.accept(b);
        active.sink().submit(TraceWrapper.newBuilder().setHttpStreamedTraceSegment(b).build(), traceId);
    }

    /** Envoy's current match status: what has not been seen counts as not matching. */
    private boolean matchesNow() {
        assumeOver = true;
        try {
            return spec.match().evaluate(this) == TapPredicate.Result.MATCH;
        } finally {
            assumeOver = false;
        }
    }

    private static HeaderMap headerMap(Http2Headers h) {
        HeaderMap.Builder m = HeaderMap.newBuilder();
        copy(h, m::addHeaders);
        return m.build();
    }

    private void search(ByteBuf data, boolean request) {
        if (searches == null) {
            return;
        }
        for (TapPredicate.Body leaf : spec.bodyMatches()) {
            if (leaf.request() == request) {
                BodySearch s = searches[leaf.index()];
                if (s == null) {
                    s = new BodySearch(leaf.patterns(), leaf.bytesLimit());
                    searches[leaf.index()] = s;
                }
                s.onData(data);
            }
        }
    }

    /**
     * The stream is over: submits its buffered trace if the config matched (a streamed one was
     * sent as it went).
     *
     * @param local  the downstream connection's local address, or null when not recorded
     * @param remote its remote address, or null
     * @return whether it was tapped
     */
    boolean finish(java.net.SocketAddress local, java.net.SocketAddress remote) {
        complete = true;
        if (spec.match().evaluate(this) != TapPredicate.Result.MATCH) {
            return false;
        }
        if (spec.streaming()) {
            return true;
        }
        HttpBufferedTrace.Builder trace = HttpBufferedTrace.newBuilder();
        if (requestHeaders != null || requestBody != null || requestTrailers != null) {
            message(trace.getRequestBuilder(), requestHeaders, requestTime, requestBody, requestTrailers);
        }
        if (responseHeaders != null || responseBody != null || responseTrailers != null) {
            message(trace.getResponseBuilder(), responseHeaders, responseTime, responseBody, responseTrailers);
        }
        if (local != null && remote != null) {
            trace.setDownstreamConnection(TraceConnection.of(local, remote));
        }
        active.sink().submit(TraceWrapper.newBuilder().setHttpBufferedTrace(trace).build(), traceId);
        return true;
    }

    private void message(HttpBufferedTrace.Message.Builder m, Http2Headers headers, Timestamp time, BodyCapture body,
                         Http2Headers trailers) {
        if (headers != null) {
            copy(headers, m::addHeaders);
            if (time != null) {
                m.setHeadersReceivedTime(time);
            }
        }
        if (body != null) {
            m.setBody(body.toProto(spec.format()));
        }
        if (trailers != null) {
            copy(trailers, m::addTrailers);
        }
    }

    private static void copy(Http2Headers headers, java.util.function.Consumer<HeaderValue> add) {
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            add.accept(HeaderValue.newBuilder().setKey(e.getKey().toString()).setValue(e.getValue().toString()).build());
        }
    }

    private static Timestamp now() {
        Instant t = Instant.now();
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    @Override
    public Http2Headers headers(HeadersSource source) {
        return switch (source) {
            case REQUEST_HEADERS -> requestHeaders;
            case REQUEST_TRAILERS -> requestTrailers;
            case RESPONSE_HEADERS -> responseHeaders;
            case RESPONSE_TRAILERS -> responseTrailers;
        };
    }

    @Override
    public BodySearch body(int index) {
        return searches == null ? null : searches[index];
    }

    @Override
    public boolean complete() {
        return complete || assumeOver;
    }
}

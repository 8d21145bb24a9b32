package io.remora.extensions.filters.http.tap;

import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.data.tap.v3.Connection;
import io.envoyproxy.envoy.data.tap.v3.HttpBufferedTrace;
import io.envoyproxy.envoy.data.tap.v3.TraceWrapper;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.common.tap.BodyCapture;
import io.remora.extensions.filters.common.tap.BodySearch;
import io.remora.extensions.filters.common.tap.TapExtensionConfig;
import io.remora.extensions.filters.common.tap.TapPredicate;
import io.remora.extensions.filters.common.tap.TapPredicate.HeadersSource;
import io.remora.extensions.filters.common.tap.TapSpec;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;

/**
 * One stream's buffered tap (Envoy's HttpPerRequestTapperImpl without streaming): it keeps the
 * header maps it saw and the first bytes of each body, matches as data arrives, and on the
 * stream's end writes one {@code http_buffered_trace} if the config matched.
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
    private boolean complete;

    HttpTapper(TapExtensionConfig.Active active, boolean recordTime) {
        this.active = active;
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
    }

    void requestTrailers(Http2Headers h) {
        requestTrailers = h;
    }

    void responseHeaders(Http2Headers h) {
        responseHeaders = h;
        if (recordTime) {
            responseTime = now();
        }
    }

    void responseTrailers(Http2Headers h) {
        responseTrailers = h;
    }

    void requestBody(ByteBuf data) {
        if (data.isReadable()) {
            search(data, true);
            if (requestBody == null) {
                requestBody = new BodyCapture(spec.maxRxBytes());
            }
            requestBody.append(data);
        }
    }

    void responseBody(ByteBuf data) {
        if (data.isReadable()) {
            search(data, false);
            if (responseBody == null) {
                responseBody = new BodyCapture(spec.maxTxBytes());
            }
            responseBody.append(data);
        }
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
     * The stream is over: submits its trace if the config matched.
     *
     * @param local  the downstream connection's local address, or null when not recorded
     * @param remote its remote address, or null
     * @return whether it was tapped
     */
    boolean finish(long traceId, java.net.SocketAddress local, java.net.SocketAddress remote) {
        complete = true;
        if (spec.match().evaluate(this) != TapPredicate.Result.MATCH) {
            return false;
        }
        HttpBufferedTrace.Builder trace = HttpBufferedTrace.newBuilder();
        if (requestHeaders != null || requestBody != null || requestTrailers != null) {
            message(trace.getRequestBuilder(), requestHeaders, requestTime, requestBody, requestTrailers);
        }
        if (responseHeaders != null || responseBody != null || responseTrailers != null) {
            message(trace.getResponseBuilder(), responseHeaders, responseTime, responseBody, responseTrailers);
        }
        if (local != null && remote != null) {
            trace.setDownstreamConnection(Connection.newBuilder().setLocalAddress(address(local))
                    .setRemoteAddress(address(remote)));
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

    private static Address address(java.net.SocketAddress a) {
        if (a instanceof InetSocketAddress in) {
            String host = in.getAddress() != null ? in.getAddress().getHostAddress() : in.getHostString();
            return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host)
                    .setPortValue(in.getPort())).build();
        }
        return Address.newBuilder().setPipe(Pipe.newBuilder().setPath(String.valueOf(a))).build();
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
        return complete;
    }
}

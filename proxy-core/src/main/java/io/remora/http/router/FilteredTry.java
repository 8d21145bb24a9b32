package io.remora.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.http.UpstreamFilterManager;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.UpstreamHttpFilterChain;
import io.remora.http.upstream.UpstreamStream;

import java.util.function.Consumer;

/**
 * A try whose request and response pass upstream HTTP filters: the router feeds the chain from the
 * start of the try, as Envoy does while the pool is still connecting, and what leaves the last
 * filter waits here (Envoy's upstream_codec) until the try has its stream. Made per try, only when
 * the cluster or the router lists upstream filters.
 */
final class FilteredTry implements UpstreamFilterManager.Upstream {

    private final UpstreamRequest attempt;
    final UpstreamFilterManager filters;
    /** What passed the filters before the pool had a stream. */
    private Http2Headers heldHeaders;
    private boolean heldHeadersEnd;
    private ByteBuf heldData;
    private boolean heldDataEnd;
    private Http2Headers heldTrailers;

    FilteredTry(UpstreamRequest attempt, UpstreamHttpFilterChain chain) {
        this.attempt = attempt;
        this.filters = new UpstreamFilterManager(chain, this);
    }

    /** The chain the try runs: the cluster's when it lists any (even the codec alone), else the router's. */
    static UpstreamHttpFilterChain chainFor(RouterFilter router) {
        UpstreamHttpFilterChain c = router.cluster.upstreamHttpFilters();
        if (c == null) {
            c = router.shared.upstreamFilters();
        }
        return c == null || c.size() == 0 ? null : c;
    }

    /** The pool gave the try its stream: what the filters let through so far goes out now. */
    void poolReady(UpstreamStream s) {
        if (heldHeaders != null) {
            Http2Headers h = heldHeaders;
            heldHeaders = null;
            s.writeHeaders(h, heldHeadersEnd);
            attempt.sent(heldHeadersEnd);
        }
        if (heldData != null) {
            ByteBuf d = heldData;
            heldData = null;
            s.writeData(d, heldDataEnd);
            attempt.sent(heldDataEnd);
        }
        if (heldTrailers != null) {
            Http2Headers t = heldTrailers;
            heldTrailers = null;
            s.writeTrailers(t);
            attempt.sent(true);
        }
    }

    /** The try is over: the filters' onDestroy, and what waits for a stream released. */
    void destroy() {
        filters.destroy();
        heldHeaders = null;
        heldTrailers = null;
        if (heldData != null) {
            heldData.release();
            heldData = null;
        }
    }

    @Override
    public DecoderFilterCallbacks downstream() {
        return attempt.router.cb;
    }

    @Override
    public Http2Headers requestHeaders() {
        return attempt.headers;
    }

    @Override
    public void sendHeaders(Http2Headers headers, boolean endStream) {
        if (attempt.finished) {
            return;
        }
        if (attempt.stream != null) {
            attempt.stream.writeHeaders(headers, endStream);
            attempt.sent(endStream);
        } else {
            heldHeaders = headers;
            heldHeadersEnd = endStream;
        }
    }

    @Override
    public void sendData(ByteBuf data, boolean endStream) {
        if (attempt.finished) {
            data.release();
            return;
        }
        if (attempt.stream != null) {
            attempt.stream.writeData(data, endStream);
            attempt.sent(endStream);
            return;
        }
        if (heldData == null) {
            heldData = data;
        } else {
            CompositeByteBuf c = heldData instanceof CompositeByteBuf existing ? existing
                    : io.netty.buffer.ByteBufAllocator.DEFAULT.compositeBuffer().addComponent(true, heldData);
            heldData = c.addComponent(true, data);
        }
        heldDataEnd = endStream;
    }

    @Override
    public void sendTrailers(Http2Headers trailers) {
        if (attempt.finished) {
            return;
        }
        if (attempt.stream != null) {
            attempt.stream.writeTrailers(trailers);
            attempt.sent(true);
        } else {
            heldTrailers = trailers;
        }
    }

    @Override
    public void receiveHeaders(Http2Headers headers, boolean endStream) {
        if (attempt.answers()) {
            UpstreamResponse.onHeaders(attempt.router, attempt, headers, endStream);
        }
    }

    @Override
    public void receiveData(ByteBuf data, boolean endStream) {
        attempt.deliverData(data, endStream);
    }

    @Override
    public void receiveTrailers(Http2Headers trailers) {
        attempt.deliverTrailers(trailers);
    }

    @Override
    public void localReply(int status, String body, ResponseFlag flag, String details,
                           Consumer<Http2Headers> modifyHeaders, int grpcStatus) {
        RouterFilter router = attempt.router;
        attempt.abandon();
        if (router.done) {
            return;
        }
        router.finish();
        router.cb.sendLocalReply(status, body, flag, details, modifyHeaders, grpcStatus);
    }
}

package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.StreamEncoderFilter;
import io.remora.http.filter.StreamFilterBase;
import io.remora.http.filter.UpstreamHttpFilterChain;

import java.util.function.Consumer;

/**
 * The upstream HTTP filters of one try of a request (Envoy's UpstreamFilterManager): the same
 * iteration as a stream's {@link FilterManager}, between the router and the try's pool stream.
 * Decoders see the request the router finalized, in configuration order, and pass it to the
 * codec; encoders see the upstream's response, in reverse order, before the router. Event-loop
 * confined; made only for a try whose cluster or router lists upstream filters.
 */
public final class UpstreamFilterManager extends DecoderIteration {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http");

    /** The try the filters run for: its codec end, its router end, and the downstream stream. */
    public interface Upstream {
        /** The router's own callbacks: the downstream stream, its route and state. */
        DecoderFilterCallbacks downstream();

        /** The request as this try sends it (the router's map, its per-try headers set). */
        Http2Headers requestHeaders();

        /** The codec end: what passed every decoder goes to the pool stream (held until it is ready). */
        void sendHeaders(Http2Headers headers, boolean endStream);

        void sendData(ByteBuf data, boolean endStream);

        void sendTrailers(Http2Headers trailers);

        /** The router end: what passed every encoder is the try's response. */
        void receiveHeaders(Http2Headers headers, boolean endStream);

        void receiveData(ByteBuf data, boolean endStream);

        void receiveTrailers(Http2Headers trailers);

        /**
         * A filter answered locally: as Envoy, through the downstream stream (no upstream filter
         * sees the reply, the router does not retry it); the try ends.
         */
        void localReply(int status, String body, ResponseFlag flag, String details,
                        Consumer<Http2Headers> modifyHeaders, int grpcStatus);
    }

    final Upstream upstream;
    private final UpstreamDecoderSlot[] decoders;
    private final UpstreamEncoderSlot[] encoders;
    private final StreamFilterBase[] all;
    final Encode encode = new Encode();
    final String statPrefix;
    private int decoderBufferLimit;
    private boolean aborted;
    private boolean destroyed;
    Http2Headers responseHeaders;

    public UpstreamFilterManager(UpstreamHttpFilterChain chain, Upstream upstream) {
        this.upstream = upstream;
        this.statPrefix = chain.statPrefix();
        this.decoderBufferLimit = upstream.downstream().bufferLimit();
        int n = chain.size();
        all = new StreamFilterBase[n];
        int decoderCount = 0;
        int encoderCount = 0;
        for (int k = 0; k < n; k++) {
            all[k] = chain.factories()[k].newFilter();
            decoderCount += all[k] instanceof StreamDecoderFilter ? 1 : 0;
            encoderCount += all[k] instanceof StreamEncoderFilter ? 1 : 0;
        }
        decoders = new UpstreamDecoderSlot[decoderCount];
        encoders = new UpstreamEncoderSlot[encoderCount];
        for (int k = 0, d = 0; k < n; k++) {
            if (all[k] instanceof StreamDecoderFilter f) {
                decoders[d] = new UpstreamDecoderSlot(this, d, chain.names()[k], f);
                d++;
            }
        }
        // Encoders run in reverse configuration order: index 0 is the last configured one.
        for (int k = n - 1, e = 0; k >= 0; k--) {
            if (all[k] instanceof StreamEncoderFilter f) {
                encoders[e] = new UpstreamEncoderSlot(this, e, chain.names()[k], f);
                e++;
            }
        }
        for (UpstreamDecoderSlot s : decoders) {
            s.filter.setDecoderFilterCallbacks(s);
        }
        for (UpstreamEncoderSlot s : encoders) {
            s.filter.setEncoderFilterCallbacks(s);
        }
    }

    // ------------------------------------------------------------------ entry points

    public void decodeHeaders(Http2Headers headers, boolean endStream) {
        headers(0, headers, endStream);
    }

    /** Ownership of {@code data} passes to the chain. */
    public void decodeData(ByteBuf data, boolean endStream) {
        if (done()) {
            data.release();
            return;
        }
        data(0, data, endStream);
    }

    public void decodeTrailers(Http2Headers trailers) {
        trailers(0, trailers);
    }

    public void encodeHeaders(Http2Headers headers, boolean endStream) {
        if (encode.done()) {
            return;
        }
        responseHeaders = headers;
        encode.headers(0, headers, endStream);
    }

    /** Ownership of {@code data} passes to the chain. */
    public void encodeData(ByteBuf data, boolean endStream) {
        if (encode.done() || !encode.headersStarted) {
            data.release();
            return;
        }
        encode.data(0, data, endStream);
    }

    public void encodeTrailers(Http2Headers trailers) {
        if (!encode.done() && encode.headersStarted) {
            encode.trailers(0, trailers);
        }
    }

    /** A filter answered locally: nothing more passes either way. */
    void localReply(int status, String body, ResponseFlag flag, String details,
                    Consumer<Http2Headers> modifyHeaders, int grpcStatus) {
        if (aborted || destroyed) {
            return;
        }
        aborted = true;
        upstream.localReply(status, body, flag, details, modifyHeaders, grpcStatus);
    }

    /** The try is over: every filter's onDestroy once, and what the chain holds released. */
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        release();
        encode.release();
        for (StreamFilterBase f : all) {
            try {
                f.onDestroy();
            } catch (RuntimeException e) {
                // One misbehaving filter must not keep the others from cleaning up.
                LOG.log(java.util.logging.Level.WARNING, "upstream HTTP filter onDestroy failed", e);
            }
        }
    }

    void decoderBufferLimit(int limit) {
        decoderBufferLimit = limit;
    }

    // ------------------------------------------------------------------ the request's iteration

    @Override
    StreamDecoderFilter decoder(int i) {
        return decoders[i].filter;
    }

    @Override
    int size() {
        return decoders.length;
    }

    @Override
    void emitHeaders(Http2Headers headers, boolean endStream) {
        upstream.sendHeaders(headers, endStream);
    }

    @Override
    void emitData(ByteBuf data, boolean endStream) {
        upstream.sendData(data, endStream);
    }

    @Override
    void emitTrailers(Http2Headers trailers) {
        upstream.sendTrailers(trailers);
    }

    @Override
    boolean done() {
        return aborted || destroyed;
    }

    @Override
    int bufferLimit() {
        return decoderBufferLimit;
    }

    @Override
    void onBufferOverflow() {
        // As Envoy's filter manager for a request its filters buffered past the limit.
        localReply(413, "Payload Too Large", null, "request_payload_too_large", null, -1);
    }

    @Override
    ByteBufAllocator alloc() {
        return ByteBufAllocator.DEFAULT;
    }

    final class Encode extends EncoderIteration {
        @Override
        StreamEncoderFilter encoder(int i) {
            return encoders[i].filter;
        }

        @Override
        int size() {
            return encoders.length;
        }

        @Override
        void emitHeaders(Http2Headers headers, boolean endStream) {
            upstream.receiveHeaders(headers, endStream);
        }

        @Override
        void emitData(ByteBuf data, boolean endStream) {
            upstream.receiveData(data, endStream);
        }

        @Override
        void emitTrailers(Http2Headers trailers) {
            upstream.receiveTrailers(trailers);
        }

        @Override
        boolean done() {
            return aborted || destroyed;
        }

        @Override
        int bufferLimit() {
            return upstream.downstream().bufferLimit();
        }

        @Override
        void onBufferOverflow() {
            localReply(500, "Internal Server Error", null, "response_payload_too_large", null, -1);
        }

        @Override
        ByteBufAllocator alloc() {
            return ByteBufAllocator.DEFAULT;
        }
    }
}

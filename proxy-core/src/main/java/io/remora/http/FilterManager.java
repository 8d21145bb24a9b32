package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.PerFilterConfig;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.StreamEncoderFilter;
import io.remora.http.filter.StreamFilterBase;
import io.remora.route.RouteEntry;

/**
 * The HTTP filters of one stream (Envoy's {@code FilterManager}): decoders in configuration order
 * on the request, encoders in reverse order on the response (upstream responses and local replies
 * alike). Built once the route is known, so a route can disable a filter or enable one the
 * connection manager declared {@code disabled}. Event-loop confined.
 */
final class FilterManager extends DecoderIteration {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http");

    private static final DecoderFilterSlot[] NO_DECODERS = new DecoderFilterSlot[0];
    private static final EncoderFilterSlot[] NO_ENCODERS = new EncoderFilterSlot[0];

    final ActiveStream stream;
    private final DecoderFilterSlot[] decoders;
    private final EncoderFilterSlot[] encoders;
    /** Filters that are neither decoder nor encoder (none in practice): they still get onDestroy. */
    private final StreamFilterBase[] others;
    /**
     * Null when no filter encodes (most chains: the router alone): the response then goes
     * straight to the codec, as an iteration over no filters would pass it, without one per stream.
     */
    final FilterIteration encode;
    /** Response headers went out, when there is no {@link #encode} to say so. */
    private boolean passedHeaders;
    /** The response headers once encoding started (for encoder filters and access logs). */
    Http2Headers responseHeaders;
    private boolean destroyed;
    /** What the request's buffering may hold; a filter (buffer) may change it for its stream. */
    private int decoderBufferLimit;

    FilterManager(ActiveStream stream, HttpConnectionManager.FilterFactoryEntry[] entries, RouteEntry route,
                  String cluster) {
        this.stream = stream;
        this.decoderBufferLimit = stream.cx.bufferLimit();
        // Arrays sized once, per stream; most chains have no encoder and one or two decoders.
        int n = entries.length;
        DecoderFilterSlot[] dec = n == 0 ? NO_DECODERS : new DecoderFilterSlot[n];
        int decoderCount = 0;
        int encoderCount = 0;
        int otherCount = 0;
        StreamFilterBase[] made = null; // only when some filter encodes (or does neither)
        for (int k = 0; k < n; k++) {
            HttpConnectionManager.FilterFactoryEntry e = entries[k];
            if (disabled(e, route, cluster)) {
                continue;
            }
            StreamFilterBase f = e.factory().newFilter();
            if (f instanceof StreamDecoderFilter d) {
                dec[decoderCount] = new DecoderFilterSlot(stream, this, decoderCount, e.name(), d);
                decoderCount++;
            }
            if (f instanceof StreamEncoderFilter) {
                encoderCount++;
            } else if (!(f instanceof StreamDecoderFilter)) {
                otherCount++;
            }
            if (!(f instanceof StreamDecoderFilter) || f instanceof StreamEncoderFilter) {
                if (made == null) {
                    made = new StreamFilterBase[n];
                }
                made[k] = f;
            }
        }
        this.decoders = decoderCount == n ? dec : java.util.Arrays.copyOf(dec, decoderCount);
        EncoderFilterSlot[] es = encoderCount == 0 ? NO_ENCODERS : new EncoderFilterSlot[encoderCount];
        StreamFilterBase[] os = otherCount == 0 ? null : new StreamFilterBase[otherCount];
        // Encoders run in reverse configuration order: index 0 is the last configured one.
        for (int k = n - 1, i = 0, o = 0; made != null && k >= 0; k--) {
            if (made[k] instanceof StreamEncoderFilter en) {
                es[i] = new EncoderFilterSlot(stream, this, i, entries[k].name(), en);
                i++;
            } else if (made[k] != null) {
                os[o++] = made[k];
            }
        }
        this.encoders = es;
        this.others = os;
        this.encode = encoders.length == 0 ? null : new Encode();
        for (DecoderFilterSlot s : decoders) {
            s.filter.setDecoderFilterCallbacks(s);
        }
        for (EncoderFilterSlot s : encoders) {
            s.filter.setEncoderFilterCallbacks(s);
        }
    }

    /** Envoy's filterDisabled: the most specific per-route entry decides, else the HCM's flag. */
    private static boolean disabled(HttpConnectionManager.FilterFactoryEntry e, RouteEntry route, String cluster) {
        if (route != null) {
            PerFilterConfig c = route.perFilterConfig(e.name(), cluster);
            if (c != null) {
                return c.disabled();
            }
        }
        return e.disabled();
    }

    // ------------------------------------------------------------------ response entry points

    /** Whether response headers entered the encoders (or, with none, went out). */
    boolean encodingStarted() {
        return encode != null ? encode.headersStarted : passedHeaders;
    }

    void encodeHeaders(Http2Headers headers, boolean endStream) {
        if (encodingStarted() || destroyed) {
            return;
        }
        int status = io.remora.http.upstream.HeaderConversion.parseStatus(headers.status());
        if (status >= 100 && status < 200 && status != 101) {
            // 100-continue was answered by the connection manager already; other 1xx are not forwarded.
            return;
        }
        // As Envoy's FilterManager::encodeHeaders: once a response starts, request_timeout no
        // longer applies (the stream idle timeout still does); a 1xx leaves it running.
        stream.cancelRequestTimer();
        responseHeaders = headers;
        if (encode != null) {
            encode.headers(0, headers, endStream);
        } else {
            passedHeaders = true;
            ResponseWriter.writeHeaders(stream, headers, endStream);
        }
    }

    /** Envoy's ActiveStreamDecoderFilter::encode1xxHeaders: swallowed unless the connection manager proxies 100-continue. */
    void encode1xxHeaders(Http2Headers headers) {
        if (stream.hcm.config.proxy100Continue() && !encodingStarted()) {
            ResponseWriter.write1xx(stream, headers);
        }
    }

    void encodeData(ByteBuf data, boolean endStream) {
        // Destroyed: an encoder recreated the stream; what the old run's router still sends is dropped.
        if (!encodingStarted() || destroyed) {
            data.release();
        } else if (encode != null) {
            encode.data(0, data, endStream);
        } else if (stream.ended()) {
            data.release();
        } else {
            ResponseWriter.writeData(stream, data, endStream);
        }
    }

    void encodeTrailers(Http2Headers trailers) {
        if (!encodingStarted() || destroyed) {
            return;
        }
        if (encode != null) {
            encode.trailers(0, trailers);
        } else if (!stream.ended()) {
            ResponseWriter.writeTrailers(stream, trailers);
        }
    }

    /** Body bytes this stream's filters hold: what the chain buffers, and what filters keep themselves. */
    long heldBytes() {
        long n = super.bufferedBytes() + (encode == null ? 0 : encode.bufferedBytes());
        for (DecoderFilterSlot s : decoders) {
            if (s.filter instanceof io.remora.overload.BufferedBytes b) {
                n += b.bufferedBytes();
            }
        }
        for (EncoderFilterSlot s : encoders) {
            if (!(s.filter instanceof StreamDecoderFilter) && s.filter instanceof io.remora.overload.BufferedBytes b) {
                n += b.bufferedBytes();
            }
        }
        return n;
    }

    /**
     * Calls onDestroy on every filter once (decoders first, then encoders that are not also
     * decoders) and releases what the chain holds.
     */
    void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        release();
        if (encode != null) {
            encode.release();
        }
        for (DecoderFilterSlot s : decoders) {
            destroy(s.filter);
        }
        for (EncoderFilterSlot s : encoders) {
            if (!(s.filter instanceof StreamDecoderFilter)) {
                destroy(s.filter);
            }
        }
        if (others != null) {
            for (StreamFilterBase f : others) {
                destroy(f);
            }
        }
    }

    private static void destroy(StreamFilterBase f) {
        try {
            f.onDestroy();
        } catch (RuntimeException e) {
            // One misbehaving filter must not keep the others from cleaning up.
            LOG.log(java.util.logging.Level.WARNING, "HTTP filter onDestroy failed", e);
        }
    }

    // ------------------------------------------------------------------ the request's iteration
    // The manager is itself the iteration over the decoders (one object less per stream); the
    // response's, when some filter encodes, is {@link #encode}.

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
        // Past the last decoder: nothing terminal took the request (the router always stops).
    }

    @Override
    void emitData(ByteBuf data, boolean endStream) {
        data.release();
    }

    @Override
    void emitTrailers(Http2Headers trailers) {
    }

    @Override
    boolean done() {
        return stream.ended() || stream.decodingAborted();
    }

    @Override
    int bufferLimit() {
        return decoderBufferLimit;
    }

    /** Envoy's setDecoderBufferLimit: the limit past which buffered request body gets a 413. */
    void decoderBufferLimit(int limit) {
        decoderBufferLimit = limit;
    }

    @Override
    void onBufferOverflow() {
        stream.hcm.stats.downstreamRqTooLarge.increment();
        stream.sendLocalReply(413, "Payload Too Large", null, "request_payload_too_large", null, -1);
    }

    @Override
    io.netty.buffer.ByteBufAllocator alloc() {
        return stream.cx.channel.alloc();
    }

    private final class Encode extends EncoderIteration {
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
            ResponseWriter.writeHeaders(stream, headers, endStream);
        }

        @Override
        void emitData(ByteBuf data, boolean endStream) {
            ResponseWriter.writeData(stream, data, endStream);
        }

        @Override
        void emitTrailers(Http2Headers trailers) {
            ResponseWriter.writeTrailers(stream, trailers);
        }

        @Override
        boolean done() {
            return stream.ended();
        }

        @Override
        int bufferLimit() {
            return stream.cx.bufferLimit();
        }

        @Override
        void onBufferOverflow() {
            stream.hcm.stats.rsTooLarge.increment();
            stream.sendLocalReply(500, "Internal Server Error", null, "response_payload_too_large", null, -1);
        }

        @Override
        io.netty.buffer.ByteBufAllocator alloc() {
            return stream.cx.channel.alloc();
        }
    }
}

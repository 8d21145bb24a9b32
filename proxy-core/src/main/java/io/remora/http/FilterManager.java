package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.PerFilterConfig;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.StreamEncoderFilter;
import io.remora.http.filter.StreamFilterBase;
import io.remora.route.RouteEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP filters of one stream (Envoy's {@code FilterManager}): decoders in configuration order
 * on the request, encoders in reverse order on the response (upstream responses and local replies
 * alike). Built once the route is known, so a route can disable a filter or enable one the
 * connection manager declared {@code disabled}. Event-loop confined.
 */
final class FilterManager {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http");

    final ActiveStream stream;
    private final DecoderFilterSlot[] decoders;
    private final EncoderFilterSlot[] encoders;
    private final List<StreamFilterBase> filters;
    final FilterIteration decode;
    final FilterIteration encode;
    /** The response headers once encoding started (for encoder filters and access logs). */
    Http2Headers responseHeaders;
    private boolean destroyed;

    FilterManager(ActiveStream stream, HttpConnectionManager.FilterFactoryEntry[] entries, RouteEntry route,
                  String cluster) {
        this.stream = stream;
        List<DecoderFilterSlot> dec = new ArrayList<>(entries.length);
        List<StreamEncoderFilter> enc = new ArrayList<>(2);
        List<String> encNames = new ArrayList<>(2);
        List<StreamFilterBase> all = new ArrayList<>(entries.length);
        for (HttpConnectionManager.FilterFactoryEntry e : entries) {
            if (disabled(e, route, cluster)) {
                continue;
            }
            StreamFilterBase f = e.factory().newFilter();
            all.add(f);
            if (f instanceof StreamDecoderFilter d) {
                dec.add(new DecoderFilterSlot(stream, this, dec.size(), e.name(), d));
            }
            if (f instanceof StreamEncoderFilter en) {
                enc.add(en);
                encNames.add(e.name());
            }
        }
        this.filters = all;
        this.decoders = dec.toArray(new DecoderFilterSlot[0]);
        EncoderFilterSlot[] es = new EncoderFilterSlot[enc.size()];
        for (int i = 0; i < es.length; i++) {
            int configIndex = es.length - 1 - i;
            es[i] = new EncoderFilterSlot(stream, this, i, encNames.get(configIndex), enc.get(configIndex));
        }
        this.encoders = es;
        this.decode = new Decode(decoders.length);
        this.encode = new Encode(encoders.length);
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

    void encodeHeaders(Http2Headers headers, boolean endStream) {
        if (encode.headersStarted) {
            return;
        }
        int status = io.remora.http.upstream.HeaderConversion.parseStatus(headers.status());
        if (status >= 100 && status < 200 && status != 101) {
            // 100-continue was answered by the connection manager already; other 1xx are not forwarded.
            return;
        }
        responseHeaders = headers;
        encode.headers(0, headers, endStream);
    }

    void encodeData(ByteBuf data, boolean endStream) {
        if (!encode.headersStarted) {
            data.release();
            return;
        }
        encode.data(0, data, endStream);
    }

    void encodeTrailers(Http2Headers trailers) {
        if (encode.headersStarted) {
            encode.trailers(0, trailers);
        }
    }

    /** Body bytes this stream's filters hold: what the chain buffers, and what filters keep themselves. */
    long bufferedBytes() {
        long n = decode.bufferedBytes() + encode.bufferedBytes();
        for (StreamFilterBase f : filters) {
            if (f instanceof io.remora.overload.BufferedBytes b) {
                n += b.bufferedBytes();
            }
        }
        return n;
    }

    /** Calls onDestroy on every filter once and releases what the chain holds. */
    void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        decode.release();
        encode.release();
        for (StreamFilterBase f : filters) {
            try {
                f.onDestroy();
            } catch (RuntimeException e) {
                // One misbehaving filter must not keep the others from cleaning up.
                LOG.log(java.util.logging.Level.WARNING, "HTTP filter onDestroy failed", e);
            }
        }
    }

    private final class Decode extends FilterIteration {
        Decode(int size) {
            super(size);
        }

        @Override
        FilterStatus callHeaders(int i, Http2Headers headers, boolean endStream) {
            return decoders[i].filter.decodeHeaders(headers, endStream);
        }

        @Override
        FilterStatus callData(int i, ByteBuf data, boolean endStream) {
            return decoders[i].filter.decodeData(data, endStream);
        }

        @Override
        FilterStatus callTrailers(int i, Http2Headers trailers) {
            return decoders[i].filter.decodeTrailers(trailers);
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
            return stream.hcm.bufferLimit;
        }

        @Override
        void onBufferOverflow() {
            stream.hcm.stats.downstreamRqTooLarge.increment();
            stream.sendLocalReply(413, "Payload Too Large", null, "request_payload_too_large", null, -1);
        }

        @Override
        CompositeByteBuf newComposite() {
            return stream.cx.channel.alloc().compositeBuffer();
        }
    }

    private final class Encode extends FilterIteration {
        Encode(int size) {
            super(size);
        }

        @Override
        FilterStatus callHeaders(int i, Http2Headers headers, boolean endStream) {
            return encoders[i].filter.encodeHeaders(headers, endStream);
        }

        @Override
        FilterStatus callData(int i, ByteBuf data, boolean endStream) {
            return encoders[i].filter.encodeData(data, endStream);
        }

        @Override
        FilterStatus callTrailers(int i, Http2Headers trailers) {
            return encoders[i].filter.encodeTrailers(trailers);
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
            return stream.hcm.bufferLimit;
        }

        @Override
        void onBufferOverflow() {
            stream.hcm.stats.rsTooLarge.increment();
            stream.sendLocalReply(500, "Internal Server Error", null, "response_payload_too_large", null, -1);
        }

        @Override
        CompositeByteBuf newComposite() {
            return stream.cx.channel.alloc().compositeBuffer();
        }
    }
}

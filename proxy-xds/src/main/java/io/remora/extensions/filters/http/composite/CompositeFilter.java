package io.remora.extensions.filters.http.composite;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.http.match_delegate.MatchActionTarget;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.StreamEncoderFilter;
import io.remora.http.filter.StreamFilter;
import io.remora.http.filter.StreamFilterBase;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One stream of the composite filter: does nothing until its matcher picks an
 * {@code ExecuteFilterAction}, then creates that filter and passes it every later call, with the
 * composite's own callbacks (Envoy's composite {@code Filter}). It buffers nothing, so a filter
 * that decodes must be picked before the request headers pass (on request headers), and one that
 * only encodes before the response headers; one picked too late is not run and counts a
 * delegation error.
 */
final class CompositeFilter implements StreamFilter, MatchActionTarget {

    private static final Logger LOG = io.remora.log.Logging.logger("http");

    private final CompositeStats stats;
    private DecoderFilterCallbacks decoderCallbacks;
    private EncoderFilterCallbacks encoderCallbacks;
    private StreamFilterBase delegated;
    private StreamDecoderFilter decoder;
    private StreamEncoderFilter encoder;
    private boolean decodedHeaders;
    private boolean encodedHeaders;

    CompositeFilter(CompositeStats stats) {
        this.stats = stats;
    }

    @Override
    public void onMatchAction(Object action) {
        if (!(action instanceof CompositeDelegation d) || d.factory() == null || delegated != null || !d.sampled()) {
            return;
        }
        StreamFilterBase f = d.factory().newFilter();
        boolean decodes = f instanceof StreamDecoderFilter;
        boolean encodes = f instanceof StreamEncoderFilter;
        if (decodes && decodedHeaders || encodes && encodedHeaders) {
            stats.error().increment();
            LOG.log(Level.FINE, "composite: the matched filter came after the data it needed had passed");
            f.onDestroy();
            return;
        }
        delegated = f;
        if (f instanceof StreamDecoderFilter dec) {
            decoder = dec;
            dec.setDecoderFilterCallbacks(decoderCallbacks);
        }
        if (f instanceof StreamEncoderFilter enc) {
            encoder = enc;
            enc.setEncoderFilterCallbacks(encoderCallbacks);
        }
        stats.success().increment();
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoderCallbacks = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoderCallbacks = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        decodedHeaders = true;
        return decoder == null ? FilterStatus.CONTINUE : decoder.decodeHeaders(headers, endStream);
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        return decoder == null ? FilterStatus.CONTINUE : decoder.decodeData(data, endStream);
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        return decoder == null ? FilterStatus.CONTINUE : decoder.decodeTrailers(trailers);
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        encodedHeaders = true;
        return encoder == null ? FilterStatus.CONTINUE : encoder.encodeHeaders(headers, endStream);
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        return encoder == null ? FilterStatus.CONTINUE : encoder.encodeData(data, endStream);
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        return encoder == null ? FilterStatus.CONTINUE : encoder.encodeTrailers(trailers);
    }

    @Override
    public void onDestroy() {
        if (delegated != null) {
            delegated.onDestroy();
        }
    }
}

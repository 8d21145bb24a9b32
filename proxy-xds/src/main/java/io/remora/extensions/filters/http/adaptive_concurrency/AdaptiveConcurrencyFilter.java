package io.remora.extensions.filters.http.adaptive_concurrency;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

/**
 * {@code envoy.filters.http.adaptive_concurrency} for one stream, as Envoy's filter: a request past
 * the controller's limit gets a local reply ({@code concurrency_limit_exceeded_status}, body
 * {@code reached concurrency limit}, details {@code reached_concurrency_limit}); an admitted one is
 * sampled from its headers to the end of its response, or only released if the stream ends first.
 * Disabled or health-check requests pass untouched, so they neither count nor bias the samples.
 */
final class AdaptiveConcurrencyFilter implements StreamFilter {

    static final String DETAILS = "reached_concurrency_limit";
    static final String BODY = "reached concurrency limit";

    private final AdaptiveConcurrencyFilterFactory factory;
    private DecoderFilterCallbacks decoder;
    private boolean admitted;
    private long startNanos;

    AdaptiveConcurrencyFilter(AdaptiveConcurrencyFilterFactory factory) {
        this.factory = factory;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        if (!factory.config.enabled().enabled(decoder.serverContext().runtime()) || decoder.streamInfo().healthCheck()) {
            return FilterStatus.CONTINUE;
        }
        factory.start(decoder.eventLoop());
        GradientController controller = factory.controller;
        if (!controller.tryAcquire()) {
            decoder.sendLocalReply(factory.config.exceededStatus(), BODY, null, DETAILS);
            return FilterStatus.STOP_ITERATION;
        }
        admitted = true;
        startNanos = System.nanoTime();
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (endStream) {
            complete();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (endStream) {
            complete();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        complete();
        return FilterStatus.CONTINUE;
    }

    @Override
    public void onDestroy() {
        if (admitted) {
            admitted = false;
            factory.controller.cancelLatencySample();
        }
    }

    /** Envoy samples at encodeComplete: the whole response has passed this filter. */
    private void complete() {
        if (admitted) {
            admitted = false;
            factory.controller.recordLatencySample(startNanos);
        }
    }
}

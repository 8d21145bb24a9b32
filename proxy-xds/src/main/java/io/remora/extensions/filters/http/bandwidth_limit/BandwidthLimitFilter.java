package io.remora.extensions.filters.http.bandwidth_limit;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.http.common.StreamRateLimiter;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

/**
 * {@code envoy.filters.http.bandwidth_limit} for one stream, as Envoy's BandwidthLimiter: when the
 * config (the route's, else the filter's) is enabled for a direction and has a limit, that
 * direction's body goes through a {@link StreamRateLimiter} drawing on the config's shared bucket.
 * With {@code enable_response_trailers} the response ends with trailers saying how long each
 * direction's transfer took and how much of it the filter added (only non-zero values).
 */
final class BandwidthLimitFilter implements StreamFilter {

    private final BandwidthLimitFilterFactory factory;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private BandwidthLimitConfig config;
    private BandwidthLimitFilterFactory.Shared shared;
    private StreamRateLimiter requestLimiter;
    private StreamRateLimiter responseLimiter;
    /** System.nanoTime() of each direction's first body byte; 0 before it and once finished. */
    private long requestStart;
    private long responseStart;
    private long requestDurationMillis;
    private long requestDelayMillis;
    private long responseDelayMillis;
    /** The response trailers the delays go in (the upstream's, or the ones this filter added). */
    private Http2Headers trailers;
    private boolean trailersAdded;

    BandwidthLimitFilter(BandwidthLimitFilterFactory factory) {
        this.factory = factory;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        resolve();
        if (active(BandwidthLimitConfig.REQUEST)) {
            shared.stats().request.enabled.increment();
            requestLimiter = new StreamRateLimiter(config.limitKbps(), config.fillIntervalMillis(), shared.bucket(),
                    decoder.bufferLimit(), decoder.eventLoop(), new RequestSink());
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (requestLimiter == null) {
            return FilterStatus.CONTINUE;
        }
        requestStart = incoming(shared.stats().request, requestStart, data);
        requestLimiter.write(data, endStream, false);
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers requestTrailers) {
        if (requestLimiter == null) {
            return FilterStatus.CONTINUE;
        }
        if (requestLimiter.onTrailers()) {
            return FilterStatus.STOP_ITERATION;
        }
        finishRequest();
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (config == null) {
            resolve(); // a local reply before the request headers reached this filter
        }
        if (active(BandwidthLimitConfig.RESPONSE)) {
            shared.stats().response.enabled.increment();
            responseLimiter = new StreamRateLimiter(config.limitKbps(), config.fillIntervalMillis(),
                    shared.bucket(), encoder.bufferLimit(), encoder.eventLoop(), new ResponseSink());
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (responseLimiter == null) {
            return FilterStatus.CONTINUE;
        }
        boolean added = false;
        if (endStream && config.trailers() != null) {
            // The body's end becomes trailers, released once the paced body has gone.
            trailers = new DefaultHttp2Headers(false);
            trailersAdded = true;
            added = true;
        }
        responseStart = incoming(shared.stats().response, responseStart, data);
        responseLimiter.write(data, endStream, added);
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers responseTrailers) {
        if (responseLimiter == null) {
            return FilterStatus.CONTINUE;
        }
        trailers = responseTrailers;
        if (responseLimiter.onTrailers()) {
            return FilterStatus.STOP_ITERATION;
        }
        finishResponse();
        return FilterStatus.CONTINUE;
    }

    @Override
    public void onDestroy() {
        if (requestLimiter != null) {
            requestLimiter.destroy();
        }
        if (responseLimiter != null) {
            responseLimiter.destroy();
        }
        // A stream reset mid-transfer is no longer pending (Envoy leaves its gauge raised).
        if (requestStart != 0) {
            requestStart = 0;
            shared.stats().request.pending.decrementAndGet();
        }
        if (responseStart != 0) {
            responseStart = 0;
            shared.stats().response.pending.decrementAndGet();
        }
    }

    private void resolve() {
        RouteFilterConfig perRoute = decoder.perFilterConfig();
        config = perRoute instanceof BandwidthLimitConfig c ? c : factory.config;
        shared = factory.shared(config);
    }

    private boolean active(int direction) {
        return shared.bucket() != null && (config.mode() & direction) != 0
                && config.enabled().enabled(decoder.serverContext().runtime());
    }

    /** Counts a direction's incoming body; its transfer starts (pending) with the first. Returns the start. */
    private static long incoming(BandwidthLimitStats.Direction s, long start, ByteBuf data) {
        if (start == 0) {
            start = System.nanoTime();
            s.pending.incrementAndGet();
        }
        s.incomingSize.set(data.readableBytes());
        s.incomingTotalSize.increment(data.readableBytes());
        return start;
    }

    /** Counts what a timer round let through; returns the delay the filter added (when it had to hold data back). */
    private static long allowed(BandwidthLimitStats.Direction s, long bytes, boolean enforced, long delayMillis) {
        s.allowedSize.set(bytes);
        s.allowedTotalSize.increment(bytes);
        if (!enforced) {
            return 0;
        }
        s.enforced.increment();
        return delayMillis;
    }

    private void finishRequest() {
        if (requestStart != 0) {
            requestDurationMillis = (System.nanoTime() - requestStart) / 1_000_000;
            requestStart = 0;
            shared.stats().request.transferDuration.record(requestDurationMillis);
            shared.stats().request.pending.decrementAndGet();
        }
    }

    private void finishResponse() {
        if (responseStart == 0) {
            return;
        }
        long responseDuration = (System.nanoTime() - responseStart) / 1_000_000;
        responseStart = 0;
        BandwidthLimitConfig.TrailerNames names = config.trailers();
        if (names != null && trailers != null) {
            setIfPositive(names.requestDelay(), requestDurationMillis);
            setIfPositive(names.requestFilterDelay(), requestDelayMillis);
            setIfPositive(names.responseDelay(), responseDuration);
            setIfPositive(names.responseFilterDelay(), responseDelayMillis);
        }
        shared.stats().response.transferDuration.record(responseDuration);
        shared.stats().response.pending.decrementAndGet();
    }

    private void setIfPositive(String name, long millis) {
        if (millis > 0) {
            trailers.set(name, Long.toString(millis));
        }
    }

    /** The request body's way on: pacing, and reading from downstream paused while much waits. */
    private final class RequestSink implements StreamRateLimiter.Sink {
        @Override
        public void write(ByteBuf data, boolean endStream) {
            if (endStream) {
                finishRequest();
            }
            decoder.injectDecodedDataToFilterChain(data, endStream);
        }

        @Override
        public void resume() {
            finishRequest();
            decoder.continueDecoding();
        }

        @Override
        public void pauseSource() {
            decoder.pauseDecoding();
        }

        @Override
        public void resumeSource() {
            decoder.resumeDecoding();
        }

        @Override
        public void allowed(long bytes, boolean enforced, long delayMillis) {
            requestDelayMillis += BandwidthLimitFilter.allowed(shared.stats().request, bytes, enforced, delayMillis);
        }
    }

    /** The response body's way on: pacing, and reading from the upstream paused while much waits. */
    private final class ResponseSink implements StreamRateLimiter.Sink {
        @Override
        public void pauseSource() {
            encoder.onEncoderFilterAboveWriteBufferHighWatermark();
        }

        @Override
        public void resumeSource() {
            encoder.onEncoderFilterBelowWriteBufferLowWatermark();
        }

        @Override
        public void write(ByteBuf data, boolean endStream) {
            if (endStream) {
                finishResponse();
            }
            encoder.injectEncodedDataToFilterChain(data, endStream);
        }

        @Override
        public void resume() {
            finishResponse();
            if (trailersAdded) {
                trailersAdded = false;
                encoder.injectEncodedTrailersToFilterChain(trailers);
            } else {
                encoder.continueEncoding();
            }
        }

        @Override
        public void allowed(long bytes, boolean enforced, long delayMillis) {
            responseDelayMillis += BandwidthLimitFilter.allowed(shared.stats().response, bytes, enforced, delayMillis);
        }
    }
}

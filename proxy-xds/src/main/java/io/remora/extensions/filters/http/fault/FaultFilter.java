package io.remora.extensions.filters.http.fault;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.common.Numbers;
import io.remora.extensions.filters.http.common.StreamRateLimiter;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.runtime.FractionalPercent;
import io.remora.runtime.Runtime;

import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code envoy.filters.http.fault} for one stream, as Envoy's FaultFilter: on the request headers
 * it may throttle the response, delay the request (an event-loop timer; the request then goes on
 * upstream, or is aborted if the abort fault also fires) or abort it with a local reply (HTTP status,
 * or trailers-only gRPC status). Each decision draws its own random number against its percentage.
 * A stream counts once in {@code active_faults} however many faults it gets.
 */
final class FaultFilter implements StreamFilter {

    static final AsciiString ABORT_REQUEST = AsciiString.cached("x-envoy-fault-abort-request");
    static final AsciiString ABORT_GRPC_REQUEST = AsciiString.cached("x-envoy-fault-abort-grpc-request");
    static final AsciiString ABORT_PERCENTAGE = AsciiString.cached("x-envoy-fault-abort-request-percentage");
    static final AsciiString DELAY_REQUEST = AsciiString.cached("x-envoy-fault-delay-request");
    static final AsciiString DELAY_PERCENTAGE = AsciiString.cached("x-envoy-fault-delay-request-percentage");
    static final AsciiString THROUGHPUT_RESPONSE = AsciiString.cached("x-envoy-fault-throughput-response");
    static final AsciiString THROUGHPUT_PERCENTAGE =
            AsciiString.cached("x-envoy-fault-throughput-response-percentage");
    static final AsciiString DOWNSTREAM_CLUSTER = AsciiString.cached("x-envoy-downstream-service-cluster");
    static final AsciiString DOWNSTREAM_NODE = AsciiString.cached("x-envoy-downstream-service-node");
    static final String DETAILS_ABORT = "fault_filter_abort";
    static final String ABORT_BODY = "fault filter abort";

    private final FaultFilterFactory factory;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private FaultConfig settings;
    private FaultStats stats;
    private Http2Headers requestHeaders;
    /** x-envoy-downstream-service-cluster, or null. */
    private String downstreamCluster;
    private ScheduledFuture<?> delayTimer;
    private boolean faultActive;
    private StreamRateLimiter throttle;
    private boolean destroyed;
    /** Reading from downstream is paused while a delayed body waits. */
    private boolean readPaused;
    /** The runtime snapshot this stream's decisions read. */
    private Runtime runtime;

    FaultFilter(FaultFilterFactory factory) {
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
        RouteFilterConfig perRoute = decoder.perFilterConfig();
        settings = perRoute instanceof FaultConfig f ? f : factory.config;
        if (!settings.upstreamCluster().isEmpty() && !settings.upstreamCluster().equals(decoder.clusterName())) {
            return FilterStatus.CONTINUE;
        }
        if (!settings.downstreamNodes().isEmpty()) {
            CharSequence node = headers.get(DOWNSTREAM_NODE);
            if (node == null || !settings.downstreamNodes().contains(node.toString())) {
                return FilterStatus.CONTINUE;
            }
        }
        if (!factory.headersOf(settings).matches(headers)) {
            return FilterStatus.CONTINUE;
        }
        requestHeaders = headers;
        runtime = decoder.serverContext().runtime();
        stats = factory.stats(decoder.connectionManagerStats().prefix());
        CharSequence dc = headers.get(DOWNSTREAM_CLUSTER);
        downstreamCluster = dc == null ? null : dc.toString();

        maybeThrottleResponse(headers);
        long delay = delayMillis(headers);
        if (delay > 0 && tryIncActiveFaults()) {
            delayTimer = decoder.eventLoop().schedule(this::afterDelay, delay, TimeUnit.MILLISECONDS);
            recordInjected(false);
            decoder.streamInfo().setFlag(ResponseFlag.DELAY_INJECTED);
            setFilterMetadata();
            return FilterStatus.STOP_ITERATION;
        }
        int[] abort = abortStatus(headers);
        if (abort != null && tryIncActiveFaults()) {
            abort(abort);
            return FilterStatus.STOP_ITERATION;
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (delayTimer == null) {
            return FilterStatus.CONTINUE;
        }
        // While delayed the body waits in the filter manager's buffer; as Envoy's
        // StopIterationAndWatermark, stop reading from downstream well before the buffer limit.
        ByteBuf held = decoder.decodingBuffer();
        long total = (long) data.readableBytes() + (held == null ? 0 : held.readableBytes());
        if (!readPaused && total >= decoder.bufferLimit() / 2) {
            readPaused = true;
            decoder.pauseDecoding();
        }
        return FilterStatus.STOP_ITERATION_AND_BUFFER;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        return delayTimer == null ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (throttle == null) {
            return FilterStatus.CONTINUE;
        }
        throttle.write(data, endStream, false);
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        return throttle != null && throttle.onTrailers() ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
    }

    @Override
    public void onDestroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        cancelDelay();
        if (throttle != null) {
            throttle.destroy();
        }
        if (faultActive) {
            faultActive = false;
            stats.activeFaults.decrementAndGet();
        }
    }

    // ------------------------------------------------------------------ delay

    private void afterDelay() {
        if (destroyed) {
            return;
        }
        delayTimer = null;
        if (readPaused) {
            readPaused = false;
            decoder.resumeDecoding();
        }
        // A delay may be followed by an abort, decided afresh now.
        int[] abort = abortStatus(requestHeaders);
        if (abort != null) {
            abort(abort);
            return;
        }
        if (settings.responseRateLimit() == null && faultActive) {
            // As Envoy's postDelayInjection: the fault stays active while a response rate limit is
            // configured, even one this stream did not draw.
            faultActive = false;
            stats.activeFaults.decrementAndGet();
        }
        decoder.continueDecoding();
    }

    private void cancelDelay() {
        if (delayTimer != null) {
            delayTimer.cancel(false);
            delayTimer = null;
        }
    }

    /** The delay to inject in ms, or 0 for none (Envoy's delayDuration). */
    private long delayMillis(Http2Headers headers) {
        FaultConfig.Delay d = settings.delay();
        if (d == null) {
            return 0;
        }
        FractionalPercent pct = d.fromHeaders() ? fromHeader(d.percentage(), headers, DELAY_PERCENTAGE) : d.percentage();
        String pctKey = downstreamCluster != null
                ? "fault.http." + downstreamCluster + ".delay.fixed_delay_percent" : settings.runtimeKeys().delayPercent();
        if (!featureEnabled(pctKey, pct)) {
            return 0;
        }
        long ms;
        if (d.fromHeaders()) {
            ms = Numbers.unsigned(headers.get(DELAY_REQUEST), 63);
            if (ms == Numbers.INVALID) {
                return 0;
            }
        } else {
            ms = d.fixedMillis();
        }
        ms = runtimeInteger(settings.runtimeKeys().delayDuration(), ms);
        if (downstreamCluster != null) {
            ms = runtimeInteger("fault.http." + downstreamCluster + ".delay.fixed_duration_ms", ms);
        }
        return Math.max(0, ms);
    }

    // ------------------------------------------------------------------ abort

    /** {httpStatus, grpcStatus or -1} when the abort fault fires, else null (Envoy's abortStatus). */
    private int[] abortStatus(Http2Headers headers) {
        FaultConfig.Abort a = settings.abort();
        if (a == null) {
            return null;
        }
        FractionalPercent pct = a.fromHeaders() ? fromHeader(a.percentage(), headers, ABORT_PERCENTAGE) : a.percentage();
        String pctKey = downstreamCluster != null
                ? "fault.http." + downstreamCluster + ".abort.abort_percent" : settings.runtimeKeys().abortPercent();
        if (!featureEnabled(pctKey, pct)) {
            return null;
        }
        int http = a.httpStatus();
        if (a.fromHeaders()) {
            long h = Numbers.unsigned(headers.get(ABORT_REQUEST), 63);
            http = h >= 200 && h < 600 ? (int) h : -1;
        }
        if (http >= 0) {
            long v = runtimeInteger(settings.runtimeKeys().abortHttpStatus(), http);
            if (downstreamCluster != null) {
                v = runtimeInteger("fault.http." + downstreamCluster + ".abort.http_status", http);
            }
            return new int[]{(int) v, -1};
        }
        int grpc = a.grpcStatus();
        if (a.fromHeaders()) {
            long g = Numbers.unsigned(headers.get(ABORT_GRPC_REQUEST), 31);
            grpc = g == Numbers.INVALID ? -1 : (int) g;
        }
        if (grpc >= 0) {
            long v = runtimeInteger(settings.runtimeKeys().abortGrpcStatus(), grpc);
            if (downstreamCluster != null) {
                v = runtimeInteger("fault.http." + downstreamCluster + ".abort.grpc_status", grpc);
            }
            return new int[]{200, (int) v};
        }
        return null;
    }

    private void abort(int[] status) {
        recordInjected(true);
        setFilterMetadata();
        decoder.sendLocalReply(status[0], ABORT_BODY, ResponseFlag.FAULT_INJECTED, DETAILS_ABORT, null, status[1]);
    }

    // ------------------------------------------------------------------ response rate limit

    private void maybeThrottleResponse(Http2Headers headers) {
        FaultConfig.ResponseRateLimit rl = settings.responseRateLimit();
        if (rl == null) {
            return;
        }
        FractionalPercent pct = rl.fromHeaders() ? fromHeader(rl.percentage(), headers, THROUGHPUT_PERCENTAGE) : rl.percentage();
        if (!featureEnabled(settings.runtimeKeys().responseRateLimitPercent(), pct)) {
            return;
        }
        long kbps = rl.fixedKbps();
        if (rl.fromHeaders()) {
            kbps = Numbers.unsigned(headers.get(THROUGHPUT_RESPONSE), 63);
            if (kbps == Numbers.INVALID || kbps == 0) {
                return;
            }
        }
        if (!tryIncActiveFaults()) {
            return;
        }
        stats.responseRlInjected.increment();
        throttle = new StreamRateLimiter(kbps, StreamRateLimiter.DEFAULT_FILL_INTERVAL_MILLIS, null,
                decoder.bufferLimit(), decoder.eventLoop(), new StreamRateLimiter.Sink() {
                    @Override
                    public void write(ByteBuf data, boolean end) {
                        encoder.injectEncodedDataToFilterChain(data, end);
                    }

                    @Override
                    public void resume() {
                        encoder.continueEncoding();
                    }

                    @Override
                    public void pauseSource() {
                        encoder.onEncoderFilterAboveWriteBufferHighWatermark();
                    }

                    @Override
                    public void resumeSource() {
                        encoder.onEncoderFilterBelowWriteBufferLowWatermark();
                    }
                });
    }

    // ------------------------------------------------------------------ bookkeeping

    /** Envoy's tryIncActiveFaults: one stream holds at most one active fault. */
    private boolean tryIncActiveFaults() {
        if (faultActive) {
            return true;
        }
        long max = settings.maxActiveFaults() == null ? Long.MAX_VALUE : settings.maxActiveFaults();
        max = runtimeInteger(settings.runtimeKeys().maxActiveFaults(), max);
        // Fuzzy like Envoy's: checked, then incremented, without a compare-and-set.
        if (stats.activeFaults.get() >= max) {
            stats.faultsOverflow.increment();
            return false;
        }
        stats.activeFaults.incrementAndGet();
        faultActive = true;
        return true;
    }

    private void recordInjected(boolean abort) {
        if (downstreamCluster != null && !downstreamCluster.isEmpty() && !settings.disableDownstreamClusterStats()) {
            stats.downstream(downstreamCluster, abort).increment();
        }
        (abort ? stats.abortsInjected : stats.delaysInjected).increment();
    }

    private void setFilterMetadata() {
        for (Map.Entry<String, Object> e : settings.filterMetadata().entrySet()) {
            decoder.streamInfo().setDynamicMetadata(decoder.filterName(), e.getKey(), e.getValue());
        }
    }

    /**
     * The header's percentage in the configured denominator, never above the configured numerator
     * (Envoy's HeaderPercentageProvider); the configured one when absent or not a number.
     */
    private static FractionalPercent fromHeader(FractionalPercent configured, Http2Headers headers, AsciiString header) {
        long n = Numbers.unsigned(headers.get(header), 32);
        if (n == Numbers.INVALID || n >= configured.numerator()) {
            return configured;
        }
        return new FractionalPercent(n, configured.denominator());
    }

    /** Envoy's runtime featureEnabled: the key's value if the runtime has one, else the configured one. */
    private boolean featureEnabled(String runtimeKey, FractionalPercent dflt) {
        return runtime.featureEnabled(runtimeKey, dflt, ThreadLocalRandom.current().nextLong());
    }

    /** Envoy's runtime getInteger: the key's value if the runtime has a number there, else the default. */
    private long runtimeInteger(String runtimeKey, long dflt) {
        return runtime.getInteger(runtimeKey, dflt);
    }
}

package io.remora.extensions.filters.http.ext_proc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.http.common.GrpcClusterStream;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's ext_proc filter on one request: one {@code envoy.service.ext_proc.v3.ExternalProcessor/Process}
 * stream ({@link ExtProcStream}), opened with the first message and ended when nothing more will
 * be sent. Each message waits for its answer for at most the message timeout; answers are applied
 * by {@link ExtProcResponses}. A failed stream or a timeout fails the request (500 / 504) unless
 * {@code failure_mode_allow}, which lets it go on unprocessed. Event-loop confined.
 */
final class ExtProcFilter implements StreamFilter, GrpcClusterStream.Listener {

    private static final Logger LOG = io.remora.log.Logging.logger("filter");
    static final String PATH = "/envoy.service.ext_proc.v3.ExternalProcessor/Process";
    static final String ERROR_PREFIX = "ext_proc_error";

    final ExtProcConfig config;
    private final ExtProcFilterProvider.Factory factory;
    final ExtProcPhase requestPhase = new ExtProcPhase(this, true);
    final ExtProcPhase responsePhase = new ExtProcPhase(this, false);
    DecoderFilterCallbacks cb;
    private EncoderFilterCallbacks encoderCb;
    ExtProcStats stats;
    private ExtProcMode mode;
    List<String> receivingNamespaces;
    final ExtProcStream stream;
    private boolean processingComplete;

    ExtProcFilter(ExtProcFilterProvider.Factory factory) {
        this.factory = factory;
        this.config = factory.config;
        this.mode = config.mode();
        this.receivingNamespaces = config.receivingNamespaces();
        this.stream = new ExtProcStream(this, config);
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoderCb = callbacks;
    }

    ExtProcMode mode() {
        return mode;
    }

    void setMode(ExtProcMode m) {
        mode = m;
    }

    boolean processingComplete() {
        return processingComplete;
    }

    int bufferLimit() {
        return cb.bufferLimit();
    }

    /** The response headers on their way (null before the response starts). */
    Http2Headers responseHeaders() {
        return encoderCb == null ? null : encoderCb.responseHeaders();
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        stats = factory.stats(cb.connectionManagerStats().prefix());
        mergePerRoute();
        if (config.observabilityMode()) {
            return ExtProcObserver.headers(this, requestPhase, headers, endStream);
        }
        return requestPhase.onHeaders(headers, endStream);
    }

    private void mergePerRoute() {
        ExtProcPerRouteConfig merged = null;
        for (RouteFilterConfig c : cb.perFilterConfigs()) {
            if (c instanceof ExtProcPerRouteConfig p) {
                merged = merged == null ? p : merged.merge(p);
            }
        }
        if (merged == null) {
            return;
        }
        if (merged.disabled()) {
            mode = ExtProcMode.NONE;
            return;
        }
        if (merged.mode() != null) {
            mode = merged.mode();
        }
        stream.override(merged);
        if (merged.receivingNamespaces() != null) {
            receivingNamespaces = merged.receivingNamespaces();
        }
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        return config.observabilityMode() ? ExtProcObserver.data(this, requestPhase, data, endStream)
                : requestPhase.onData(data, endStream);
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        return config.observabilityMode() ? ExtProcObserver.trailers(this, requestPhase, trailers)
                : requestPhase.onTrailers(trailers);
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (stats == null) {
            // A local reply made before this filter saw the request (an earlier filter's): as Envoy,
            // its response is processed all the same, with the route's config merged now.
            stats = factory.stats(cb.connectionManagerStats().prefix());
            mergePerRoute();
        }
        if (config.observabilityMode()) {
            return ExtProcObserver.headers(this, responsePhase, headers, endStream);
        }
        return responsePhase.onHeaders(headers, endStream);
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        return config.observabilityMode() ? ExtProcObserver.data(this, responsePhase, data, endStream)
                : responsePhase.onData(data, endStream);
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        return config.observabilityMode() ? ExtProcObserver.trailers(this, responsePhase, trailers)
                : responsePhase.onTrailers(trailers);
    }

    /** The message timer: the processor's answer is due within {@code nanos}. */
    io.netty.util.concurrent.ScheduledFuture<?> schedule(long nanos) {
        return cb.eventLoop().schedule(this::onMessageTimeout, nanos, TimeUnit.NANOSECONDS);
    }

    void closeStreamIfFinished() {
        if (!processingComplete && requestPhase.finished() && responsePhase.finished()) {
            stream.close();
        }
    }

    // ------------------------------------------------------------------ from the processor

    @Override
    public void onMessage(ByteBuf message) {
        if (processingComplete || stream.closed() || config.observabilityMode()) {
            return;
        }
        ProcessingResponse r;
        try {
            r = ProcessingResponse.parseFrom(new ByteBufInputStream(message));
        } catch (InvalidProtocolBufferException e) {
            stream.cancel();
            onClose(GrpcClusterStream.INTERNAL, "unparsable ProcessingResponse");
            return;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (r.hasOverrideMessageTimeout()) {
            ExtProcResponses.overrideTimeout(this, r.getOverrideMessageTimeout());
            return;
        }
        ExtProcResponses.handle(this, r);
        closeStreamIfFinished();
    }

    /** Restarts the running message timer with {@code nanos}; false when none runs. */
    boolean restartTimer(long nanos) {
        return requestPhase.timer.restart(() -> schedule(nanos)) || responsePhase.timer.restart(() -> schedule(nanos));
    }

    @Override
    public void onClose(int status, String message) {
        if (stream.closed() || processingComplete || config.observabilityMode()) {
            // An observer's stream failing changes nothing for the request.
            stream.markClosed();
            if (status != 0) {
                stats.streamsFailed.increment();
            }
            return;
        }
        if (status == 0) {
            // The processor ended the stream: the rest of the request goes on unprocessed.
            stream.markClosed();
            stats.streamsClosed.increment();
            giveUp();
            return;
        }
        stats.streamsFailed.increment();
        stream.markClosed();
        if (mayFailOpen()) {
            stats.streamsClosed.increment();
            stats.failureModeAllowed.increment();
            giveUp();
        } else {
            LOG.log(Level.FINE, "ext_proc stream failed: {0} {1}", new Object[]{status, message});
            fail(500, ERROR_PREFIX + "_gRPC_error_" + status + "{" + message + "}");
        }
    }

    private void onMessageTimeout() {
        stats.messageTimeouts.increment();
        if (processingComplete) {
            return;
        }
        stream.close();
        if (config.failureModeAllow()) {
            stats.failureModeAllowed.increment();
            giveUp();
        } else {
            fail(504, ERROR_PREFIX + "_per-message_timeout_exceeded");
        }
    }

    /**
     * {@code failure_mode_allow}, unless a FULL_DUPLEX_STREAMED chunk already went to the processor:
     * the body that goes on is only what the processor streams back, so there is nothing left to
     * let go on (Envoy 1.36, #41276: fail open up to the first chunk sent).
     */
    boolean mayFailOpen() {
        return config.failureModeAllow() && !duplexBodySent(requestPhase) && !duplexBodySent(responsePhase);
    }

    private static boolean duplexBodySent(ExtProcPhase p) {
        return p.duplex != null && p.duplex.anyBodySent();
    }

    /** Lets the request and response go on without the processor. */
    void giveUp() {
        processingComplete = true;
        requestPhase.abandon();
        responsePhase.abandon();
    }

    /** Ends the request with a local reply of {@code status} (Envoy's handleErrorResponse). */
    void fail(int status, String details) {
        stopProcessing();
        cb.sendLocalReply(status, "", null, details.replaceAll("\\s", "_"));
    }

    /** Nothing more goes to or comes from the processor; a local reply follows. */
    void stopProcessing() {
        processingComplete = true;
        requestPhase.timer.stop();
        responsePhase.timer.stop();
        stream.close();
    }

    // ------------------------------------------------------------------ towards the next filters

    void resume(boolean request) {
        if (request) {
            cb.continueDecoding();
        } else {
            encoderCb.continueEncoding();
        }
    }

    /** Stops (or lets go on) whatever feeds this direction: the downstream for a request, the upstream for a response. */
    void holdBack(boolean request, boolean stop) {
        if (request) {
            if (stop) {
                cb.pauseDecoding();
            } else {
                cb.resumeDecoding();
            }
        } else if (stop) {
            encoderCb.onEncoderFilterAboveWriteBufferHighWatermark();
        } else {
            encoderCb.onEncoderFilterBelowWriteBufferLowWatermark();
        }
    }

    void inject(boolean request, ByteBuf body, boolean endStream) {
        if (request) {
            cb.injectDecodedDataToFilterChain(body, endStream);
        } else {
            encoderCb.injectEncodedDataToFilterChain(body, endStream);
        }
    }

    /** Body the filter manager holds for this filter (STOP_ITERATION_AND_BUFFER), or null. */
    ByteBuf managerBuffered(boolean request) {
        return request ? cb.decodingBuffer() : encoderCb.encodingBuffer();
    }

    /** The whole body of a message whose held headers ended it; it goes on when they do. */
    void addBody(boolean request, ByteBuf body) {
        if (request) {
            cb.addDecodedData(body);
        } else {
            encoderCb.addEncodedData(body);
        }
    }

    /** A buffered body outgrew the buffer limit: as the filter manager answers it. */
    void bufferOverflow(boolean request) {
        stopProcessing();
        if (request) {
            cb.sendLocalReply(413, "Payload Too Large", null, "request_payload_too_large");
        } else {
            cb.sendLocalReply(500, "Internal Server Error", null, "response_payload_too_large");
        }
    }

    @Override
    public void onDestroy() {
        processingComplete = true;
        requestPhase.destroy();
        responsePhase.destroy();
        stream.destroy();
    }
}

package io.remora.http;

import io.remora.http.filter.WatermarkCallbacks;
import io.remora.overload.WorkerOverload;

/**
 * A stream's flow control, as Envoy's ActiveStream keeps it: downstream reads paused while any
 * decoder filter asks (counted), and the response's back-pressure sources (the downstream
 * connection, encoder filters holding too much) counted so that the router hears once when the
 * first rises and once when the last falls. A superclass of {@link ActiveStream}, not a field: it
 * costs a stream no object of its own.
 */
abstract class StreamFlowControl extends WorkerOverload.Tracked {

    private WatermarkCallbacks watermarks;
    /** Sources of response back-pressure now above their high watermark (see {@link #aboveHighWatermark}). */
    private int highWatermarks;
    /** The downstream connection is one of them. */
    private boolean downstreamAbove;
    private int readDisables;

    abstract boolean ended();

    abstract StreamEncoder encoder();

    abstract io.remora.stats.HttpConnManagerStats connectionManagerStats();

    void onWritabilityChanged(boolean writable) {
        if (!writable && !downstreamAbove) {
            downstreamAbove = true;
            aboveHighWatermark();
        } else if (writable && downstreamAbove) {
            downstreamAbove = false;
            belowLowWatermark();
        }
    }

    /**
     * One more source of back-pressure on the response (the downstream connection, or an encoder
     * filter holding too much): the first tells the router to stop reading its upstream, as
     * Envoy's callHighWatermarkCallbacks counts them.
     */
    void aboveHighWatermark() {
        if (highWatermarks++ == 0) {
            WatermarkCallbacks w = watermarks;
            if (w != null && !ended()) {
                w.onAboveWriteBufferHighWatermark();
            }
        }
    }

    /** One source of back-pressure is gone; the last lets the router read again. */
    void belowLowWatermark() {
        if (highWatermarks > 0 && --highWatermarks == 0) {
            WatermarkCallbacks w = watermarks;
            if (w != null && !ended()) {
                w.onBelowWriteBufferLowWatermark();
            }
        }
    }

    /** Counted at each ask, as Envoy's onDecoderFilterAboveWriteBufferHighWatermark counts it. */
    void pauseDecoding() {
        connectionManagerStats().downstreamFlowControlPausedReadingTotal.increment();
        if (readDisables++ == 0 && !ended()) {
            encoder().readDisable(true);
        }
    }

    void resumeDecoding() {
        connectionManagerStats().downstreamFlowControlResumedReadingTotal.increment();
        if (readDisables > 0 && --readDisables == 0 && !ended()) {
            encoder().readDisable(false);
        }
    }

    void setWatermarkCallbacks(WatermarkCallbacks callbacks) {
        this.watermarks = callbacks;
        if (!downstreamAbove && !encoder().isWritable()) {
            // The connection was full before this stream listened for it.
            downstreamAbove = true;
            highWatermarks++;
        }
        if (callbacks != null && highWatermarks > 0) {
            callbacks.onAboveWriteBufferHighWatermark();
        }
    }

    /** The stream starts over (internal redirect): its router registers anew. */
    void clearWatermarkCallbacks() {
        watermarks = null;
    }
}

package io.remora.http;

import io.remora.accesslog.ResponseFlag;

/**
 * How an {@link ActiveStream} ends when it is reset rather than answered: each as Envoy's
 * {@code ActiveStream::onResetStream} does for that cause, which counts the codec's resets in
 * {@code downstream_rq_rx_reset}, whoever sent them.
 */
final class StreamResets {

    private StreamResets() {
    }

    /** Envoy's reset_high_memory_stream: a reset, not a reply, with flag OM and details overload. */
    static void overload(ActiveStream s) {
        if (s.ended()) {
            return;
        }
        s.info.setFlag(ResponseFlag.OVERLOAD_MANAGER);
        s.info.responseCodeDetails = "overload";
        s.abortDecoding();
        s.resetStream();
    }

    /** The downstream reset the stream or closed the connection under it. */
    static void remote(ActiveStream s) {
        if (s.ended()) {
            return;
        }
        s.hcm.stats.downstreamRqRxReset.increment();
        s.info.setFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
        if (s.info.responseCodeDetails == null) {
            s.info.responseCodeDetails = "downstream_remote_disconnect";
        }
        s.end();
    }

    /**
     * The HTTP/2 codec refused the stream's headers before they reached the connection manager.
     * Envoy's codec had opened the stream already (its connection manager's stream exists from the
     * first HEADERS frame on), then reset it: logged and counted as that stream's onResetStream
     * does, response code 0, the codec's details, and DPE when the codec reset it for a messaging
     * error (a reset it reports as remote, headers past the limits, carries no flag).
     */
    static void codecRefused(ActiveStream s, String details, boolean protocolError) {
        if (s.ended()) {
            return;
        }
        s.hcm.stats.downstreamRqRxReset.increment();
        s.info.responseCodeDetails = details;
        if (protocolError) {
            s.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
        }
        s.end();
    }

    /**
     * The connection is closing for a codec error (Envoy's handleCodecError): every stream still
     * open ends at once, before the close, as resetAllStreams ends them, with flag DPE and the
     * codec's details for the stream if it has some, else the connection's
     * {@code codec_error:<error>}. Not DC: the peer did not close. Nothing is written for the
     * stream; the connection's close ends it on the wire.
     */
    static void codecError(ActiveStream s, String details) {
        if (s.ended()) {
            return;
        }
        s.info.responseCodeDetails = details;
        s.info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
        s.hcm.stats.downstreamRqRxReset.increment();
        s.end();
    }
}

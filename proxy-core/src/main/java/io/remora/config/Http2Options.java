package io.remora.config;

import java.util.Map;

/**
 * {@code config.core.v3.Http2ProtocolOptions}, the fields the data plane uses, with Envoy's
 * defaults in {@link #DEFAULT}; {@link #builder()} starts from them.
 *
 * @param keepalive              {@code connection_keepalive}, or null: no keepalive PINGs
 * @param hpackTableSize         {@code hpack_table_size}: the SETTINGS_HEADER_TABLE_SIZE we advertise (0: no dynamic table)
 * @param maxOutboundControlFrames {@code max_outbound_control_frames}: PING/SETTINGS ACKs and RST_STREAMs
 *                               queued unwritten past this cost the connection
 * @param maxOutboundFrames      {@code max_outbound_frames}: frames of any type queued unwritten past this
 *                               cost a downstream connection
 * @param maxConsecutiveEmptyFrames {@code max_consecutive_inbound_frames_with_empty_payload}
 * @param maxPriorityFramesPerStream {@code max_inbound_priority_frames_per_stream}
 * @param maxWindowUpdatesPerDataFrame {@code max_inbound_window_update_frames_per_data_frame_sent}
 * @param customSettings         {@code custom_settings_parameters}: identifier to value, sent in our SETTINGS
 * @param streamErrorOnInvalidHttpMessage {@code override_stream_error_on_invalid_http_message} (or the deprecated
 *                               {@code stream_error_on_invalid_http_messaging}): an invalid message resets only its
 *                               stream; false (Envoy's default) costs the connection. Upstream connections read it
 *                               here; downstream, the HCM's config holds it resolved with its own field
 */
public record Http2Options(int maxConcurrentStreams, int initialStreamWindowSize,
                           int initialConnectionWindowSize, boolean allowConnect, Keepalive keepalive,
                           long hpackTableSize, int maxOutboundControlFrames, int maxOutboundFrames,
                           int maxConsecutiveEmptyFrames, int maxPriorityFramesPerStream,
                           int maxWindowUpdatesPerDataFrame, Map<Integer, Long> customSettings,
                           boolean streamErrorOnInvalidHttpMessage) {

    public static final Http2Options DEFAULT = new Builder().build();

    public Http2Options {
        customSettings = Map.copyOf(customSettings);
    }

    public Http2Options(int maxConcurrentStreams, int initialStreamWindowSize, int initialConnectionWindowSize,
                        boolean allowConnect) {
        this(maxConcurrentStreams, initialStreamWindowSize, initialConnectionWindowSize, allowConnect, null);
    }

    public Http2Options(int maxConcurrentStreams, int initialStreamWindowSize, int initialConnectionWindowSize,
                        boolean allowConnect, Keepalive keepalive) {
        this(maxConcurrentStreams, initialStreamWindowSize, initialConnectionWindowSize, allowConnect, keepalive,
                Builder.HPACK_TABLE_SIZE, Builder.MAX_OUTBOUND_CONTROL_FRAMES, Builder.MAX_OUTBOUND_FRAMES,
                Builder.MAX_CONSECUTIVE_EMPTY_FRAMES, Builder.MAX_PRIORITY_FRAMES_PER_STREAM,
                Builder.MAX_WINDOW_UPDATES_PER_DATA_FRAME, Map.of(), false);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Envoy's defaults, each field settable. */
    public static final class Builder {
        static final long HPACK_TABLE_SIZE = 4096;
        static final int MAX_OUTBOUND_CONTROL_FRAMES = 1000;
        static final int MAX_OUTBOUND_FRAMES = 10000;
        static final int MAX_CONSECUTIVE_EMPTY_FRAMES = 1;
        static final int MAX_PRIORITY_FRAMES_PER_STREAM = 100;
        static final int MAX_WINDOW_UPDATES_PER_DATA_FRAME = 10;

        // Envoy 1.36's safe_http2_options (the guard since removed): 1024 streams, 16 MiB and 24 MiB
        // windows instead of 2^31-1 and 256 MiB, so one client cannot make a connection hold unbounded state.
        private int maxConcurrentStreams = 1024;
        private int initialStreamWindowSize = 16 * 1024 * 1024;
        private int initialConnectionWindowSize = 24 * 1024 * 1024;
        private boolean allowConnect;
        private Keepalive keepalive;
        private long hpackTableSize = HPACK_TABLE_SIZE;
        private int maxOutboundControlFrames = MAX_OUTBOUND_CONTROL_FRAMES;
        private int maxOutboundFrames = MAX_OUTBOUND_FRAMES;
        private int maxConsecutiveEmptyFrames = MAX_CONSECUTIVE_EMPTY_FRAMES;
        private int maxPriorityFramesPerStream = MAX_PRIORITY_FRAMES_PER_STREAM;
        private int maxWindowUpdatesPerDataFrame = MAX_WINDOW_UPDATES_PER_DATA_FRAME;
        private Map<Integer, Long> customSettings = Map.of();
        private boolean streamErrorOnInvalidHttpMessage;

        private Builder() {
        }

        public Builder maxConcurrentStreams(int v) {
            maxConcurrentStreams = v;
            return this;
        }

        public Builder initialStreamWindowSize(int v) {
            initialStreamWindowSize = v;
            return this;
        }

        public Builder initialConnectionWindowSize(int v) {
            initialConnectionWindowSize = v;
            return this;
        }

        public Builder allowConnect(boolean v) {
            allowConnect = v;
            return this;
        }

        public Builder keepalive(Keepalive v) {
            keepalive = v;
            return this;
        }

        public Builder hpackTableSize(long v) {
            hpackTableSize = v;
            return this;
        }

        public Builder maxOutboundControlFrames(int v) {
            maxOutboundControlFrames = v;
            return this;
        }

        public Builder maxOutboundFrames(int v) {
            maxOutboundFrames = v;
            return this;
        }

        public Builder maxConsecutiveEmptyFrames(int v) {
            maxConsecutiveEmptyFrames = v;
            return this;
        }

        public Builder maxPriorityFramesPerStream(int v) {
            maxPriorityFramesPerStream = v;
            return this;
        }

        public Builder maxWindowUpdatesPerDataFrame(int v) {
            maxWindowUpdatesPerDataFrame = v;
            return this;
        }

        public Builder customSettings(Map<Integer, Long> v) {
            customSettings = v;
            return this;
        }

        public Builder streamErrorOnInvalidHttpMessage(boolean v) {
            streamErrorOnInvalidHttpMessage = v;
            return this;
        }

        public Http2Options build() {
            return new Http2Options(maxConcurrentStreams, initialStreamWindowSize, initialConnectionWindowSize,
                    allowConnect, keepalive, hpackTableSize, maxOutboundControlFrames, maxOutboundFrames,
                    maxConsecutiveEmptyFrames, maxPriorityFramesPerStream, maxWindowUpdatesPerDataFrame,
                    customSettings, streamErrorOnInvalidHttpMessage);
        }
    }

    /**
     * {@code config.core.v3.KeepaliveSettings}: a PING every {@code intervalMillis} plus up to
     * {@code jitterPercent} of it (0: none sent on a timer), the connection closed when no PING ACK
     * comes within {@code timeoutMillis} (any frame received meanwhile extends the wait), and on
     * upstream connections a PING ahead of a new stream when nothing was received for
     * {@code idleIntervalMillis} (0: never).
     */
    public record Keepalive(long intervalMillis, long timeoutMillis, double jitterPercent, long idleIntervalMillis) {
        public Keepalive {
            if (timeoutMillis <= 0 || intervalMillis < 0 || idleIntervalMillis < 0
                    || jitterPercent < 0 || jitterPercent > 100) {
                throw new IllegalArgumentException("keepalive: timeout must be positive, the rest not negative,"
                        + " jitter at most 100 %");
            }
        }

        /** The wait before the next interval PING: the interval plus Envoy's jitter (a random part of jitter % of it). */
        public long nextIntervalMillis(java.util.random.RandomGenerator random) {
            long jitter = (long) (jitterPercent * intervalMillis / 100);
            return jitter > 0 ? intervalMillis + random.nextLong(jitter) : intervalMillis;
        }
    }
}

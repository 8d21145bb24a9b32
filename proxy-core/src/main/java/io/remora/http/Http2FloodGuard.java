package io.remora.http;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.remora.config.Http2Options;
import io.remora.stats.Http2FloodStats;

/**
 * Envoy's inbound frame-flood limits (its protocol_constraints) for one HTTP/2 connection, either
 * direction, in front of the connection's frame listener:
 * <ul>
 * <li>more than {@code max_consecutive_inbound_frames_with_empty_payload} DATA, HEADERS or
 * CONTINUATION frames in a row with no payload and no END_STREAM (one with either starts the count
 * again); header frames are seen as they arrive ({@link Http2EmptyHeaderFrames}), DATA as the
 * listener gets it;
 * <li>more PRIORITY frames than {@code max_inbound_priority_frames_per_stream * (1 + streams opened)};
 * <li>more WINDOW_UPDATE frames than
 * {@code 1 + 2 * (streams opened + max_inbound_window_update_frames_per_data_frame_sent * DATA frames sent)}.
 * </ul>
 * Each costs the connection (GOAWAY ENHANCE_YOUR_CALM, as Netty's own flood checks) and counts
 * its Envoy stat once. Streams opened are counted as Netty's connection adds them: the peer's for
 * a server, ours for a client. Frames Netty drops before the listener (for a stream already
 * closed) are not counted.
 */
public final class Http2FloodGuard extends Http2FrameListenerDecorator {

    private final int maxEmpty;
    private final long maxPriorityPerStream;
    private final long maxWindowUpdatesPerData;
    private final Http2FloodStats stats;
    private final Http2DataFrameCounter dataSent;
    private int consecutiveEmpty;
    private long priorityFrames;
    private long windowUpdateFrames;
    private long streamsOpened;
    private boolean flooded;
    /** HEADERS and CONTINUATION frames are counted frame by frame ({@link #onHeaderFrame}), not as blocks. */
    private boolean headerFramesSeen;

    /**
     * A guard in front of {@code listener} on the decoder's connection: it becomes the decoder's
     * listener, counts the streams opened and sees the header frames as they are read.
     */
    public static Http2FloodGuard install(io.netty.handler.codec.http2.Http2ConnectionDecoder decoder,
                                          Http2FrameListener listener, Http2Options o, Http2FloodStats stats,
                                          Http2DataFrameCounter dataSent) {
        Http2FloodGuard guard = new Http2FloodGuard(listener, o, stats, dataSent);
        decoder.frameListener(guard);
        decoder.connection().addListener(guard.streamCounter);
        guard.headerFramesSeen = Http2EmptyHeaderFrames.install(decoder, guard);
        return guard;
    }

    private Http2FloodGuard(Http2FrameListener listener, Http2Options o, Http2FloodStats stats, Http2DataFrameCounter dataSent) {
        super(listener);
        this.maxEmpty = o.maxConsecutiveEmptyFrames();
        this.maxPriorityPerStream = Integer.toUnsignedLong(o.maxPriorityFramesPerStream());
        this.maxWindowUpdatesPerData = Integer.toUnsignedLong(o.maxWindowUpdatesPerDataFrame());
        this.stats = stats;
        this.dataSent = dataSent;
    }

    /** Registered on Netty's connection: counts the streams opened. */
    public final Http2ConnectionAdapter streamCounter = new Http2ConnectionAdapter() {
        @Override
        public void onStreamAdded(Http2Stream stream) {
            streamsOpened++;
        }
    };

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
            throws Http2Exception {
        if (data.isReadable() || endOfStream) {
            consecutiveEmpty = 0;
        } else if (++consecutiveEmpty > Integer.toUnsignedLong(maxEmpty)) {
            throw flood(stats.inboundEmptyFramesFlood(), Flood.EMPTY_FRAMES, streamId);
        }
        return super.onDataRead(ctx, streamId, data, padding, endOfStream);
    }

    /**
     * A HEADERS (or CONTINUATION) frame's header: {@code length} octets of payload, padding and
     * priority included, as Envoy measures it; only HEADERS carries END_STREAM.
     */
    void onHeaderFrame(boolean headers, int flags, int streamId, int length) throws Http2Exception {
        if (length > 0 || (headers && (flags & 0x1) != 0)) {
            consecutiveEmpty = 0;
        } else if (++consecutiveEmpty > Integer.toUnsignedLong(maxEmpty)) {
            throw flood(stats.inboundEmptyFramesFlood(), Flood.EMPTY_FRAMES, streamId);
        }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                              boolean endStream) throws Http2Exception {
        if (!headerFramesSeen) {
            consecutiveEmpty = 0;
        }
        super.onHeadersRead(ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                              short weight, boolean exclusive, int padding, boolean endStream) throws Http2Exception {
        if (!headerFramesSeen) {
            consecutiveEmpty = 0;
        }
        super.onHeadersRead(ctx, streamId, headers, streamDependency, weight, exclusive, padding, endStream);
    }

    @Override
    public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
                               boolean exclusive) throws Http2Exception {
        if (++priorityFrames > maxPriorityPerStream * (1 + streamsOpened)) {
            throw flood(stats.inboundPriorityFramesFlood(), Flood.PRIORITY, 0);
        }
        super.onPriorityRead(ctx, streamId, streamDependency, weight, exclusive);
    }

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement)
            throws Http2Exception {
        if (++windowUpdateFrames > windowUpdateBudget()) {
            throw flood(stats.inboundWindowUpdateFramesFlood(), Flood.WINDOW_UPDATE, 0);
        }
        super.onWindowUpdateRead(ctx, streamId, windowSizeIncrement);
    }

    /** Envoy's formula, saturating: a uint32 limit times a long-lived connection's DATA frames may overflow. */
    private long windowUpdateBudget() {
        long frames = dataSent.frames();
        if (maxWindowUpdatesPerData != 0 && frames > (Long.MAX_VALUE / 4) / maxWindowUpdatesPerData) {
            return Long.MAX_VALUE;
        }
        return 1 + 2 * (streamsOpened + maxWindowUpdatesPerData * frames);
    }

    private Http2Exception flood(Counter stat, int kind, int streamId) {
        if (!flooded) {
            flooded = true;
            stat.increment();
        }
        return new Flood(kind, streamId);
    }

    /**
     * A flood this guard found: Envoy's protocol constraint status, whose message names the
     * connection's codec error, and for empty DATA frames the stream whose frame broke the limit,
     * to which Envoy's codec gives details of its own.
     */
    static final class Flood extends Http2Exception {
        static final int EMPTY_FRAMES = 0, PRIORITY = 1, WINDOW_UPDATE = 2;
        private static final String[] MESSAGES = {"Too many consecutive frames with an empty payload",
                "Too many PRIORITY frames", "Too many WINDOW_UPDATE frames"};
        private static final String[] DETAILS = new String[MESSAGES.length];
        static {
            for (int i = 0; i < MESSAGES.length; i++) {
                DETAILS[i] = Http2CodecErrors.details(MESSAGES[i]);
            }
        }
        /** Envoy's Http2ResponseCodeDetails for the stream whose empty frame was one too many. */
        static final String EMPTY_FRAMES_STREAM = "http2.inbound_empty_frames_flood";

        private final int kind;
        private final int streamId;

        Flood(int kind, int streamId) {
            super(Http2Error.ENHANCE_YOUR_CALM, MESSAGES[kind]);
            this.kind = kind;
            this.streamId = streamId;
        }

        /** The details the connection's streams are logged with; the flooding stream's own for empty frames. */
        String detailsFor(int stream) {
            return kind == EMPTY_FRAMES && stream == streamId ? EMPTY_FRAMES_STREAM : DETAILS[kind];
        }
    }
}

package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameWriter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.remora.stats.Http2OutboundStats;

import java.lang.reflect.Field;

/**
 * Envoy's outbound frame accounting for an HTTP/2 connection, downstream and upstream alike (ProtocolConstraints,
 * which Envoy's codec keeps for its server and client connections:
 * incrementOutboundFrameCount and its releasors, checkOutboundFrameLimits): every frame written
 * counts until the socket took its bytes, PING and SETTINGS ACKs and RST_STREAMs also as control
 * frames. More than {@code max_outbound_frames} queued means the peer does not read what it asks
 * for: the connection is closed without waiting for it (Envoy's onProtocolConstraintViolation),
 * counted in {@code http2.outbound_flood}. Control frames keep Netty's limit (its queued control
 * frame encoder, {@code http2.outbound_control_flood}); here they are only counted for the gauge.
 *
 * <p>Frames pass this writer when Netty writes them (control frames, DATA from the flow controller,
 * HEADERS through the encoder); the connection's own direct writes ({@link HeaderFrames},
 * {@link Http2DataWriter}) report theirs through {@link #sent}. A frame is released when the
 * socket took it: after the connection's flush, all at once when nothing is left unwritten (the
 * usual case, which costs nothing more), else when an empty write queued behind them completes.
 */
public final class Http2OutboundFrames extends DecoratingHttp2FrameWriter {

    /** A connection handler that counts its outbound frames here: the direct frame writers report to it. */
    public interface Counted {
        /** Null when not installed. */
        Http2OutboundFrames outboundFrames();
    }

    private static final Field ENCODER_DELEGATE = HeaderBlockDecoder.field(DecoratingHttp2ConnectionEncoder.class,
            Http2ConnectionEncoder.class);
    private static final Field ENCODER_WRITER = HeaderBlockDecoder.field(DefaultHttp2ConnectionEncoder.class,
            Http2FrameWriter.class);

    private final Http2OutboundStats stats;
    private final int max;
    /** Counted and not yet released; of them, control frames. */
    private int active;
    private int control;
    /** Counted since the last flush that left bytes unwritten. */
    private int unmarked;
    private int unmarkedControl;
    private boolean flooded;

    private Http2OutboundFrames(Http2FrameWriter delegate, Http2OutboundStats stats, int max) {
        super(delegate);
        this.stats = stats;
        this.max = max;
    }

    /**
     * Puts a counting writer between the encoder and Netty's frame writer (Netty's builder takes
     * none of its own), and under the local flow controller's WINDOW_UPDATEs; null when this
     * Netty's encoder is not laid out as expected, and then nothing is counted.
     */
    public static Http2OutboundFrames install(Http2ConnectionEncoder encoder, Http2OutboundStats stats, int max) {
        try {
            Http2ConnectionEncoder e = encoder;
            while (e instanceof DecoratingHttp2ConnectionEncoder && ENCODER_DELEGATE != null) {
                e = (Http2ConnectionEncoder) ENCODER_DELEGATE.get(e);
            }
            if (!(e instanceof DefaultHttp2ConnectionEncoder) || ENCODER_WRITER == null) {
                return null;
            }
            Http2OutboundFrames counting = new Http2OutboundFrames(e.frameWriter(), stats, max);
            ENCODER_WRITER.set(e, counting);
            encoder.connection().local().flowController().frameWriter(counting);
            return counting;
        } catch (ReflectiveOperationException | RuntimeException ex) {
            return null;
        }
    }

    /** Frames the connection wrote itself, bypassing this writer. */
    static void sent(io.netty.handler.codec.http2.Http2ConnectionHandler handler, ChannelHandlerContext ctx,
                     int frames) {
        if (handler instanceof Counted c && c.outboundFrames() != null) {
            c.outboundFrames().sent(ctx, frames);
        }
    }

    /** Frames the connection wrote itself, bypassing this writer. */
    void sent(ChannelHandlerContext ctx, int frames) {
        count(ctx, frames, false);
    }

    private void count(ChannelHandlerContext ctx, int frames, boolean isControl) {
        active += frames;
        unmarked += frames;
        if (isControl) {
            control++;
            unmarkedControl++;
        }
        if (active > max && !flooded) {
            flooded = true;
            stats.outboundFlood().increment();
            // Not from inside the write that broke the limit: the close runs once it returned.
            ctx.channel().eventLoop().execute(ctx::close);
        }
    }

    /** The connection's flush reached the socket ({@code at}: the context that flushed it). */
    public void flushed(ChannelHandlerContext at) {
        if (unmarked == 0) {
            return;
        }
        int frames = unmarked;
        int controls = unmarkedControl;
        unmarked = 0;
        unmarkedControl = 0;
        ChannelOutboundBuffer out = at.channel().unsafe().outboundBuffer();
        if (out == null || out.totalPendingWriteBytes() == 0) {
            release(frames, controls);
            return;
        }
        // The peer is slow to read: these frames wait, and show in the gauges until they leave.
        stats.framesActive().addAndGet(frames);
        stats.controlFramesActive().addAndGet(controls);
        ChannelPromise marker = at.newPromise();
        marker.addListener(new Waiting(frames, controls));
        at.write(Unpooled.EMPTY_BUFFER, marker);
        at.flush();
    }

    private void release(int frames, int controls) {
        active -= frames;
        control -= controls;
    }

    /** Frames queued and not written yet (for tests). */
    int active() {
        return active;
    }

    /** Frames that waited for the socket: released, and off the gauges, once it took them. */
    private final class Waiting implements ChannelFutureListener {
        private final int frames;
        private final int controls;

        Waiting(int frames, int controls) {
            this.frames = frames;
            this.controls = controls;
        }

        @Override
        public void operationComplete(ChannelFuture future) {
            release(frames, controls);
            stats.framesActive().addAndGet(-frames);
            stats.controlFramesActive().addAndGet(-controls);
        }
    }

    // ---------------------------------------------------------------- frames Netty writes

    @Override
    public ChannelFuture writeData(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
                                   boolean endStream, ChannelPromise promise) {
        // Netty's writer splits a payload past the peer's max frame size into several frames.
        int size = data.readableBytes() + padding;
        int maxFrame = configuration().frameSizePolicy().maxFrameSize();
        count(ctx, size <= maxFrame ? 1 : (size + maxFrame - 1) / maxFrame, false);
        return super.writeData(ctx, streamId, data, padding, endStream, promise);
    }

    @Override
    public ChannelFuture writeHeaders(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                      boolean endStream, ChannelPromise promise) {
        count(ctx, 1, false);
        return super.writeHeaders(ctx, streamId, headers, padding, endStream, promise);
    }

    @Override
    public ChannelFuture writeHeaders(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                                      int streamDependency, short weight, boolean exclusive, int padding,
                                      boolean endStream, ChannelPromise promise) {
        count(ctx, 1, false);
        return super.writeHeaders(ctx, streamId, headers, streamDependency, weight, exclusive, padding, endStream,
                promise);
    }

    @Override
    public ChannelFuture writePriority(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
                                       boolean exclusive, ChannelPromise promise) {
        count(ctx, 1, false);
        return super.writePriority(ctx, streamId, streamDependency, weight, exclusive, promise);
    }

    @Override
    public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode,
                                        ChannelPromise promise) {
        count(ctx, 1, true);
        return super.writeRstStream(ctx, streamId, errorCode, promise);
    }

    @Override
    public ChannelFuture writeSettings(ChannelHandlerContext ctx, Http2Settings settings, ChannelPromise promise) {
        count(ctx, 1, false);
        return super.writeSettings(ctx, settings, promise);
    }

    @Override
    public ChannelFuture writeSettingsAck(ChannelHandlerContext ctx, ChannelPromise promise) {
        count(ctx, 1, true);
        return super.writeSettingsAck(ctx, promise);
    }

    @Override
    public ChannelFuture writePing(ChannelHandlerContext ctx, boolean ack, long data, ChannelPromise promise) {
        count(ctx, 1, ack);
        return super.writePing(ctx, ack, data, promise);
    }

    @Override
    public ChannelFuture writeGoAway(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData,
                                     ChannelPromise promise) {
        count(ctx, 1, false);
        return super.writeGoAway(ctx, lastStreamId, errorCode, debugData, promise);
    }

    @Override
    public ChannelFuture writeWindowUpdate(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement,
                                           ChannelPromise promise) {
        count(ctx, 1, false);
        return super.writeWindowUpdate(ctx, streamId, windowSizeIncrement, promise);
    }
}

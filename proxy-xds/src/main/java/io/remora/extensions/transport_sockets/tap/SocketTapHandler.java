package io.remora.extensions.transport_sockets.tap;

import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.data.tap.v3.Body;
import io.envoyproxy.envoy.data.tap.v3.SocketBufferedTrace;
import io.envoyproxy.envoy.data.tap.v3.SocketEvent;
import io.envoyproxy.envoy.data.tap.v3.SocketStreamedTraceSegment;
import io.envoyproxy.envoy.data.tap.v3.TraceWrapper;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.remora.extensions.filters.common.tap.BodyCapture;
import io.remora.extensions.filters.common.tap.TapExtensionConfig;
import io.remora.extensions.filters.common.tap.TapSpec;
import io.remora.extensions.filters.common.tap.TraceConnection;

import java.time.Instant;

/**
 * Records one tapped connection's plaintext (Envoy's PerSocketTapperImpl): each read and write
 * as an event, then its close. Buffered, one {@code socket_buffered_trace} at the close, reads
 * and writes each kept up to max_buffered_rx/tx_bytes in all (the first event past the limit is
 * cut, later ones are left out, and {@code read_truncated}/{@code write_truncated} say so);
 * streamed, a {@code socket_streamed_trace_segment} for the connection once connected and one per
 * event, each event's data cut at the limit.
 */
final class SocketTapHandler extends ChannelDuplexHandler {

    private final TapExtensionConfig.Active active;
    private final TapSpec spec;
    private final long id;
    private final boolean connectionPerEvent;
    private SocketBufferedTrace.Builder buffered;
    private int rxBuffered;
    private int txBuffered;
    private boolean closed;
    /** Kept once connected: a closed channel may no longer tell them. */
    private java.net.SocketAddress local;
    private java.net.SocketAddress remote;

    SocketTapHandler(TapExtensionConfig.Active active, long id, boolean connectionPerEvent) {
        this.active = active;
        this.spec = active.spec();
        this.id = id;
        this.connectionPerEvent = connectionPerEvent;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            connected(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (local == null && remote == null) {
            connected(ctx); // an upstream connection: tapped before it connects
        }
        ctx.fireChannelActive();
    }

    private void connected(ChannelHandlerContext ctx) {
        local = ctx.channel().localAddress();
        remote = ctx.channel().remoteAddress();
        if (spec.streaming()) {
            submit(SocketStreamedTraceSegment.newBuilder().setTraceId(id).setConnection(TraceConnection.of(local, remote)));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf data && data.isReadable()) {
            onData(data, true);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf data && data.isReadable()) {
            onData(data, false);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        onClose();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        onClose();
    }

    private void onData(ByteBuf data, boolean read) {
        if (closed) {
            return;
        }
        if (spec.streaming()) {
            SocketEvent.Builder e = event(true);
            Body body = capture(data, read ? spec.maxRxBytes() : spec.maxTxBytes()).toProto(spec.format());
            if (read) {
                e.getReadBuilder().setData(body);
            } else {
                e.getWriteBuilder().setData(body);
            }
            submit(SocketStreamedTraceSegment.newBuilder().setTraceId(id).setEvent(e));
            return;
        }
        SocketBufferedTrace.Builder t = buffered();
        if (read ? t.getReadTruncated() : t.getWriteTruncated()) {
            return;
        }
        BodyCapture capture = capture(data, read ? spec.maxRxBytes() - rxBuffered : spec.maxTxBytes() - txBuffered);
        Body body = capture.toProto(spec.format());
        SocketEvent.Builder e = event(false);
        int kept = capture.length();
        if (read) {
            e.getReadBuilder().setData(body);
            rxBuffered += kept;
            t.setReadTruncated(body.getTruncated());
        } else {
            e.getWriteBuilder().setData(body);
            txBuffered += kept;
            t.setWriteTruncated(body.getTruncated());
        }
        t.addEvents(e);
    }

    private void onClose() {
        if (closed) {
            return;
        }
        closed = true;
        if (spec.streaming()) {
            SocketEvent.Builder e = event(true);
            e.getClosedBuilder();
            submit(SocketStreamedTraceSegment.newBuilder().setTraceId(id).setEvent(e));
            return;
        }
        SocketBufferedTrace.Builder t = buffered().setConnection(TraceConnection.of(local, remote));
        active.sink().submit(TraceWrapper.newBuilder().setSocketBufferedTrace(t).build(), id);
    }

    private SocketBufferedTrace.Builder buffered() {
        if (buffered == null) {
            buffered = SocketBufferedTrace.newBuilder().setTraceId(id);
        }
        return buffered;
    }

    private SocketEvent.Builder event(boolean streamed) {
        Instant now = Instant.now();
        SocketEvent.Builder e = SocketEvent.newBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()));
        if (streamed && connectionPerEvent) {
            e.setConnection(TraceConnection.of(local, remote));
        }
        return e;
    }

    private static BodyCapture capture(ByteBuf data, int max) {
        BodyCapture capture = new BodyCapture(Math.max(0, max));
        capture.append(data);
        return capture;
    }

    private void submit(SocketStreamedTraceSegment.Builder segment) {
        active.sink().submit(TraceWrapper.newBuilder().setSocketStreamedTraceSegment(segment).build(), id);
    }
}

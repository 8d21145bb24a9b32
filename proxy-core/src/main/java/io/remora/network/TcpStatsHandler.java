package io.remora.network;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.remora.config.TcpStatsConfig;
import io.remora.stats.TcpStatsMeters;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection's tcp_stats socket: it samples the kernel's TCP_INFO every update period and as
 * the connection closes, adding what grew since the last sample to the scope's counters, moving
 * the gauges by the change, recording the histograms; at the end the gauges give back this
 * connection's share. Sampling needs the socket still open, so the last sample is taken when a
 * close goes through the pipeline or the peer's end of stream is read (the channel closes right
 * after), not when the channel is already inactive. Runs on the channel's event loop.
 */
public final class TcpStatsHandler extends ChannelDuplexHandler {
    private final TcpStatsMeters m;
    private final long periodMillis;
    private ScheduledFuture<?> timer;
    private boolean finished;
    private long lastTxSegments;
    private long lastRxSegments;
    private long lastTxDataSegments;
    private long lastRxDataSegments;
    private long lastTxRetransmitted;
    private long lastRxBytes;
    private long lastTxBytes;
    private long lastDelivered;
    private long lastLost;
    private long lastUnsent;
    private long lastUnacked;

    private TcpStatsHandler(TcpStatsMeters m, TcpStatsConfig config) {
        this.m = m;
        this.periodMillis = config.updatePeriod() == null ? 0 : config.updatePeriod().toMillis();
    }

    /** Puts the socket first in {@code ch}'s pipeline, below TLS, as the outermost transport socket. */
    public static void install(Channel ch, TcpStatsMeters meters, TcpStatsConfig config) {
        ch.pipeline().addFirst("tcp_stats", new TcpStatsHandler(meters, config));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            startTimer(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startTimer(ctx);
        ctx.fireChannelActive();
    }

    private void startTimer(ChannelHandlerContext ctx) {
        if (periodMillis > 0 && timer == null) {
            timer = ctx.executor().scheduleAtFixedRate(() -> record(ctx.channel()), periodMillis, periodMillis,
                    TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (ctx.channel().unsafe().recvBufAllocHandle().lastBytesRead() < 0) {
            record(ctx.channel()); // end of stream: the socket may be closed before the pipeline hears of it
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        finish(ctx.channel());
        ctx.close(promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish(ctx.channel());
        ctx.fireChannelInactive();
    }

    private void finish(Channel ch) {
        if (finished) {
            return;
        }
        finished = true;
        record(ch);
        // Envoy zeroes this connection's share of the gauges whatever the kernel said last.
        m.txUnsentBytes.addAndGet(-lastUnsent);
        m.txUnackedSegments.addAndGet(-lastUnacked);
        lastUnsent = 0;
        lastUnacked = 0;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void record(Channel ch) {
        TcpInfo t = TcpInfo.read(ch);
        if (t == null) {
            return;
        }
        long dataSegsOut = t.dataSegsOut();
        long totalRetrans = t.totalRetrans();
        // Before the counters move their "last" values: the share of the new data segments resent.
        if (dataSegsOut > lastTxDataSegments && totalRetrans >= lastTxRetransmitted) {
            m.txPercentRetransmittedSegments.record(
                    (double) (totalRetrans - lastTxRetransmitted) / (dataSegsOut - lastTxDataSegments));
        }
        lastTxSegments = count(m.txSegments, lastTxSegments, t.segsOut());
        lastRxSegments = count(m.rxSegments, lastRxSegments, t.segsIn());
        lastTxDataSegments = count(m.txDataSegments, lastTxDataSegments, dataSegsOut);
        lastRxDataSegments = count(m.rxDataSegments, lastRxDataSegments, t.dataSegsIn());
        lastTxRetransmitted = count(m.txRetransmittedSegments, lastTxRetransmitted, totalRetrans);
        lastRxBytes = count(m.rxBytesReceived, lastRxBytes, t.bytesReceived());
        lastTxBytes = count(m.txBytesSent, lastTxBytes, t.bytesSent());
        lastDelivered = count(m.dataSegmentsDelivered, lastDelivered, t.delivered());
        lastLost = count(m.lost, lastLost, t.lost());
        long unsent = t.notsentBytes();
        m.txUnsentBytes.addAndGet(unsent - lastUnsent);
        lastUnsent = unsent;
        long unacked = t.unacked();
        m.txUnackedSegments.addAndGet(unacked - lastUnacked);
        lastUnacked = unacked;
        m.rttUs.record(t.rtt());
        m.rttVarianceUs.record(t.rttvar());
        m.pacingRate.record(t.pacingRate());
        m.deliveryRate.record(t.deliveryRate());
        m.rcvRtt.record(t.rcvRtt());
        m.txWindowScale.record(t.sndWscale());
        m.rxWindowScale.record(t.rcvWscale());
        m.reordering.record(t.reordering());
        m.rto.record(t.rto());
        m.ato.record(t.ato());
        m.txMssBytes.record(t.sndMss());
        m.rxMssBytes.record(t.rcvMss());
        m.advmssBytes.record(t.advmss());
        if (t.sndMss() > 0) {
            m.congestionWindow.record((double) t.sndCwnd() * t.sndMss()); // packets to bytes, as Envoy
        }
    }

    /** Adds what {@code now} grew past {@code last}; the new last value. */
    private static long count(io.micrometer.core.instrument.Counter c, long last, long now) {
        if (now > last) {
            c.increment(now - last);
        }
        return now;
    }
}

package io.remora.xds.fluentd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.config.FluentdTarget;
import io.remora.network.DiscardReads;
import io.remora.server.CompactRecvAllocator;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;
import io.remora.upstream.UpstreamConnector;
import io.remora.util.JitteredBackOff;
import io.remora.util.MsgPackWriter;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One worker's connection to a Fluentd server, as Envoy's FluentdBase: entries are buffered as
 * MessagePack {@code [time, record]} pairs and sent as one Forward mode message
 * {@code [tag, [[time, record], ...]]} ({@link FluentdSignal}: with an option map for traces)
 * every flush interval, or at once when the buffer reaches its size. The first flush with entries
 * connects; a connection that closes or fails is opened again after a jittered exponential
 * backoff, until {@code max_connect_attempts} connects were made, after which the upstream stays
 * disconnected and every entry is lost. Runs on its event loop only.
 */
final class FluentdUpstream implements UpstreamConnector.Callback {

    private static final Logger LOG = io.remora.log.Logging.logger("client");
    private static final UpstreamConnector.ConnectOptions OPTIONS =
            new UpstreamConnector.ConnectOptions(List.of(), false, CompactRecvAllocator.SHARED);
    /** Envoy counts each entry as its 64-bit time plus its record's bytes. */
    private static final int TIME_BYTES = 8;

    private final EventLoop loop;
    private final FluentdTarget target;
    private final ClusterManager clusters;
    private final UpstreamConnector connector;
    private final FluentdStats stats;
    private final byte[] head;
    private final byte[] tail;
    private final JitteredBackOff backoff;
    private final ByteBuf pending = PooledByteBufAllocator.DEFAULT.heapBuffer(256);
    private final MsgPackWriter writer = new MsgPackWriter(pending);
    private final ScheduledFuture<?> flushTimer;
    private int entries;
    private long approximateBytes;
    private Channel channel;
    private boolean connecting;
    private boolean disconnected;
    private boolean closed;
    private long connectAttempts;
    private ScheduledFuture<?> retryTimer;

    /** Writes an entry's record from its source (a stream's info, a span). */
    interface Record<T> {
        void write(MsgPackWriter w, T source);
    }

    FluentdUpstream(EventLoop loop, FluentdTarget target, FluentdSignal signal, ClusterManager clusters,
                    UpstreamConnector connector, FluentdStats stats) {
        this.loop = loop;
        this.target = target;
        this.clusters = clusters;
        this.connector = connector;
        this.stats = stats;
        this.head = signal.head(target.tag());
        this.tail = signal.tail();
        this.backoff = new JitteredBackOff(target.retry().baseMillis(), target.retry().maxMillis());
        long interval = target.flushIntervalMillis();
        this.flushTimer = loop.scheduleWithFixedDelay(this::flush, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** Buffers one entry stamped {@code time} (seconds), or counts it lost. */
    <T> void log(long time, Record<T> record, T source) {
        if (closed || disconnected || approximateBytes >= target.bufferSizeBytes()) {
            stats.entriesLost.increment();
            return;
        }
        int start = pending.writerIndex();
        writer.array(2).unsigned(time);
        int recordStart = pending.writerIndex();
        try {
            record.write(writer, source);
        } catch (RuntimeException e) {
            pending.writerIndex(start);
            throw e;
        }
        approximateBytes += TIME_BYTES + pending.writerIndex() - recordStart;
        entries++;
        stats.entriesBuffered.increment();
        if (approximateBytes >= target.bufferSizeBytes()) {
            flush();
        }
    }

    private void flush() {
        if (closed || disconnected || entries == 0 || connecting) {
            return;
        }
        if (channel == null) {
            connect();
            return;
        }
        if (!channel.isWritable()) {
            // A server that does not read: bounded by the cluster's buffer limit, not by memory.
            stats.entriesLost.increment(entries);
            LOG.fine(() -> "fluentd: cluster '" + target.cluster() + "' does not read; " + entries
                    + " entries dropped");
            clear();
            return;
        }
        ByteBuf out = channel.alloc().buffer(head.length + 5 + pending.readableBytes() + tail.length);
        out.writeBytes(head);
        new MsgPackWriter(out).array(entries);
        out.writeBytes(pending);
        out.writeBytes(tail);
        channel.writeAndFlush(out, channel.voidPromise());
        stats.eventsSent.increment();
        clear();
    }

    private void clear() {
        pending.clear();
        entries = 0;
        approximateBytes = 0;
    }

    private void connect() {
        connectAttempts++;
        Cluster cluster = clusters.get(target.cluster());
        Host host = cluster == null ? null : cluster.chooseHost(LoadBalancerContext.NONE);
        if (host == null) {
            LOG.fine(() -> "fluentd: no healthy host in cluster '" + target.cluster() + "'");
            maybeReconnect();
            return;
        }
        connecting = true;
        // A Fluentd server answers nothing unless asked for acks, which are never asked.
        connector.connect(loop, cluster, host, OPTIONS, ch -> ch.pipeline().addLast(DiscardReads.INSTANCE), this);
    }

    @Override
    public void onFailure(Channel ch, Throwable cause, boolean tls) {
        LOG.fine(() -> "fluentd: connecting to cluster '" + target.cluster() + "' failed: " + cause);
        connecting = false;
        onDown();
    }

    @Override
    public void onConnected(Channel ch) {
        connecting = false;
        if (closed) {
            ch.close();
            return;
        }
        channel = ch;
        ch.closeFuture().addListener(f -> {
            if (channel == ch) {
                channel = null;
                onDown();
            }
        });
        backoff.reset();
        cancelRetry();
        flush();
    }

    /** The connection closed, or failed to open: Envoy counts both and tries again. */
    private void onDown() {
        if (closed) {
            return;
        }
        stats.connectionsClosed.increment();
        maybeReconnect();
    }

    private void maybeReconnect() {
        long max = target.retry().maxConnectAttempts();
        if (max >= 0 && connectAttempts >= max) {
            LOG.fine(() -> "fluentd: cluster '" + target.cluster() + "': " + max
                    + " connect attempts made; entries are dropped from now on");
            disconnected = true;
            clear();
            flushTimer.cancel(false);
            return;
        }
        cancelRetry();
        retryTimer = loop.schedule(this::onBackoff, backoff.nextMillis(), TimeUnit.MILLISECONDS);
    }

    private void onBackoff() {
        retryTimer = null;
        if (closed || connecting || channel != null) {
            return;
        }
        stats.reconnectAttempts.increment();
        connect();
    }

    private void cancelRetry() {
        if (retryTimer != null) {
            retryTimer.cancel(false);
            retryTimer = null;
        }
    }

    /** Sends what is buffered on an open connection, then closes it; later entries are lost. */
    void close() {
        if (closed) {
            return;
        }
        if (channel != null) {
            flush();
        }
        closed = true;
        flushTimer.cancel(false);
        cancelRetry();
        if (channel != null) {
            channel.close();
            channel = null;
        }
        pending.release();
    }
}

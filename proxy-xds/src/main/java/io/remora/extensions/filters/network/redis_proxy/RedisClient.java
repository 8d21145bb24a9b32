package io.remora.extensions.filters.network.redis_proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.redis.RespEncoder;
import io.remora.redis.RespReader;
import io.remora.redis.RespValue;
import io.remora.server.CompactRecvAllocator;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.UpstreamConnector;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One connection to one redis host, on one worker's event loop (Envoy's {@code ClientImpl}):
 * requests are pipelined and answered in order. Requests are buffered until
 * max_buffer_size_before_flush or buffer_flush_timeout; op_timeout runs while requests are
 * outstanding (the connect timeout before the connection is up) and, when it fires, closes the
 * connection, failing every outstanding request. A new connection first sends AUTH with the
 * cluster's RedisProtocolOptions credentials, its reply not judged (as Envoy's).
 */
final class RedisClient {
    private static final UpstreamConnector.ConnectOptions OPTIONS =
            new UpstreamConnector.ConnectOptions(List.of(), false, CompactRecvAllocator.SHARED);

    /** Where a request's reply goes. */
    interface Callbacks {
        void onResponse(RespValue reply);

        /** The connection failed or timed out before the reply. */
        void onFailure();

        /** A MOVED or ASK error with enable_redirection; false to take it as the reply. */
        default boolean onRedirection(RespValue reply, String hostAddress, boolean ask) {
            return false;
        }
    }

    /** Replies nobody waits for (AUTH, ASKING, mirrored requests). */
    static final Callbacks IGNORE = new Callbacks() {
        @Override
        public void onResponse(RespValue reply) {
        }

        @Override
        public void onFailure() {
        }
    };

    /** An outstanding request; cancelling keeps its place in the pipeline and drops its reply. */
    final class Pending {
        final Callbacks callbacks;
        final String command;
        final long startNanos = System.nanoTime();
        boolean canceled;

        Pending(Callbacks callbacks, String command) {
            this.callbacks = callbacks;
            this.command = command;
        }

        void cancel() {
            canceled = true;
        }
    }

    private final RedisUpstream.Worker pool;
    final Host host;
    private final Cluster cluster;
    private final RedisClusterStats stats;
    private final RedisProxyConfig.Settings settings;
    private final EventLoop loop;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private ByteBuf out;
    private Channel channel;
    private boolean connected;
    private boolean closed;
    private ScheduledFuture<?> opTimer;
    private ScheduledFuture<?> flushTimer;

    RedisClient(RedisUpstream.Worker pool, Cluster cluster, Host host, RedisClusterStats stats, EventLoop loop,
                RedisProxyConfig.Settings settings) {
        this.pool = pool;
        this.cluster = cluster;
        this.host = host;
        this.stats = stats;
        this.loop = loop;
        this.settings = settings;
    }

    void connect(UpstreamConnector connector) {
        stats.cluster.upstreamCxTotal.increment();
        stats.cluster.upstreamCxActive.incrementAndGet();
        host.stats.cxTotal.increment();
        host.activeConnections.incrementAndGet();
        out = io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer();
        RedisCredentials auth = RedisCredentials.of(cluster.config().extensionProtocolOptions());
        if (auth != null) {
            send(auth.auth(), IGNORE, null);
        }
        channel = connector.connect(loop, cluster, host, OPTIONS,
                ch -> ch.pipeline().addLast(new RespReader(stats.cluster.upstreamCxRxBytesTotal::increment),
                        new Reader()),
                new UpstreamConnector.Callback() {
                    @Override
                    public void onConnected(Channel ch) {
                        onUp(ch);
                    }

                    @Override
                    public void onFailure(Channel ch, Throwable cause, boolean tls) {
                        if (cause instanceof ConnectTimeoutException) {
                            stats.cluster.upstreamCxConnectTimeout.increment();
                        } else {
                            stats.cluster.upstreamCxConnectFail.increment();
                        }
                        host.stats.cxConnectFail.increment();
                        onClosed();
                    }
                });
    }

    private void onUp(Channel ch) {
        if (closed) {
            ch.close();
            return;
        }
        channel = ch;
        connected = true;
        ch.closeFuture().addListener(f -> onClosed());
        flush();
        if (!pending.isEmpty()) {
            armOpTimer();
        }
    }

    /** Sends one request; its reply (or failure) goes to {@code callbacks}. Null when closed. */
    Pending makeRequest(RespValue request, Callbacks callbacks, String command) {
        if (closed) {
            return null;
        }
        return send(request, callbacks, command);
    }

    private Pending send(RespValue request, Callbacks callbacks, String command) {
        boolean wasEmpty = out.readableBytes() == 0;
        Pending p = new Pending(callbacks, command);
        pending.add(p);
        stats.cluster.upstreamRqTotal.increment();
        stats.cluster.upstreamRqActive.incrementAndGet();
        host.stats.rqTotal.increment();
        host.activeRequests.incrementAndGet();
        if (command != null && settings.enableCommandStats()) {
            stats.command(command)[0].increment();
        }
        RespEncoder.encode(request, out);
        if (out.readableBytes() >= settings.maxBufferSizeBeforeFlush()) {
            flush();
        } else if (wasEmpty && flushTimer == null) {
            flushTimer = loop.schedule(this::flush, settings.bufferFlushTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        if (connected && pending.size() == 1) {
            armOpTimer();
        }
        return p;
    }

    private void flush() {
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
        if (!connected || closed || out.readableBytes() == 0) {
            return;
        }
        stats.cluster.upstreamCxTxBytesTotal.increment(out.readableBytes());
        // The written buffer is the socket's until sent: later requests go into a new one.
        ByteBuf written = out;
        out = channel.alloc().buffer();
        channel.writeAndFlush(written);
    }

    private void armOpTimer() {
        if (opTimer != null) {
            opTimer.cancel(false);
        }
        opTimer = loop.schedule(this::onOpTimeout, settings.opTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void onOpTimeout() {
        opTimer = null;
        if (closed || pending.isEmpty()) {
            return;
        }
        stats.cluster.upstreamRqTimeout.increment();
        host.stats.rqTimeout.increment();
        channel.close();
    }

    private void onReply(RespValue v) {
        Pending p = pending.poll();
        if (p == null) {
            return;
        }
        done(p, !v.isError());
        stats.upstreamRqTime.record((System.nanoTime() - p.startNanos) / 1_000_000);
        if (pending.isEmpty()) {
            if (opTimer != null) {
                opTimer.cancel(false);
                opTimer = null;
            }
        } else {
            armOpTimer();
        }
        if (p.canceled) {
            stats.upstreamRqCancelled.increment();
        } else if (settings.enableRedirection() && v.isError() && redirected(p, v)) {
            return;
        } else {
            p.callbacks.onResponse(v);
        }
    }

    /** MOVED and ASK go to the host they name; CLUSTERDOWN fails the request, as in Envoy. */
    private boolean redirected(Pending p, RespValue v) {
        String[] err = v.string().trim().split(" +");
        if (err.length == 3 && (err[0].equals("MOVED") || err[0].equals("ASK"))) {
            return p.callbacks.onRedirection(v, err[2], err[0].equals("ASK"));
        }
        if (err.length > 0 && err[0].equals("CLUSTERDOWN")) {
            p.callbacks.onFailure();
            return true;
        }
        return false;
    }

    private void done(Pending p, boolean success) {
        stats.cluster.upstreamRqActive.decrementAndGet();
        host.activeRequests.decrementAndGet();
        if (p.command != null && settings.enableCommandStats()) {
            stats.command(p.command)[success && !p.canceled ? 1 : 2].increment();
            stats.latency(p.command).record((System.nanoTime() - p.startNanos) / 1_000_000);
        }
    }

    private void onClosed() {
        if (closed) {
            return;
        }
        closed = true;
        pool.remove(this);
        stats.cluster.upstreamCxDestroy.increment();
        stats.cluster.upstreamCxActive.decrementAndGet();
        host.activeConnections.decrementAndGet();
        if (opTimer != null) {
            opTimer.cancel(false);
        }
        if (flushTimer != null) {
            flushTimer.cancel(false);
        }
        out.release();
        Pending p;
        while ((p = pending.poll()) != null) {
            done(p, false);
            if (p.canceled) {
                stats.upstreamRqCancelled.increment();
            } else {
                p.callbacks.onFailure();
            }
        }
    }

    Cluster cluster() {
        return cluster;
    }

    /** Nothing outstanding. */
    boolean idle() {
        return pending.isEmpty();
    }

    void close() {
        if (channel != null) {
            channel.close();
        }
        if (!connected) {
            onClosed();
        }
    }

    private final class Reader extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof RespValue v) {
                onReply(v);
            } else if (msg == RespReader.PROTOCOL_ERROR) {
                stats.upstreamCxProtocolError.increment();
                host.stats.rqError.increment();
                ctx.close();
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

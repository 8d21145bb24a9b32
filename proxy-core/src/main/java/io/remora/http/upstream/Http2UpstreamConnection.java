package io.remora.http.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/** One upstream HTTP/2 connection; the parent-channel end of its multiplexed streams. */
final class Http2UpstreamConnection extends ChannelInboundHandlerAdapter {
    private final Http2ConnectionPool pool;
    Channel channel;
    Http2FrameCodec codec;
    boolean connected;
    boolean goingAway;
    int activeStreams;
    private int served;
    private ScheduledFuture<?> idleTimer;

    Http2UpstreamConnection(Http2ConnectionPool pool) {
        this.pool = pool;
    }

    boolean canOpenStream() {
        if (!connected || goingAway || !channel.isActive() || codec.connection().goAwayReceived()) {
            return false;
        }
        int max = Math.min(pool.options().maxConcurrentStreams(), codec.connection().local().maxActiveStreams());
        int maxRequests = pool.ctx.maxRequestsPerConnection();
        return activeStreams < max && (maxRequests <= 0 || served < maxRequests);
    }

    void openStream(UpstreamCallbacks callbacks) {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
        activeStreams++;
        served++;
        Http2UpstreamStream stream = new Http2UpstreamStream(this, callbacks);
        new Http2StreamChannelBootstrap(channel).handler(stream).open()
                .addListener((Future<Http2StreamChannel> f) -> {
                    if (f.isSuccess()) {
                        stream.child = f.getNow();
                        ctx().host.stats.rqTotal.increment();
                        callbacks.onPoolReady(stream);
                    } else {
                        activeStreams--;
                        callbacks.onPoolFailure(ResetReason.CONNECTION_FAILURE, PoolContext.describe(f.cause()));
                    }
                });
    }

    void streamClosed() {
        activeStreams--;
        int maxRequests = pool.ctx.maxRequestsPerConnection();
        if (maxRequests > 0 && served >= maxRequests) {
            goingAway = true;
        }
        pool.serve(this);
    }

    void parkIdle() {
        long ms = pool.ctx.idleTimeoutMillis();
        if (ms > 0 && idleTimer == null) {
            idleTimer = channel.eventLoop().schedule(() -> {
                idleTimer = null;
                pool.idleTimedOut(this);
            }, ms, TimeUnit.MILLISECONDS);
        }
    }

    PoolContext ctx() {
        return pool.ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2GoAwayFrame) {
            // No new streams here; streams above last_stream_id are closed by the codec.
            goingAway = true;
            if (activeStreams == 0) {
                channel.close();
            }
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
        if (connected) {
            connected = false;
            pool.closed(this);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

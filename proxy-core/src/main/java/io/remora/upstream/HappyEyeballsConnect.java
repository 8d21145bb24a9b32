package io.remora.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One connection to a host with several addresses, as Envoy's HappyEyeballsConnectionImpl makes it:
 * the first address is tried, the next one 300 ms later or as soon as an attempt fails, and so on;
 * the first attempt that connects (TLS and upstream filters included) wins and the others are
 * closed. When every attempt has failed the last failure is the caller's. Each attempt after the
 * first counts as a connection of the host and the cluster ({@code cx_total},
 * {@code upstream_cx_total}), as Envoy's provider counts it. All on the caller's event loop.
 */
final class HappyEyeballsConnect {
    /** Envoy's fixed delay before the next address is tried while earlier attempts are pending. */
    static final long NEXT_ATTEMPT_MS = 300;

    private final UpstreamConnector connector;
    private final EventLoop loop;
    private final Cluster cluster;
    private final Host host;
    private final List<SocketAddress> addresses;
    private final UpstreamConnector.ConnectOptions options;
    private final Consumer<Channel> pipeline;
    private final UpstreamConnector.Callback callback;
    private final List<Attempt> attempts = new ArrayList<>(2);
    private int next;
    private int pending;
    private boolean finished;
    /** True while an attempt is being opened: an outcome reported from inside it waits for the loop. */
    private boolean opening;
    private ScheduledFuture<?> timer;

    HappyEyeballsConnect(UpstreamConnector connector, EventLoop loop, Cluster cluster, Host host,
                         List<SocketAddress> addresses, UpstreamConnector.ConnectOptions options,
                         Consumer<Channel> pipeline, UpstreamConnector.Callback callback) {
        this.connector = connector;
        this.loop = loop;
        this.cluster = cluster;
        this.host = host;
        this.addresses = addresses;
        this.options = options;
        this.pipeline = pipeline;
        this.callback = callback;
    }

    /** Starts the first attempt; its channel, or null when none could be created. */
    Channel start() {
        return attempt();
    }

    private Channel attempt() {
        SocketAddress to = addresses.get(next);
        if (next > 0) {
            host.stats.cxTotal.increment();
            cluster.stats().upstreamCxTotal.increment();
        }
        next++;
        pending++;
        Attempt a = new Attempt();
        attempts.add(a);
        opening = true;
        try {
            a.channel = connector.connectTo(loop, cluster, host, to, false, options,
                    ch -> ch.pipeline().addLast(HappyEyeballsSlot.NAME, new HappyEyeballsSlot()), a);
        } finally {
            opening = false;
        }
        if (!finished && next < addresses.size()) {
            cancelTimer();
            timer = loop.schedule(this::onTimer, NEXT_ATTEMPT_MS, TimeUnit.MILLISECONDS);
        }
        return a.channel;
    }

    private void onTimer() {
        timer = null;
        if (!finished && next < addresses.size()) {
            attempt();
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void failed(Channel channel, Throwable cause, boolean tls) {
        if (finished) {
            return;
        }
        pending--;
        if (next < addresses.size()) {
            attempt(); // at once, not waiting for the timer
        }
        if (pending > 0 || finished) {
            return; // another attempt is still under way
        }
        finished = true;
        cancelTimer();
        callback.onFailure(channel, cause, tls);
    }

    private void connected(Channel winner) {
        if (finished) {
            winner.close();
            return;
        }
        finished = true;
        cancelTimer();
        for (Attempt a : attempts) {
            if (a.channel != null && a.channel != winner) {
                a.channel.close();
            }
        }
        ChannelHandlerContext slot = winner.pipeline().context(HappyEyeballsSlot.NAME);
        if (slot == null) {
            winner.close(); // an upstream filter took the pipeline apart; nothing to hand over
            callback.onFailure(winner, new java.net.ConnectException("upstream connection lost before use"), false);
            return;
        }
        ((HappyEyeballsSlot) slot.handler()).open(slot, pipeline, () -> callback.onConnected(winner));
    }

    /** One address's connection. */
    private final class Attempt implements UpstreamConnector.Callback {
        Channel channel;

        @Override
        public void onConnected(Channel ch) {
            if (opening) {
                loop.execute(() -> connected(ch));
            } else {
                connected(ch);
            }
        }

        @Override
        public void onFailure(Channel ch, Throwable cause, boolean tls) {
            if (opening) {
                loop.execute(() -> failed(ch, cause, tls));
            } else {
                failed(ch, cause, tls);
            }
        }
    }
}

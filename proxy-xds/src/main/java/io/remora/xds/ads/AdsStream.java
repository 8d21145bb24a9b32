package io.remora.xds.ads;

import io.remora.util.JitteredBackOff;
import io.grpc.ManagedChannel;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The life of the ADS stream: the channel, one stream at a time, Envoy's back-off between attempts and
 * control_plane.connected_state. Runs on the control thread; callbacks from a stream that has since been
 * replaced are dropped.
 */
final class AdsStream {
    private static final Logger log = Logger.getLogger(AdsStream.class.getName());

    /** What the client does with the stream's events, on the control thread. */
    interface Listener {
        /** A new stream is open: send the first request of every subscribed type. */
        void onStreamOpen();

        void onUpdate(XdsUpdate update);

        /** A response named its control plane ({@code control_plane.identifier}). */
        default void onControlPlane(String identifier) {
        }

        /** The stream is gone; a new one follows after the back-off. */
        void onStreamClosed();
    }

    private final XdsTarget target;
    private final XdsProtocol protocol;
    private final ScheduledExecutorService control;
    private final JitteredBackOff backoff;
    /** control_plane.connected_state for the ADS stream; a separate SDS stream reports to no gauge. */
    private final java.util.function.Consumer<Boolean> connected;
    private final Listener listener;
    /** Where each new stream's channel comes from: a cluster's host, or the target's one address. */
    private final io.remora.xds.grpc.StreamChannel channels;
    /** Whether this stream owns {@link #channels} (shut down with it) or shares it with other streams. */
    private final boolean owned;
    private ManagedChannel channel;
    private ScheduledFuture<?> reconnectTimer;
    private int generation;
    private boolean open;
    private boolean closed;

    /** A stream with a channel of its own, from {@code channels}. */
    AdsStream(XdsTarget target, XdsChannels channels, XdsProtocol protocol, ScheduledExecutorService control,
              JitteredBackOff backoff, java.util.function.Consumer<Boolean> connected, Listener listener) {
        this(target, channels.open(target), true, protocol, control, backoff, connected, listener);
    }

    /** A stream on {@code shared}, which its owner shuts down (separate api_config_source streams to one target). */
    AdsStream(XdsTarget target, io.remora.xds.grpc.StreamChannel shared, XdsProtocol protocol,
              ScheduledExecutorService control, JitteredBackOff backoff, java.util.function.Consumer<Boolean> connected,
              Listener listener) {
        this(target, shared, false, protocol, control, backoff, connected, listener);
    }

    private AdsStream(XdsTarget target, io.remora.xds.grpc.StreamChannel channels, boolean owned, XdsProtocol protocol,
                      ScheduledExecutorService control, JitteredBackOff backoff,
                      java.util.function.Consumer<Boolean> connected, Listener listener) {
        this.channels = channels;
        this.owned = owned;
        this.target = target;
        this.protocol = protocol;
        this.control = control;
        this.backoff = backoff;
        this.connected = connected;
        this.listener = listener;
    }

    void start() {
        openStream();
    }

    /** True while requests reach a live stream. */
    boolean isOpen() {
        return open;
    }

    XdsProtocol protocol() {
        return protocol;
    }

    private void openStream() {
        if (closed) {
            return;
        }
        int g = ++generation;
        // Each stream is a new pick of the cluster's load balancer, as Envoy's envoy_grpc stream is.
        channel = channels.channel();
        if (channel == null) {
            // as a stream that failed at once: Envoy's "no healthy upstream" ends it, and it backs off
            closedByPeer(io.grpc.Status.UNAVAILABLE.withDescription("no healthy host in cluster for " + target)
                    .asRuntimeException());
            return;
        }
        open = true;
        protocol.open(channel, new XdsProtocol.Handler() {
            @Override
            public void onUpdate(XdsUpdate update) {
                hop(g, () -> {
                    backoff.reset();
                    connected.accept(true);
                    listener.onUpdate(update);
                });
            }

            @Override
            public void onControlPlane(String identifier) {
                hop(g, () -> listener.onControlPlane(identifier));
            }

            @Override
            public void onClosed(Throwable error) {
                hop(g, () -> closedByPeer(error));
            }
        });
        // As Envoy's GrpcStream: 1 once a stream is started (before its connection is up), again on each response,
        // 0 when it closes; a control plane that is down flickers it for each attempt.
        connected.accept(true);
        listener.onStreamOpen();
    }

    private void closedByPeer(Throwable error) {
        open = false;
        channels.streamFailed();
        generation++;
        connected.accept(false);
        long delay = backoff.nextMillis();
        log.log(Level.WARNING, "xDS stream to " + target + " closed" + (error == null ? " by the server" : ": " + error)
                + "; reconnecting in " + delay + " ms");
        reconnectTimer = control.schedule(this::reopen, delay, TimeUnit.MILLISECONDS);
        listener.onStreamClosed();
    }

    /**
     * After our back-off, the channel must connect now: grpc-java's own reconnect back-off (1 s growing to 120 s)
     * would otherwise fail the new stream at once while the control plane is back, and a long outage would keep
     * the proxy off it for up to two minutes, where Envoy's back-off caps at 30 s.
     */
    private void reopen() {
        if (!closed && channel != null) {
            channel.resetConnectBackoff();
        }
        openStream();
    }

    /** Runs on the control thread if stream {@code g} is still the current one. */
    private void hop(int g, Runnable task) {
        try {
            control.execute(() -> {
                if (g == generation && !closed) {
                    task.run();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the client is closed
        }
    }

    /** Half-closes the stream and shuts the channel down (on the control thread). */
    void close() {
        closed = true;
        open = false;
        generation++;
        if (reconnectTimer != null) {
            reconnectTimer.cancel(false);
        }
        protocol.close();
        connected.accept(false);
        if (owned) {
            channels.close();
        }
    }

    /** Waits for the channel and its event loop to go (off the control thread). */
    void awaitTermination() throws InterruptedException {
        if (owned) {
            channels.awaitTermination(2000);
        }
    }
}

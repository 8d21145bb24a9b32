package io.remora.server;

import io.netty.channel.EventLoopGroup;
import io.remora.listener.FilterChainRuntime;
import io.remora.stats.StatsRegistry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/**
 * The steps of a drain, as Envoy's drain manager takes them: filter chains told to drain (HTTP
 * answers with {@code connection: close} / GOAWAY, all at once or a growing share as the
 * {@link DrainStrategy} says), their connections closed after the drain
 * time, a server's wait for its open connections up to a deadline, and what that wait ended with.
 */
final class ServerDrain {
    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("main");

    private ServerDrain() {
    }

    /** Tells a chain's filter to drain; a filter that fails to costs only its own drain. */
    static void startDrain(FilterChainRuntime fc, DrainDecision drain) {
        try {
            fc.startDrain(drain);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "startDrain failed", e);
        }
    }

    /** As {@link #startDrain}, for an inbound-only drain (see {@link FilterChainRuntime#startInboundDrain}). */
    static void startInboundDrain(FilterChainRuntime fc, DrainDecision drain) {
        try {
            fc.startInboundDrain(drain);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "startDrain failed", e);
        }
    }

    /** As {@link #startDrain}, for the server's shutdown: idle connections close now. */
    static void startShutdownDrain(FilterChainRuntime fc) {
        try {
            fc.startShutdownDrain();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "startShutdownDrain failed", e);
        }
    }

    /** A chain a config update replaced: draining now, its connections closed after {@code drainTime}. */
    static void drainThenClose(EventLoopGroup workers, FilterChainRuntime fc, Duration drainTime,
                               DrainStrategy strategy) {
        startDrain(fc, DrainDecision.begin(strategy, drainTime));
        // Scheduled even when the group looks empty: a connection accepted just before the swap
        // may still be in its listener filters and join the group later.
        workers.next().schedule(() -> {
            fc.connections().close();
        }, Math.max(0, drainTime.toMillis()), TimeUnit.MILLISECONDS);
    }

    /**
     * Envoy's {@code POST /drain_listeners} on the chosen listeners: their filters start draining; without
     * graceful they stop accepting at once, with it they keep accepting for the drain time first, as Envoy's
     * graceful drain period does; with skip_exit they are never stopped. Open connections are left to finish.
     */
    static void drainListeners(EventLoopGroup workers, java.util.Collection<ActiveListener> listeners,
                               boolean inboundOnly, boolean graceful, boolean skipExit, Duration drainTime,
                               DrainDecision drain, java.util.function.Consumer<java.util.List<ActiveListener>> stopped) {
        java.util.List<ActiveListener> chosen = new java.util.ArrayList<>();
        for (ActiveListener al : listeners) {
            if (!inboundOnly || al.runtime.config().direction()
                    == io.remora.config.ListenerConfig.TrafficDirection.INBOUND) {
                chosen.add(al);
                for (FilterChainRuntime fc : al.runtime.chains()) {
                    if (inboundOnly) {
                        startInboundDrain(fc, drain);
                    } else {
                        startDrain(fc, drain);
                    }
                }
            }
        }
        if (skipExit) {
            return;
        }
        if (!graceful) {
            chosen.forEach(ActiveListener::stopAccepting);
            stopped.accept(chosen);
        } else {
            workers.next().schedule(() -> {
                chosen.forEach(al -> {
                    for (io.netty.channel.Channel ch : al.serverChannels) {
                        ch.close();
                    }
                });
                stopped.accept(chosen);
            }, drainTime.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The server closes: a listener's sockets and every connection of its chains, now. */
    static void closeNow(ActiveListener al) {
        al.releaseHeld();
        for (io.netty.channel.Channel ch : al.serverChannels) {
            ch.close();
        }
        for (FilterChainRuntime fc : al.runtime.chains()) {
            fc.connections().close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    /** Waits, from {@code start}, until no connection is open or {@code drainTime} has passed. */
    static void awaitConnections(ServerListenerRegistry registry, StatsRegistry stats, long start, Duration drainTime) {
        LOG.info(() -> "draining " + registry.activeConnections() + " connection(s) (" + stats.activeRequests()
                + " request(s) in flight) for up to " + drainTime.toSeconds() + "s");
        long deadline = start + drainTime.toNanos();
        while (registry.activeConnections() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /** The drain's outcome, logged: what was still open at the deadline was cut. */
    static DrainReport report(long start, Duration drainTime, long connectionsLeft, long requestsLeft) {
        DrainReport r = new DrainReport(Duration.ofNanos(System.nanoTime() - start),
                connectionsLeft > 0, connectionsLeft, requestsLeft);
        if (r.deadlineReached()) {
            LOG.warning("drain deadline of " + drainTime.toSeconds() + "s reached: closed " + connectionsLeft
                    + " connection(s), cutting " + requestsLeft + " request(s) in flight");
        } else {
            LOG.info(() -> "drain complete after " + r.elapsed().toMillis() + " ms: every connection finished");
        }
        return r;
    }
}

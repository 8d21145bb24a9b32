package io.remora.server;

import io.netty.channel.Channel;
import io.remora.listener.ListenerRuntime;
import java.net.SocketAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A listener that runs: its bound server channels (one per worker with SO_REUSEPORT, or one
 * acceptor, for each of its addresses) and its current runtime. Sockets stay when only the
 * filter chains change.
 */
final class ActiveListener {
    final String name;
    final List<Channel> serverChannels;
    volatile ListenerRuntime runtime;
    /** Bound, not yet listening (the server still initializes); null once it listens or when it never binds. */
    private volatile BoundPorts held;
    /** Binds and listens on the held ports; set with {@link #held}, under the server's monitor. */
    private java.util.function.Function<int[], List<Channel>> listen;

    ActiveListener(String name, List<Channel> serverChannels, ListenerRuntime runtime) {
        this.name = name;
        this.serverChannels = serverChannels;
        this.runtime = runtime;
    }

    /** Holds {@code ports} until {@link #listen()} runs {@code listen} on them (Envoy's workers' start). */
    void hold(BoundPorts ports, java.util.function.Function<int[], List<Channel>> listen) {
        this.listen = listen;
        this.held = ports;
    }

    /** Listens on the held ports, if any; throws (and lets them go) if it cannot. */
    void listen() {
        BoundPorts h = held;
        if (h == null) {
            return;
        }
        try {
            if (!h.sharedWithListeners()) {
                h.close();
            }
            serverChannels.addAll(listen.apply(h.ports()));
        } finally {
            h.close();
            held = null;
            listen = null;
        }
    }

    SocketAddress boundAddress() {
        Set<SocketAddress> all = boundAddresses();
        return all.isEmpty() ? null : all.iterator().next();
    }

    /** Where its sockets listen (or, held, are bound), each address once (additional ones after the main one). */
    Set<SocketAddress> boundAddresses() {
        Set<SocketAddress> out = new LinkedHashSet<>();
        BoundPorts h = held;
        if (h != null) {
            out.addAll(h.addresses());
            return out;
        }
        for (Channel ch : serverChannels) {
            out.add(ch.localAddress());
        }
        return out;
    }

    /** Lets held ports go (a listener removed or a server stopped before it listened). */
    void releaseHeld() {
        BoundPorts h = held;
        if (h != null) {
            h.close();
            held = null;
        }
    }

    void stopAccepting() {
        releaseHeld();
        for (Channel ch : serverChannels) {
            ch.close().syncUninterruptibly();
        }
    }
}

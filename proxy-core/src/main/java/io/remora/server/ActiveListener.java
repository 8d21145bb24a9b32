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

    ActiveListener(String name, List<Channel> serverChannels, ListenerRuntime runtime) {
        this.name = name;
        this.serverChannels = serverChannels;
        this.runtime = runtime;
    }

    SocketAddress boundAddress() {
        return serverChannels.isEmpty() ? null : serverChannels.get(0).localAddress();
    }

    /** Where its sockets listen, each address once (its additional addresses after the main one). */
    Set<SocketAddress> boundAddresses() {
        Set<SocketAddress> out = new LinkedHashSet<>();
        for (Channel ch : serverChannels) {
            out.add(ch.localAddress());
        }
        return out;
    }

    void stopAccepting() {
        for (Channel ch : serverChannels) {
            ch.close().syncUninterruptibly();
        }
    }
}

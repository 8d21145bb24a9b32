package io.remora.network;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.remora.server.ServerContext;

/**
 * A tap transport socket ({@code envoy.transport_sockets.tap}) around a connection's transport
 * socket: it sees the connection's plaintext reads and writes. Its config is opaque to the core
 * (the extension that translated it builds it), so the core only knows where to put it: after
 * TLS, before the network filters.
 */
public interface SocketTap {

    /** A tap's config, part of a filter chain's; equal configs are the same tap. */
    interface Config {
        /** The tap of one server (admin-configured taps register with its {@code /tap}). */
        SocketTap build(ServerContext context);
    }

    /**
     * The handler that records {@code ch} (connection {@code connectionId}), or null when nothing
     * is to be recorded now. Called on the channel's event loop as it is accepted.
     */
    ChannelHandler newHandler(Channel ch, long connectionId);
}

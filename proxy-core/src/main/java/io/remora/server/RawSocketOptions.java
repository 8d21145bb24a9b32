package io.remora.server;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.RawUnixChannelOption;
import io.remora.config.SocketOption;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;

/**
 * Envoy's {@code socket_options} as epoll's raw channel options, each in its {@code state} and only
 * on sockets of its {@code type}: STATE_PREBIND ones through the bootstrap, before the socket binds
 * or connects; STATE_BOUND and STATE_LISTENING ones on the bound channel. Netty binds and listens in
 * one step, so a STATE_BOUND option of a stream listener is set once it listens, just before its
 * STATE_LISTENING ones; Envoy sets no STATE_LISTENING option on a datagram socket, nor anything but
 * STATE_PREBIND on an upstream connection.
 */
public final class RawSocketOptions {

    private RawSocketOptions() {
    }

    /** The STATE_PREBIND options for a socket of this kind ({@code stream}: TCP or unix stream). */
    public static void apply(AbstractBootstrap<?, ?> b, List<SocketOption> options, boolean stream) {
        for (SocketOption o : options) {
            if (o.appliesTo(SocketOption.State.PREBIND, stream)) {
                set(b, o);
            }
        }
    }

    /** The STATE_BOUND, then (for a stream socket) the STATE_LISTENING options of a bound channel. */
    public static void applyBound(Channel ch, List<SocketOption> options, boolean stream) {
        for (SocketOption.State s : stream ? new SocketOption.State[]{SocketOption.State.BOUND,
                SocketOption.State.LISTENING} : new SocketOption.State[]{SocketOption.State.BOUND}) {
            for (SocketOption o : options) {
                if (o.appliesTo(s, stream) && !setOn(ch, o)) {
                    throw new IllegalStateException("cannot set " + name(o) + " on " + ch.localAddress());
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void set(AbstractBootstrap<?, ?> b, SocketOption o) {
        b.option((ChannelOption<Object>) option(o), value(o));
    }

    @SuppressWarnings("unchecked")
    private static boolean setOn(Channel ch, SocketOption o) {
        return ch.config().setOption((ChannelOption<Object>) option(o), value(o));
    }

    private static ChannelOption<?> option(SocketOption o) {
        return o.bufValueHex() == null ? new IntegerUnixChannelOption(name(o), o.level(), o.name())
                : new RawUnixChannelOption(name(o), o.level(), o.name(), o.bufValueHex().length() / 2);
    }

    private static Object value(SocketOption o) {
        return o.bufValueHex() == null ? (Object) o.intValue() : ByteBuffer.wrap(HexFormat.of().parseHex(o.bufValueHex()));
    }

    private static String name(SocketOption o) {
        return o.description().isEmpty() ? "socket option " + o.level() + "/" + o.name() : o.description();
    }
}

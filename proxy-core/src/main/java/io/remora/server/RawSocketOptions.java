package io.remora.server;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.RawUnixChannelOption;
import io.remora.config.SocketOption;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;

/** Envoy's {@code socket_options} as epoll's raw channel options, set before the socket binds or connects. */
public final class RawSocketOptions {

    private RawSocketOptions() {
    }

    public static void apply(AbstractBootstrap<?, ?> b, List<SocketOption> options) {
        for (SocketOption o : options) {
            String name = o.description().isEmpty() ? "socket option " + o.level() + "/" + o.name() : o.description();
            if (o.bufValueHex() == null) {
                b.option(new IntegerUnixChannelOption(name, o.level(), o.name()), o.intValue());
            } else {
                byte[] value = HexFormat.of().parseHex(o.bufValueHex());
                b.option(new RawUnixChannelOption(name, o.level(), o.name(), value.length), ByteBuffer.wrap(value));
            }
        }
    }
}

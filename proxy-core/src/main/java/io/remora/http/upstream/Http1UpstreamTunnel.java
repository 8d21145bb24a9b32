package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * The rules of an upgrade or CONNECT tunnel over an upstream HTTP/1.1 connection, as Envoy's codec
 * has them: which answer opens it, and how its bytes and half-closes cross once it is open. The
 * connection keeps the tunnel's state; these only act on what they are given.
 */
final class Http1UpstreamTunnel {

    private Http1UpstreamTunnel() {
    }

    /**
     * A 101 to a request that asked for no upgrade: as Envoy, an upstream protocol error (503 UPE),
     * never a raw pipe between the client and this upstream.
     */
    static boolean unaskedSwitch(int code, boolean upgradeRequested) {
        return code == 101 && !upgradeRequested;
    }

    /** Whether the response head opens the tunnel: a 101 to an upgrade, a 2xx to a CONNECT. */
    static boolean opens(int code, boolean upgradeRequested, boolean connectRequested) {
        return (code == 101 && upgradeRequested) || (connectRequested && code >= 200 && code < 300);
    }

    /**
     * The upstream accepted: the connection carries the tunnel from here on, each half closing on
     * its own; a client that already ended its half has that passed on now.
     */
    static void opened(Channel channel, boolean requestDone) {
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        if (requestDone) {
            halfClose(channel);
        }
    }

    /** Tunnel bytes from the client go out raw (the head had no body framing). */
    static void write(Channel channel, ByteBuf data) {
        if (data.isReadable()) {
            channel.writeAndFlush(data);
        } else {
            data.release();
        }
    }

    /** The client ended its half: a FIN to the upstream once what is queued has left. */
    static void halfClose(Channel channel) {
        if (channel instanceof DuplexChannel d) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (d.isActive()) {
                    d.shutdownOutput();
                }
            });
        }
    }

    /** Both halves ended: the connection closes once what is queued has left. */
    static void close(Channel channel) {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Tunnel bytes from the upstream, to the requester while its side of the response is open. */
    static void read(UpstreamCallbacks cb, Object msg, boolean responseDone) {
        if (!(msg instanceof ByteBuf data) || cb == null || responseDone) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (data.isReadable()) {
            cb.onResponseData(data, false);
        } else {
            data.release();
        }
    }
}

package io.remora.tcp;

import io.netty.channel.Channel;
import io.netty.channel.IoEventLoop;

/**
 * Whether a tcp_proxy session's two connections can be handed to a {@link SpliceRelay}: the
 * conditions under which no byte needs to pass through user space.
 */
final class SpliceEligibility {

    private SpliceEligibility() {
    }

    /**
     * Why this pair cannot be spliced, or null when it can: both plain epoll TCP sockets on one
     * loop, and no handler but the session's own in either pipeline (a TLS or PROXY protocol
     * handler, a network filter that reads bytes or a byte counter needs them in user space);
     * network filters that act only at the connection's start do not count.
     */
    static String ineligible(Channel downstream, Channel upstream, Object downHandler, Object upHandler) {
        if (!SpliceRelay.enabled) {
            return "off (-Dremora.tcp.splice=true turns it on)";
        }
        if (!(downstream instanceof io.netty.channel.epoll.EpollSocketChannel)
                || !(upstream instanceof io.netty.channel.epoll.EpollSocketChannel)) {
            return "not TCP on the epoll transport";
        }
        if (downstream.eventLoop() != upstream.eventLoop() || !(downstream.eventLoop() instanceof IoEventLoop)) {
            return "sides on different event loops";
        }
        String d = onlyHandler(downstream, downHandler);
        if (d != null) {
            return "downstream handler " + d + " reads the bytes";
        }
        String u = onlyHandler(upstream, upHandler);
        return u == null ? null : "upstream handler " + u + " reads the bytes";
    }

    private static String onlyHandler(Channel ch, Object expected) {
        for (var e : ch.pipeline()) {
            if (e.getValue() != expected
                    && !(e.getValue() instanceof io.remora.network.NetworkFilterManager m && m.bytesUnobserved())) {
                return e.getKey();
            }
        }
        return null;
    }
}

package io.remora.network;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Envoy's detect_early_close for a downstream connection whose reads are disabled: a FIN from the
 * peer closes it at once (a remote close), not once reads resume behind whatever the kernel still
 * buffers. Netty has no such close: on EPOLLRDHUP its epoll transport reads on, reads off or not,
 * until it meets the FIN, so a paused connection is handed everything the kernel held (up to the
 * receive buffer) first. The epoll loop's I/O handler closes the connections listed here instead
 * (see the server's epoll interest guard). NIO has no early-close event at all: there, as on
 * Envoy's backends without one, the close is seen when reads resume.
 *
 * <p>Listing happens only when reads pause, which is rare by design, so the map is small and
 * nothing is paid per request. Everything runs on the connection's event loop.
 */
public final class EarlyCloseDetection {

    /** The current epoll loop's watched connections by file descriptor; unset on NIO loops. */
    private static final FastThreadLocal<IntObjectMap<Channel>> LOOP_WATCHED = new FastThreadLocal<>();

    private EarlyCloseDetection() {
    }

    /** Called by an epoll loop's I/O handler on its own thread: the map it consults on EPOLLRDHUP. */
    public static IntObjectMap<Channel> bindLoop(IntObjectMap<Channel> watched) {
        LOOP_WATCHED.set(watched);
        return watched;
    }

    /** A new, empty map for {@link #bindLoop}. */
    public static IntObjectMap<Channel> newMap() {
        return new IntObjectHashMap<>(4);
    }

    /**
     * Reads on {@code ch} were just disabled ({@code disabled}) or enabled again. As Envoy's
     * readDisable, a connection with half-close enabled is not watched: there a FIN ends one
     * direction only and is read in order.
     */
    public static void readDisabled(Channel ch, boolean disabled) {
        if (!(ch instanceof EpollSocketChannel epoll)) {
            return;
        }
        IntObjectMap<Channel> watched = LOOP_WATCHED.getIfExists();
        if (watched == null) {
            return;
        }
        int fd = epoll.fd().intValue();
        if (disabled && !halfClose(ch)) {
            watched.put(fd, ch);
        } else if (!watched.isEmpty()) {
            watched.remove(fd);
        }
    }

    /** Whether a FIN ends only the peer's direction on {@code ch} (no early close then). */
    public static boolean halfClose(Channel ch) {
        return Boolean.TRUE.equals(ch.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE));
    }
}

package io.remora.internal;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Where internal listeners ({@code internal_listener}) live and how a cluster reaches them.
 * Netty's in-memory LocalChannel cannot run on the epoll workers, so an internal listener is
 * an abstract Unix domain socket named after this process and the listener: the connection
 * stays on the worker loops, nothing touches the file system, and the connect path of
 * clusters is the one every other upstream uses. Abstract sockets are visible to the whole
 * network namespace, so an accepted connection whose peer is another process is closed
 * ({@link #fromThisProcess}): internal listeners stay unreachable from outside, as in Envoy.
 */
public final class InternalListeners {
    private static final long PID = ProcessHandle.current().pid();
    /**
     * What a cluster's connection hands to the internal listener that accepts it
     * ({@code internal_upstream} passthrough_metadata), by the abstract address the connecting
     * socket is bound to: the accepted side finds it as its peer's address. Entries leave when
     * accepted or when the connecting channel closes.
     */
    private static final java.util.concurrent.ConcurrentMap<DomainSocketAddress, HandedOver>
            HANDED_OVER = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * What a connection to an internal listener carries over: the passed-through metadata by
     * namespace, and the filter state objects shared with the upstream connection.
     */
    public record HandedOver(Map<String, Map<String, Object>> metadata,
                             java.util.List<io.remora.network.FilterState.Shared> filterState) {
        public static final HandedOver NONE = new HandedOver(Map.of(), java.util.List.of());

        public HandedOver {
            metadata = Map.copyOf(metadata);
            filterState = java.util.List.copyOf(filterState);
        }

        public boolean isEmpty() {
            return metadata.isEmpty() && filterState.isEmpty();
        }
    }
    private static final java.util.concurrent.atomic.AtomicLong NEXT = new java.util.concurrent.atomic.AtomicLong();
    /** sun_path holds 108 bytes with the leading NUL. */
    private static final int MAX_NAME = 100;

    private InternalListeners() {
    }

    /** The abstract socket address of the internal listener with this name. */
    public static DomainSocketAddress socketAddress(String listenerName) {
        String name = "remora-" + PID + "-internal-" + listenerName;
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
            name = "remora-" + PID + "-internal-" + sha256(listenerName);
        }
        return new DomainSocketAddress("\0" + name);
    }

    /**
     * Registers what the internal listener's side of a connection about to be made receives; the
     * connecting socket binds to the returned abstract address so the acceptor can find it.
     */
    public static DomainSocketAddress handOver(HandedOver what) {
        DomainSocketAddress local = new DomainSocketAddress("\0remora-" + PID + "-upstream-" + NEXT.incrementAndGet());
        HANDED_OVER.put(local, what);
        return local;
    }

    /** Drops what was handed over from this address (the connection failed or closed). */
    public static void forget(java.net.SocketAddress local) {
        if (local instanceof DomainSocketAddress d) {
            HANDED_OVER.remove(d);
        }
    }

    /** Takes what the connecting side handed over, by the accepted channel's peer address; NONE when nothing. */
    public static HandedOver take(java.net.SocketAddress peer) {
        HandedOver h = peer instanceof DomainSocketAddress d ? HANDED_OVER.remove(d) : null;
        return h == null ? HandedOver.NONE : h;
    }

    /** The internal listener address a bound socket stands for, or null when it is not one of ours. */
    public static io.remora.config.Address.Internal addressOf(String listenerName, java.net.SocketAddress bound) {
        return socketAddress(listenerName).equals(bound) ? new io.remora.config.Address.Internal(listenerName, "") : null;
    }

    /** True when the connected peer is this process (SO_PEERCRED), false for any other or unknown peer. */
    public static boolean fromThisProcess(Channel ch) {
        if (!(ch instanceof EpollDomainSocketChannel uds)) {
            return false;
        }
        try {
            PeerCredentials cred = uds.peerCredentials();
            return cred.pid() == PID;
        } catch (Exception e) {
            return false;
        }
    }

    private static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

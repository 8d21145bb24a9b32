package io.remora.network;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's connection ids: one counter for the whole process, downstream and upstream connections
 * alike, so an id names one connection in the debug log ({@code "ConnectionId":"5"}) and in the
 * access log ({@code %CONNECTION_ID%}, {@code %UPSTREAM_CONNECTION_ID%}). A connection gets its
 * id when accepted or dialled, or at first use for channels made elsewhere (tests, in-process).
 *
 * <p>An accepted connection's id travels in its {@link ConnectionInfo} rather than a channel
 * attribute: the attribute cost every idle connection ~60 B and every request a lookup. Code that
 * has the connection's info asks {@link #of(ConnectionInfo, Channel)}; an attribute is made only
 * for channels without one (upstream connections, connections built in tests).
 */
public final class ConnectionIds {

    private static final AtomicLong NEXT = new AtomicLong();
    private static final AttributeKey<Long> ID = AttributeKey.valueOf("remora.connection_id");

    private ConnectionIds() {
    }

    /** A new id, for a connection that keeps its own (an accepted one, in its ConnectionInfo). */
    public static long next() {
        return NEXT.getAndIncrement();
    }

    /** The id in {@code info} when it has one, else the channel's. */
    public static long of(ConnectionInfo info, Channel ch) {
        if (info != null && info.connectionId() >= 0) {
            return info.connectionId();
        }
        return of(ch);
    }

    /**
     * The channel's id, kept in an attribute; an HTTP/2 stream channel answers its connection's.
     * -1 for null. Not for an accepted connection, whose id is in its ConnectionInfo.
     */
    public static long of(Channel ch) {
        if (ch == null) {
            return -1;
        }
        if (ch instanceof Http2StreamChannel && ch.parent() != null) {
            ch = ch.parent();
        }
        Attribute<Long> a = ch.attr(ID);
        Long id = a.get();
        if (id == null) {
            Long mine = NEXT.getAndIncrement();
            id = a.setIfAbsent(mine);
            if (id == null) {
                id = mine;
            }
        }
        return id;
    }
}

package io.remora.network;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.util.HashMap;
import java.util.Map;

/**
 * Envoy's filter state: named objects filters leave for each other (and for access logs and
 * routing), scoped to a request or to a connection. A request's state sees its connection's
 * through {@link #parent()}. Confined to the connection's event loop.
 */
public final class FilterState {

    /** Whether a later filter may replace an object (Envoy's StateType). */
    public enum Mutability { READ_ONLY, MUTABLE }

    /**
     * Envoy's StreamSharing: whether an object goes with the connections made for this request or
     * connection. Remora hands such objects to an internal listener's connection (Istio's
     * connect_authority and connect_baggage leave theirs for main_internal this way). An object
     * shared ONCE reaches that connection but not the connections it makes in turn.
     */
    public enum Sharing { NONE, SHARED_WITH_UPSTREAM_CONNECTION, SHARED_WITH_UPSTREAM_CONNECTION_ONCE }

    private record Entry(Object value, Mutability mutability, Sharing sharing) {
    }

    /** An object shared with the upstream connection, as it is handed over. */
    public record Shared(String name, Object value, Mutability mutability, Sharing sharing) {
        /** The sharing it keeps on the upstream connection: ONCE stops there, as Envoy's does. */
        public Sharing onUpstream() {
            return sharing == Sharing.SHARED_WITH_UPSTREAM_CONNECTION_ONCE ? Sharing.NONE : sharing;
        }
    }

    private static final AttributeKey<FilterState> CONNECTION = AttributeKey.valueOf("remora.filterState");

    /**
     * Envoy's DestinationAddress object: where an ORIGINAL_DST cluster connects, ahead of the
     * connection's own destination (an {@link java.net.InetSocketAddress}).
     */
    public static final String ORIGINAL_DST_ADDRESS = "envoy.network.transport_socket.original_dst_address";

    /** tcp_proxy's session StreamInfo (an {@link io.remora.accesslog.StreamInfo}): upstream, flags, bytes. */
    public static final String TCP_PROXY_STREAM_INFO = "remora.tcp_proxy.stream_info";

    private final FilterState parent;
    private Map<String, Entry> entries;

    public FilterState(FilterState parent) {
        this.parent = parent;
    }

    /** The connection-scoped state of a channel, downstream or upstream (made on first use). */
    public static FilterState of(Channel channel) {
        FilterState s = channel.attr(CONNECTION).get();
        if (s == null) {
            s = new FilterState(null);
            channel.attr(CONNECTION).set(s);
        }
        return s;
    }

    /** The connection-scoped state of a channel, or null when nothing set one. */
    public static FilterState existing(Channel channel) {
        return channel.hasAttr(CONNECTION) ? channel.attr(CONNECTION).get() : null;
    }

    public FilterState parent() {
        return parent;
    }

    /**
     * Stores {@code value} under {@code name}; refused (false) when a read-only object is already
     * there, here or in the parent.
     */
    public boolean set(String name, Object value, Mutability mutability) {
        return set(name, value, mutability, Sharing.NONE);
    }

    /** As {@link #set(String, Object, Mutability)}, with the object's sharing. */
    public boolean set(String name, Object value, Mutability mutability, Sharing sharing) {
        Entry e = entries == null ? null : entries.get(name);
        if (e != null && e.mutability == Mutability.READ_ONLY) {
            return false;
        }
        if (e == null && parent != null && parent.isReadOnly(name)) {
            return false;
        }
        if (entries == null) {
            entries = new HashMap<>(4);
        }
        entries.put(name, new Entry(value, mutability, sharing));
        return true;
    }

    private boolean isReadOnly(String name) {
        Entry e = entries == null ? null : entries.get(name);
        if (e != null) {
            return e.mutability == Mutability.READ_ONLY;
        }
        return parent != null && parent.isReadOnly(name);
    }

    /** The {@link #ORIGINAL_DST_ADDRESS} destination here or in the parent, or null. */
    public java.net.InetSocketAddress originalDstAddress() {
        return get(ORIGINAL_DST_ADDRESS) instanceof java.net.InetSocketAddress a ? a : null;
    }

    /** The object under {@code name} here or in the parent, or null. */
    public Object get(String name) {
        Entry e = entries == null ? null : entries.get(name);
        if (e != null) {
            return e.value;
        }
        return parent == null ? null : parent.get(name);
    }

    public <T> T get(String name, Class<T> type) {
        Object v = get(name);
        return type.isInstance(v) ? type.cast(v) : null;
    }

    public boolean has(String name) {
        return get(name) != null;
    }

    /** The objects shared with upstream connections, here and in the parent (this level's win); empty when none. */
    public java.util.List<Shared> sharedWithUpstream() {
        Map<String, Shared> out = new java.util.LinkedHashMap<>();
        collectShared(out);
        return out.isEmpty() ? java.util.List.of() : java.util.List.copyOf(out.values());
    }

    private void collectShared(Map<String, Shared> out) {
        if (parent != null) {
            parent.collectShared(out);
        }
        if (entries != null) {
            entries.forEach((k, e) -> {
                if (e.sharing != Sharing.NONE) {
                    out.put(k, new Shared(k, e.value, e.mutability, e.sharing));
                } else {
                    out.remove(k);
                }
            });
        }
    }

    /** Names set here and in the parent (this level's win), for access logs and admin. */
    public Map<String, Object> all() {
        Map<String, Object> out = parent == null ? new HashMap<>() : parent.all();
        if (entries != null) {
            entries.forEach((k, v) -> out.put(k, v.value));
        }
        return out;
    }
}

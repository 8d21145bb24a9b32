package io.remora.listener;

import io.netty.channel.Channel;
import io.remora.config.ListenerConfig;
import io.remora.internal.InternalListeners;
import io.remora.network.FilterState;
import io.remora.network.InternalDstAuthority;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * The internal listener's side of {@code internal_upstream} passthrough_metadata: the metadata
 * the connecting cluster handed over becomes the connection's
 * ({@link io.remora.network.ConnectionMetadata}), and the listener's {@code original_dst} filter restores
 * the destination from {@code envoy.filters.listener.original_dst} {@code local}, as Envoy's does
 * for internal connections; Istio's waypoint picks its filter chain by that destination. No
 * hand-off follows on an internal listener: the restored address only stands for the destination.
 * Istio's {@code set_internal_dst_address} does the same from {@code tunnel} {@code destination},
 * and leaves {@code tunnel} {@code address} (the HBONE endpoint) in the connection's filter state
 * as the destination ORIGINAL_DST clusters connect to; without that metadata it takes the
 * authority Istio's connect_authority left in the filter state handed over with the connection.
 */
final class InternalPassthrough {
    static final String ORIGINAL_DST = "envoy.filters.listener.original_dst";
    /** Istio's namespace for HBONE: {@code destination} is the connection's (set_internal_dst_address). */
    static final String TUNNEL = "tunnel";

    private InternalPassthrough() {
    }

    /** Takes the handed-over metadata; returns the destination to restore, or null. */
    static InetSocketAddress accept(Channel ch, ListenerRuntime rt) {
        InternalListeners.HandedOver handed = InternalListeners.take(ch.remoteAddress());
        if (handed.isEmpty()) {
            return null;
        }
        Map<String, Map<String, Object>> md = handed.metadata();
        if (!md.isEmpty()) {
            io.remora.network.ConnectionMetadata.putAll(ch, md);
        }
        FilterState state = handed.filterState().isEmpty() ? null : FilterState.of(ch);
        for (FilterState.Shared o : handed.filterState()) {
            // Still shared (unless shared ONCE): a connection this one makes carries them on, as Envoy's do.
            state.set(o.name(), o.value(), o.mutability(), o.onUpstream());
        }
        // Each filter that finds its address restores it; in config order, so the last one wins.
        InetSocketAddress restored = null;
        for (ListenerConfig.ListenerFilter f : rt.config().listenerFilters()) {
            if (!rt.runs(f, -1)) {
                continue;
            }
            InetSocketAddress a = switch (f) {
                case ORIGINAL_DST -> field(md, ORIGINAL_DST, "local");
                case SET_INTERNAL_DST_ADDRESS -> setInternalDstAddress(ch, md, state);
                default -> null;
            };
            if (a != null) {
                restored = a;
            }
        }
        return restored;
    }

    /**
     * Istio's filter: the {@code tunnel} metadata when the connection has it, else the authority
     * {@code connect_authority} left in the filter state. Either may also name the HBONE endpoint
     * an ORIGINAL_DST cluster connects to for this connection.
     */
    private static InetSocketAddress setInternalDstAddress(Channel ch, Map<String, Map<String, Object>> md,
                                                          FilterState state) {
        if (md.containsKey(TUNNEL)) {
            InetSocketAddress tunnel = field(md, TUNNEL, "address");
            if (tunnel != null) {
                FilterState.of(ch).set(FilterState.ORIGINAL_DST_ADDRESS, tunnel, FilterState.Mutability.READ_ONLY);
            }
            return field(md, TUNNEL, "destination");
        }
        InternalDstAuthority authority = state == null ? null : state.get(InternalDstAuthority.KEY,
                InternalDstAuthority.class);
        InetSocketAddress local = authority == null ? null : io.remora.util.IpPort.parse(authority.authority());
        if (local != null && authority.port() != 0) {
            state.set(FilterState.ORIGINAL_DST_ADDRESS, new InetSocketAddress(local.getAddress(), authority.port()),
                    FilterState.Mutability.READ_ONLY);
        }
        return local;
    }

    private static InetSocketAddress field(Map<String, Map<String, Object>> md, String namespace, String key) {
        Map<String, Object> ns = md.get(namespace);
        return ns != null && ns.get(key) instanceof String s ? io.remora.util.IpPort.parse(s) : null;
    }
}

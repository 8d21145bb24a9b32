package io.remora.listener;

import io.netty.channel.Channel;
import io.remora.config.ListenerConfig;
import io.remora.internal.InternalListeners;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * The internal listener's side of {@code internal_upstream} passthrough_metadata: the metadata
 * the connecting cluster handed over becomes the connection's (kept on the channel, see
 * {@link InternalListeners#PASSTHROUGH}), and the listener's {@code original_dst} filter restores
 * the destination from {@code envoy.filters.listener.original_dst} {@code local}, as Envoy's does
 * for internal connections; Istio's waypoint picks its filter chain by that destination. No
 * hand-off follows on an internal listener: the restored address only stands for the destination.
 * Istio's {@code set_internal_dst_address} does the same from {@code tunnel} {@code destination},
 * and leaves {@code tunnel} {@code address} (the HBONE endpoint) in the connection's filter state
 * as the destination ORIGINAL_DST clusters connect to.
 */
final class InternalPassthrough {
    static final String ORIGINAL_DST = "envoy.filters.listener.original_dst";
    /** Istio's namespace for HBONE: {@code destination} is the connection's (set_internal_dst_address). */
    static final String TUNNEL = "tunnel";

    private InternalPassthrough() {
    }

    /** Takes the handed-over metadata; returns the destination to restore, or null. */
    static InetSocketAddress accept(Channel ch, ListenerRuntime rt) {
        Map<String, Map<String, Object>> md = InternalListeners.take(ch.remoteAddress());
        if (md.isEmpty()) {
            return null;
        }
        ch.attr(InternalListeners.PASSTHROUGH).set(md);
        // Each filter that finds its address restores it; in config order, so the last one wins.
        InetSocketAddress restored = null;
        if (rt.config().listenerFilters().contains(ListenerConfig.ListenerFilter.SET_INTERNAL_DST_ADDRESS)) {
            // The HBONE endpoint: where an ORIGINAL_DST cluster connects for this connection.
            InetSocketAddress tunnel = field(md, TUNNEL, "address");
            if (tunnel != null) {
                io.remora.network.FilterState.of(ch).set(io.remora.network.FilterState.ORIGINAL_DST_ADDRESS, tunnel,
                        io.remora.network.FilterState.Mutability.READ_ONLY);
            }
        }
        for (ListenerConfig.ListenerFilter f : rt.config().listenerFilters()) {
            InetSocketAddress a = switch (f) {
                case ORIGINAL_DST -> field(md, ORIGINAL_DST, "local");
                case SET_INTERNAL_DST_ADDRESS -> field(md, TUNNEL, "destination");
                default -> null;
            };
            if (a != null) {
                restored = a;
            }
        }
        return restored;
    }

    private static InetSocketAddress field(Map<String, Map<String, Object>> md, String namespace, String key) {
        Map<String, Object> ns = md.get(namespace);
        return ns != null && ns.get(key) instanceof String s ? io.remora.util.IpPort.parse(s) : null;
    }
}

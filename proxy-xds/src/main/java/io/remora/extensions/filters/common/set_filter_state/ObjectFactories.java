package io.remora.extensions.filters.common.set_filter_state;

import io.remora.config.TcpProxyConfig;
import io.remora.extensions.filters.istio.common.PeerState;
import io.remora.network.FilterState;
import io.remora.upstream.DnsCache;
import io.remora.upstream.TransportSocketOptions;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The filter state object factories set_filter_state may name (Envoy's {@code ObjectFactory}
 * registry, looked up by {@code factory_key}, else by {@code object_key}): each makes its object
 * of the formatted value as the reader of that key takes it. Envoy refuses a config naming a
 * factory it lacks ("'&lt;key&gt;' does not have an object factory"), and so does Remora for a name
 * not here.
 */
final class ObjectFactories {

    /** Envoy's {@code envoy.hashable_string} and istio-proxy's {@code istio.hashable_string}. */
    static final Set<String> HASHABLE_STRING = Set.of("envoy.hashable_string", "istio.hashable_string");

    /**
     * Envoy's original_dst listener filter restores an internal connection's addresses from these;
     * Remora's restores them from passthrough metadata only, so they are stored and nothing reads
     * them (Istio's waypoint sets local_ip).
     */
    static final String ORIGINAL_DST_LOCAL = "envoy.filters.listener.original_dst.local_ip";
    static final String ORIGINAL_DST_REMOTE = "envoy.filters.listener.original_dst.remote_ip";
    static final String NETWORK_IP = "envoy.network.ip";
    static final String UDP_PROXY_CLUSTER = "envoy.udp_proxy.cluster";

    private static final Function<String, Object> STRING = FilterStateValues.StringObject::new;
    private static final Function<String, Object> HASHABLE = FilterStateValues.HashableStringObject::new;
    /** The transport socket options' lists, as their readers take them: split on ','. */
    private static final Function<String, Object> LIST = s -> List.of(s.split(",", -1));

    private static final Map<String, Function<String, Object>> FACTORIES = Map.ofEntries(
            Map.entry("envoy.string", STRING),
            Map.entry("envoy.hashable_string", HASHABLE),
            Map.entry("istio.hashable_string", HASHABLE),
            Map.entry(TransportSocketOptions.SERVER_NAME, s -> s),
            Map.entry(TransportSocketOptions.APPLICATION_PROTOCOLS, LIST),
            Map.entry(TransportSocketOptions.SUBJECT_ALT_NAMES, LIST),
            Map.entry(TcpProxyConfig.PER_CONNECTION_CLUSTER, STRING),
            Map.entry(TcpProxyConfig.PER_CONNECTION_IDLE_TIMEOUT_MS, ObjectFactories::uint64),
            Map.entry(TcpProxyConfig.DISABLE_TUNNELING, "true"::equals),
            Map.entry(DnsCache.DYNAMIC_HOST, s -> s),
            Map.entry(DnsCache.DYNAMIC_PORT, ObjectFactories::uint32),
            Map.entry(FilterState.ORIGINAL_DST_ADDRESS, io.remora.util.IpPort::parse),
            Map.entry("envoy.ratelimit.hits_addend", STRING),
            Map.entry(ORIGINAL_DST_LOCAL, STRING),
            Map.entry(ORIGINAL_DST_REMOTE, STRING),
            // istio-proxy's principals, read by Istio's stats filters as the authn filter stores them
            Map.entry(PeerState.PEER_PRINCIPAL, s -> s),
            Map.entry(PeerState.LOCAL_PRINCIPAL, s -> s),
            Map.entry(NETWORK_IP, STRING),
            Map.entry(UDP_PROXY_CLUSTER, STRING));

    /** Envoy's factories whose objects nothing in Remora reads, each with the reason. */
    private static final Map<String, String> UNREAD = Map.of(
            ORIGINAL_DST_LOCAL, "its original_dst restores addresses from passthrough metadata only",
            ORIGINAL_DST_REMOTE, "its original_dst restores addresses from passthrough metadata only",
            NETWORK_IP, "no filter of it takes a shared IP object",
            UDP_PROXY_CLUSTER, "its udp_proxy picks clusters from its own config only");

    private ObjectFactories() {
    }

    /** The factory of that name, or null when there is none. */
    static Function<String, Object> get(String name) {
        return FACTORIES.get(name);
    }

    /** Envoy's UInt32Accessor of a decimal value; null (nothing stored) for anything else. */
    private static Object uint32(String s) {
        try {
            long n = Long.parseLong(s);
            return n >= 0 && n <= 0xFFFF_FFFFL ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Envoy's UInt64Accessor of absl's SimpleAtoi: a decimal count, blanks around it and a '+'
     * allowed; null (nothing stored) for anything else, a value past 2^64 - 1 included. Values
     * past Long.MAX_VALUE stay at it (hundreds of millions of years in milliseconds).
     */
    static Object uint64(String s) {
        String t = s.strip();
        if (t.startsWith("+")) {
            t = t.substring(1);
        }
        if (t.isEmpty() || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        try {
            long n = Long.parseUnsignedLong(t);
            return n < 0 ? Long.MAX_VALUE : n;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Why objects of this factory are stored but read by nothing in Remora; null when something reads them. */
    static String unread(String name) {
        return UNREAD.get(name);
    }
}

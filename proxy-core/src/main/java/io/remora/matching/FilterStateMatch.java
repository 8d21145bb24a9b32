package io.remora.matching;

import io.remora.config.StringMatcher;
import io.remora.network.FilterState;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * {@code type.matcher.v3.FilterStateMatcher}, as an RBAC permission or principal and a route's
 * {@code match.filter_state} read it: the object under {@code key} in its string form (strings,
 * numbers, booleans, addresses) must match {@code string}, or, as an address, fall in one of
 * {@code ranges}. Exactly one of the two is set; an absent object matches neither.
 */
public record FilterStateMatch(String key, StringMatcher string, List<CompiledCidr> ranges) {

    public FilterStateMatch {
        ranges = ranges == null ? null : List.copyOf(ranges);
    }

    public boolean matches(FilterState state) {
        Object o = state == null ? null : state.get(key);
        if (o == null) {
            return false;
        }
        if (string != null) {
            String s = serialize(o);
            return s != null && string.matches(s);
        }
        InetAddress ip = o instanceof InetAddress a ? a
                : o instanceof InetSocketAddress sa ? sa.getAddress()
                : o instanceof CharSequence cs && io.netty.util.NetUtil.isValidIpV4Address(cs.toString())
                || o instanceof CharSequence cs2 && io.netty.util.NetUtil.isValidIpV6Address(cs2.toString())
                ? CompiledCidr.literal(o.toString()) : null;
        if (ip == null) {
            return false;
        }
        for (CompiledCidr r : ranges) {
            if (r.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    /** Envoy's serializeAsString for the kinds of objects Remora's filters store; null if none. */
    public static String serialize(Object o) {
        // set_filter_state's envoy.string objects are string accessors too: their value is their form.
        if (o instanceof CharSequence || o instanceof Number || o instanceof Boolean
                || o instanceof io.remora.accesslog.FilterStateString) {
            return o.toString();
        }
        if (o instanceof InetSocketAddress a) {
            return io.netty.util.NetUtil.toSocketAddressString(a);
        }
        if (o instanceof InetAddress a) {
            return io.netty.util.NetUtil.toAddressString(a);
        }
        return null;
    }
}

package io.remora.upstream;

import io.remora.config.HappyEyeballsConfig;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The order a host's addresses are tried in, as Envoy's HappyEyeballsConnectionProvider sorts them
 * (RFC 8305 section 4): addresses grouped by family, the families in the order they first appear
 * but the preferred one first (the configured version, else the primary address's), then taken in
 * turn: {@code first_address_family_count} of the preferred family, one of each other, and again.
 */
final class HappyEyeballsOrder {
    private HappyEyeballsOrder() {
    }

    /** Families: IPv4, IPv6, and anything else (a pipe, an internal address) as one more. */
    private enum Family { V4, V6, OTHER }

    static List<SocketAddress> sort(List<SocketAddress> in, HappyEyeballsConfig config) {
        if (in.size() < 2) {
            return in;
        }
        Family preferred = switch (config.firstFamily()) {
            case V4 -> Family.V4;
            case V6 -> Family.V6;
            case DEFAULT -> family(in.get(0));
        };
        Map<Family, List<SocketAddress>> buckets = new LinkedHashMap<>();
        List<Family> order = new ArrayList<>(3);
        for (SocketAddress a : in) {
            Family f = family(a);
            buckets.computeIfAbsent(f, k -> {
                if (k == preferred) {
                    order.add(0, k);
                } else {
                    order.add(k);
                }
                return new ArrayList<>();
            }).add(a);
        }
        int[] next = new int[order.size()];
        List<SocketAddress> out = new ArrayList<>(in.size());
        for (int i = 0; out.size() < in.size(); i = (i + 1) % order.size()) {
            List<SocketAddress> bucket = buckets.get(order.get(i));
            int take = order.get(i) == preferred ? config.firstFamilyCount() : 1;
            for (int j = 0; j < take && next[i] < bucket.size(); j++) {
                out.add(bucket.get(next[i]++));
            }
        }
        return out;
    }

    private static Family family(SocketAddress a) {
        if (a instanceof InetSocketAddress i && i.getAddress() != null) {
            return i.getAddress() instanceof Inet6Address ? Family.V6 : Family.V4;
        }
        return Family.OTHER;
    }
}

package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.stats.ClusterStats;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hosts of a dynamic forward proxy cluster: one per name of its DNS cache that has an
 * address, picked by the request's {@code :authority} (or a filter state's dynamic host, or the
 * connection's SNI; port 80, or 443 when the cluster speaks TLS, when neither it nor the filter
 * state's dynamic port names one). A pick marks the name used, which keeps it in the cache; a name the
 * cache dropped, or that has no address, leaves no host (503).
 */
final class DynamicForwardProxyHosts {
    private final DnsCache cache;
    private final ClusterStats stats;
    private final ConcurrentHashMap<String, Host> hosts = new ConcurrentHashMap<>();

    DynamicForwardProxyHosts(DnsCache cache, ClusterStats stats) {
        this.cache = cache;
        this.stats = stats;
    }

    DnsCache cache() {
        return cache;
    }

    Host host(LoadBalancerContext context, boolean tls) {
        if (context == null) {
            return null;
        }
        // Envoy's order: a filter's dynamic host, the request's host, the connection's SNI.
        Object dynamic = context.filterState(DnsCache.DYNAMIC_HOST);
        CharSequence authority = dynamic instanceof CharSequence d ? d : context.downstreamHeader(":authority");
        if (authority == null) {
            authority = context.requestedServerName();
        }
        if (authority == null || authority.length() == 0) {
            return null;
        }
        int port = tls ? 443 : 80;
        if (context.filterState(DnsCache.DYNAMIC_PORT) instanceof Number p && p.longValue() > 0 && p.longValue() <= 65535) {
            port = p.intValue();
        }
        String key = DnsCache.key(authority.toString(), port);
        DnsCacheEntry e = cache.use(key);
        InetSocketAddress address = e == null ? null : e.address();
        if (address == null) {
            if (hosts.remove(key) != null) {
                counts();
            }
            return null;
        }
        Host h = hosts.get(key);
        if (h == null || !address.equals(h.address())) {
            // A new address is a new host: pools to the old one drain as their connections close.
            h = new Host(new Address.Tcp(e.hostname(), e.port), address, e.hostname(),
                    ClusterLoadAssignment.Locality.NONE, 1, HealthStatus.HEALTHY);
            hosts.put(key, h);
            counts();
        }
        return h.isHealthy() ? h : null;
    }

    /** The hosts of names still in the cache. */
    List<Host> hosts() {
        for (Map.Entry<String, Host> m : hosts.entrySet()) {
            if (cache.entry(m.getKey()) == null) {
                hosts.remove(m.getKey(), m.getValue());
            }
        }
        counts();
        return new ArrayList<>(hosts.values());
    }

    private void counts() {
        stats.membershipTotal.set(hosts.size());
        stats.membershipHealthy.set(hosts.size());
    }
}

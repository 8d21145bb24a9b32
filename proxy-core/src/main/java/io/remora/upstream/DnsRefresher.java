package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.DnsLookupFamily;
import io.remora.config.ClusterLoadAssignment.LbEndpoint;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One resolution round of a STRICT_DNS or LOGICAL_DNS cluster, run on the DNS thread. STRICT_DNS
 * hosts are the union of every endpoint name's addresses (an endpoint's additional_addresses are
 * not used, as Envoy's); LOGICAL_DNS is one host, the first address of the first endpoint, that
 * carries the whole answer for happy eyeballs (Envoy's logical host and its address list).
 */
final class DnsRefresher {
    private static final Logger LOG = Logger.getLogger(DnsRefresher.class.getName());

    private DnsRefresher() {
    }

    /**
     * What one round saw, for choosing when the next one runs.
     *
     * @param minTtl the smallest TTL among the names answered with addresses; null: none known
     */
    record Round(boolean anyResolved, boolean anyFailed, java.time.Duration minTtl) {
        static final Round NOTHING = new Round(false, false, null);
    }

    static Round refresh(ClusterImpl cluster, DnsResolver resolver) {
        ClusterConfig c = cluster.config();
        if (c.loadAssignment() == null) {
            cluster.setEndpoints(List.of());
            cluster.markInitialized();
            return Round.NOTHING;
        }
        boolean anyResolved = false;
        boolean anyFailed = false;
        java.time.Duration minTtl = null;
        boolean logical = c.type() == ClusterConfig.DiscoveryType.LOGICAL_DNS;
        // Envoy's STRICT_DNS cluster completes its pre-init with the first target's first resolution, answered
        // or failed (strict_dns_cluster.cc: "this will return initialized after a single DNS resolution"), its
        // hosts those of the names resolved by then; the others join as they resolve.
        boolean firstRound = !cluster.initialized().isDone();
        List<ResolvedEndpoint> out = new ArrayList<>();
        outer:
        for (LocalityLbEndpoints lle : c.loadAssignment().endpoints()) {
            for (LbEndpoint ep : lle.lbEndpoints()) {
                if (!(ep.address() instanceof Address.Tcp tcp)) {
                    out.add(new ResolvedEndpoint(ep.address(), HostMembership.socketAddress(ep.address()),
                            ep.hostname(), lle.locality(), Math.max(1, ep.loadBalancingWeight()),
                            ep.healthStatus(), lle.priority(), ep.socketMatchMetadata(), ep.lbMetadata(),
                            ep.filterMetadata(), ep.proxyProtocolTlvs(), ep.http11ProxyAddress(), ep.healthCheck()));
                    continue;
                }
                if (firstRound && (anyResolved || anyFailed)) {
                    firstRound = false;
                    cluster.setEndpoints(List.copyOf(out));
                    cluster.markInitialized();
                }
                List<InetAddress> addrs;
                try {
                    DnsAnswer answer = resolver.resolve(tcp.host(), c.dnsLookupFamily());
                    addrs = answer.addresses();
                    anyResolved = true;
                    // Envoy: an empty answer, or a TTL of 0, leaves the refresh rate in force.
                    if (!addrs.isEmpty() && answer.ttl() != null && !answer.ttl().isZero()
                            && (minTtl == null || answer.ttl().compareTo(minTtl) < 0)) {
                        minTtl = answer.ttl();
                    }
                } catch (UnknownHostException e) {
                    anyFailed = true;
                    LOG.log(Level.FINE, "cluster {0}: cannot resolve {1}", new Object[] {c.name(), tcp.host()});
                    // Envoy keeps a name's last resolved hosts when a refresh of it fails.
                    for (ResolvedEndpoint prev : cluster.endpoints()) {
                        if (prev.configured().equals(ep.address())) {
                            out.add(prev);
                        }
                    }
                    if (logical) {
                        break outer;
                    }
                    continue;
                }
                String hostname = ep.hostname() != null && !ep.hostname().isEmpty() ? ep.hostname() : tcp.host();
                for (InetAddress a : addrs) {
                    out.add(new ResolvedEndpoint(ep.address(), new InetSocketAddress(a, tcp.port()),
                            hostname, lle.locality(), Math.max(1, ep.loadBalancingWeight()), ep.healthStatus(),
                            lle.priority(), ep.socketMatchMetadata(), ep.lbMetadata(),
                            ep.filterMetadata(), ep.proxyProtocolTlvs(), ep.http11ProxyAddress(), ep.healthCheck(),
                            logical ? withPort(addrs, tcp.port()) : List.of()));
                    if (logical) {
                        break outer;
                    }
                }
                if (logical) {
                    break outer;
                }
            }
        }
        cluster.setEndpoints(out);
        cluster.markInitialized();
        return new Round(anyResolved, anyFailed, minTtl);
    }

    private static List<java.net.SocketAddress> withPort(List<InetAddress> addrs, int port) {
        List<java.net.SocketAddress> out = new ArrayList<>(addrs.size());
        for (InetAddress a : addrs) {
            out.add(new InetSocketAddress(a, port));
        }
        return out;
    }

    /** Envoy's dns_lookup_family over the system resolver's answer. */
    static List<InetAddress> filter(InetAddress[] all, DnsLookupFamily family) {
        List<InetAddress> v4 = new ArrayList<>();
        List<InetAddress> v6 = new ArrayList<>();
        for (InetAddress a : all) {
            (a instanceof Inet6Address ? v6 : v4).add(a);
        }
        DnsLookupFamily f = family == null ? DnsLookupFamily.AUTO : family;
        return switch (f) {
            case V4_ONLY -> v4;
            case V6_ONLY -> v6;
            case V4_PREFERRED -> v4.isEmpty() ? v6 : v4;
            case AUTO -> v6.isEmpty() ? v4 : v6;
            case ALL -> {
                List<InetAddress> both = new ArrayList<>(v4);
                both.addAll(v6);
                yield both;
            }
        };
    }

    static boolean isV4(InetAddress a) {
        return a instanceof Inet4Address;
    }
}

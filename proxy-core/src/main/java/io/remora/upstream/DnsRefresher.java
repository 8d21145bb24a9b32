package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterConfig.DnsLookupFamily;
import io.remora.config.ClusterLoadAssignment.LbEndpoint;
import io.remora.config.ClusterLoadAssignment.LocalityLbEndpoints;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What a DNS cluster's endpoint becomes: STRICT_DNS a host of each address its name resolved to
 * (an endpoint's additional_addresses are not used, as Envoy's); LOGICAL_DNS one host, the first
 * address, that carries the whole answer for happy eyeballs (Envoy's logical host and its address
 * list); an endpoint that names no host (a pipe) the host it configures.
 */
final class DnsRefresher {

    private DnsRefresher() {
    }

    /** The hosts of one name's answer, empty for an empty answer. */
    static List<ResolvedEndpoint> resolved(LocalityLbEndpoints lle, LbEndpoint ep, Address.Tcp tcp,
                                           List<InetAddress> addrs, boolean logical) {
        String hostname = ep.hostname() != null && !ep.hostname().isEmpty() ? ep.hostname() : tcp.host();
        List<ResolvedEndpoint> out = new ArrayList<>(logical ? 1 : addrs.size());
        java.util.Set<InetAddress> seen = new java.util.HashSet<>();
        for (InetAddress a : addrs) {
            if (!seen.add(a)) {
                continue; // one answer's address is one host (Envoy's createStrictDnsHosts)
            }
            out.add(new ResolvedEndpoint(ep.address(), new InetSocketAddress(a, tcp.port()),
                    hostname, lle.locality(), Math.max(1, ep.loadBalancingWeight()), ep.healthStatus(),
                    lle.priority(), ep.socketMatchMetadata(), ep.lbMetadata(),
                    ep.filterMetadata(), ep.proxyProtocolTlvs(), ep.http11ProxyAddress(), ep.healthCheck(),
                    logical ? withPort(addrs, tcp.port()) : List.of()));
            if (logical) {
                break;
            }
        }
        return out;
    }

    /** The host of an endpoint that is not a name to resolve. */
    static ResolvedEndpoint configured(LocalityLbEndpoints lle, LbEndpoint ep) {
        return new ResolvedEndpoint(ep.address(), HostMembership.socketAddress(ep.address()),
                ep.hostname(), lle.locality(), Math.max(1, ep.loadBalancingWeight()),
                ep.healthStatus(), lle.priority(), ep.socketMatchMetadata(), ep.lbMetadata(),
                ep.filterMetadata(), ep.proxyProtocolTlvs(), ep.http11ProxyAddress(), ep.healthCheck());
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
}

package io.remora.udp.dns;

import io.remora.config.DnsFilterConfig;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.Host;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Answers a query from the table and the clusters, in Envoy's order: a cluster first (the name's
 * {@code cluster_name}, else a cluster named as the query), every host of it, healthy or not, whose
 * address fits the type; then the table's addresses. SRV: a service with a cluster target lists
 * each of its hosts (the target's port, else the host's), one with host name targets those of the
 * table's names, each with the target's address as an additional record.
 */
final class DnsLocalResolver {
    private final DnsLookupTable table;
    private final ClusterManager clusters;
    private final DnsFilterStats stats;

    DnsLocalResolver(DnsLookupTable table, ClusterManager clusters, DnsFilterStats stats) {
        this.table = table;
        this.clusters = clusters;
        this.stats = stats;
    }

    /** Whether the table or a cluster has the name: then the query is answered here, with or without records. */
    boolean resolve(DnsQuery q) {
        return switch (q.type) {
            case DnsWire.TYPE_A, DnsWire.TYPE_AAAA -> clusterHost(q) || configuredDomain(q);
            case DnsWire.TYPE_SRV -> clusterService(q) || configuredService(q);
            default -> false;
        };
    }

    static boolean fits(int type, InetAddress a) {
        boolean v4 = a instanceof Inet4Address;
        return type == DnsWire.TYPE_A ? v4 : type == DnsWire.TYPE_AAAA && !v4;
    }

    private static InetAddress address(Host h) {
        return h.address() instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }

    private boolean clusterHost(DnsQuery q) {
        DnsLookupTable.Endpoint e = table.endpoint(q.name);
        String name = e != null && e.cluster != null ? e.cluster : q.name;
        Cluster cluster = clusters.get(name);
        if (cluster == null) {
            return false;
        }
        int found = 0;
        long ttl = table.ttlSeconds(name);
        for (Host h : cluster.hosts()) {
            InetAddress a = address(h);
            if (a != null && fits(q.type, a)) {
                q.answer(DnsRecord.address(q.name, ttl, a));
                stats.clusterAnswer(q.type);
                found++;
            }
        }
        return found > 0;
    }

    private boolean clusterService(DnsQuery q) {
        DnsLookupTable.Endpoint e = table.endpoint(q.name);
        if (e == null || e.service == null) {
            return false;
        }
        DnsFilterConfig.Service s = e.service;
        // Envoy redirects a service to its first target only, and only when that target is a cluster.
        DnsFilterConfig.Target t = s.targets().get(0);
        Cluster cluster = t.cluster() ? clusters.get(t.name()) : null;
        if (cluster == null) {
            return false;
        }
        int found = 0;
        long ttl = table.ttlSeconds(t.name());
        for (Host h : cluster.hosts()) {
            InetAddress a = address(h);
            int port = t.port() != 0 ? t.port() : h.address() instanceof InetSocketAddress isa ? isa.getPort() : 0;
            q.answer(DnsRecord.service(q.name, s.ttl().toSeconds(), t.priority(), t.weight(), port, t.name()));
            stats.clusterAnswer(DnsWire.TYPE_SRV);
            if (a != null) {
                DnsRecord r = DnsRecord.address(t.name(), ttl, a);
                q.additional(r);
                stats.clusterAnswer(r.type());
                found++;
            }
        }
        return found > 0;
    }

    private boolean configuredDomain(DnsQuery q) {
        DnsLookupTable.Endpoint e = table.endpoint(q.name);
        if (e == null || e.addresses == null || e.addresses.isEmpty()) {
            return false;
        }
        // The name is the table's even when none of its addresses fits the type: NXDOMAIN, not forwarded.
        long ttl = table.ttlSeconds(q.name);
        for (InetAddress a : e.addresses) {
            if (fits(q.type, a)) {
                q.answer(DnsRecord.address(q.name, ttl, a));
                stats.localAnswer(q.type);
            }
        }
        return true;
    }

    private boolean configuredService(DnsQuery q) {
        DnsLookupTable.Endpoint e = table.endpoint(q.name);
        if (e == null || e.service == null) {
            return false;
        }
        DnsFilterConfig.Service s = e.service;
        int found = 0;
        for (DnsFilterConfig.Target t : s.targets()) {
            DnsLookupTable.Endpoint target = t.cluster() ? null : table.endpoint(t.name());
            if (target == null || target.addresses == null) {
                continue;
            }
            stats.localAnswer(DnsWire.TYPE_SRV);
            q.answer(DnsRecord.service(q.name, s.ttl().toSeconds(), t.priority(), t.weight(), t.port(), t.name()));
            long ttl = table.ttlSeconds(t.name());
            for (InetAddress a : target.addresses) {
                DnsRecord r = DnsRecord.address(t.name(), ttl, a);
                stats.localAnswer(r.type());
                q.additional(r);
                found++;
            }
        }
        return found > 0;
    }
}

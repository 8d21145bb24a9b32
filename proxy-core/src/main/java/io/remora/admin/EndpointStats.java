package io.remora.admin;

import io.remora.stats.EndpointStat;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.HostStats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The per-endpoint stats of clusters with {@code track_cluster_stats.per_endpoint_stats}, read
 * from their hosts when the admin renders {@code /stats} or {@code /stats/prometheus}, as Envoy's
 * HostUtility::forEachHostMetric: per host its counters (in Envoy's HostStats order), then its
 * gauges and the synthetic {@code healthy} gauge.
 */
final class EndpointStats {

    private EndpointStats() {
    }

    static List<EndpointStat> collect(AdminContext ctx) {
        List<Cluster> clusters = new ArrayList<>();
        for (Cluster c : ctx.clusterManager().all()) {
            if (c.config() != null && c.config().options().perEndpointStats()) {
                clusters.add(c);
            }
        }
        if (clusters.isEmpty()) {
            return List.of();
        }
        clusters.sort(Comparator.comparing(Cluster::name));
        List<EndpointStat> out = new ArrayList<>();
        for (Cluster c : clusters) {
            String alt = c.config().altStatName();
            String cluster = alt == null || alt.isEmpty() ? c.name() : alt;
            for (Host h : c.hosts()) {
                String address = h.addressString();
                String hostname = h.hostname() == null ? "" : h.hostname();
                HostStats s = h.stats;
                out.add(new EndpointStat(cluster, address, hostname, "cx_connect_fail", false, s.cxConnectFail.sum()));
                out.add(new EndpointStat(cluster, address, hostname, "cx_total", false, s.cxTotal.sum()));
                out.add(new EndpointStat(cluster, address, hostname, "rq_error", false, s.rqError.sum()));
                out.add(new EndpointStat(cluster, address, hostname, "rq_success", false, s.rqSuccess.sum()));
                out.add(new EndpointStat(cluster, address, hostname, "rq_timeout", false, s.rqTimeout.sum()));
                out.add(new EndpointStat(cluster, address, hostname, "rq_total", false, s.rqTotal.sum()));
                out.add(new EndpointStat(cluster, address, hostname, "cx_active", true, h.activeConnections.get()));
                out.add(new EndpointStat(cluster, address, hostname, "rq_active", true, h.activeRequests.get()));
                // Envoy's coarse health: Healthy only with neither a failure nor a degraded flag.
                out.add(new EndpointStat(cluster, address, hostname, "healthy", true,
                        h.isHealthy() && !h.isDegraded() ? 1 : 0));
            }
        }
        return out;
    }
}

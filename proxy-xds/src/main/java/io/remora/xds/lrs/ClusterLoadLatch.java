package io.remora.xds.lrs;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamEndpointStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.remora.config.ClusterLoadAssignment;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;

import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One tracked cluster of one LRS stream: the host and cluster counters as they stood at the last
 * report, so that each report carries the change since (Envoy latches its counters instead; the
 * counters here are cumulative because {@code /clusters} and the stats read them too, and two
 * streams may report the same cluster). Used on the reporter's thread only.
 */
final class ClusterLoadLatch {
    private static final int SUCCESS = 0;
    private static final int ERROR = 1;
    private static final int ISSUED = 2;

    private final String clusterName;
    /** Per host: success, error, issued at the last latch. A host not in it is new and starts from 0. */
    private Map<Host, long[]> hosts = new IdentityHashMap<>();
    private long dropOverload;
    private long dropped;
    /** System.nanoTime() of the start of the current report's interval. */
    private long since;

    ClusterLoadLatch(String clusterName, long nowNanos) {
        this.clusterName = clusterName;
        this.since = nowNanos;
    }

    String clusterName() {
        return clusterName;
    }

    /** Forgets what happened so far: Envoy latches a cluster's counters when it starts tracking it. */
    void reset(Cluster c) {
        Map<Host, long[]> now = new IdentityHashMap<>();
        for (Host h : c.hosts()) {
            now.put(h, counters(h));
        }
        hosts = now;
        dropOverload = dropOverload(c);
        dropped = dropped(c);
    }

    /**
     * The cluster's load since the last report (Envoy's LoadStatsReporter::sendLoadStatsRequest):
     * one locality entry per priority and locality with any request to count, with per-endpoint entries when {@code endpointGranularity}, and the ORCA metrics its
     * responses carried (lrs_report_endpoint_metrics) summed per locality and per endpoint.
     */
    ClusterStats report(Cluster c, boolean endpointGranularity, long nowNanos) {
        ClusterStats.Builder out = ClusterStats.newBuilder().setClusterName(clusterName);
        String service = c.config().edsServiceName();
        if (service != null && !service.isEmpty()) {
            out.setClusterServiceName(service);
        }
        Map<Host, long[]> latched = new IdentityHashMap<>();
        Map<Group, UpstreamLocalityStats.Builder> groups = new LinkedHashMap<>();
        Map<Group, Map<String, double[]>> metrics = new LinkedHashMap<>();
        boolean orca = !c.config().options().lrsReportEndpointMetrics().isEmpty();
        for (Host h : c.hosts()) {
            long[] current = counters(h);
            latched.put(h, current);
            long[] last = hosts.getOrDefault(h, new long[3]);
            long success = current[SUCCESS] - last[SUCCESS];
            long error = current[ERROR] - last[ERROR];
            long issued = current[ISSUED] - last[ISSUED];
            long active = Math.max(0, h.activeRequests.get());
            Group g = new Group(h.priority(), h.locality() == null ? ClusterLoadAssignment.Locality.NONE : h.locality());
            UpstreamLocalityStats.Builder ls = groups.computeIfAbsent(g, k -> UpstreamLocalityStats.newBuilder()
                    .setLocality(locality(k.locality())).setPriority(k.priority()));
            if (success + error + issued + active == 0) {
                continue;
            }
            ls.setTotalSuccessfulRequests(ls.getTotalSuccessfulRequests() + success)
                    .setTotalErrorRequests(ls.getTotalErrorRequests() + error)
                    .setTotalIssuedRequests(ls.getTotalIssuedRequests() + issued)
                    .setTotalRequestsInProgress(ls.getTotalRequestsInProgress() + active);
            Map<String, double[]> hostMetrics = orca ? h.loadMetricStats().latch() : null;
            if (hostMetrics != null) {
                Map<String, double[]> sums = metrics.computeIfAbsent(g, k -> new LinkedHashMap<>());
                hostMetrics.forEach((name, v) -> {
                    double[] sum = sums.computeIfAbsent(name, k -> new double[2]);
                    sum[0] += v[0];
                    sum[1] += v[1];
                });
            }
            if (endpointGranularity) {
                UpstreamEndpointStats.Builder es = UpstreamEndpointStats.newBuilder().setAddress(address(h))
                        .setTotalSuccessfulRequests(success).setTotalErrorRequests(error)
                        .setTotalIssuedRequests(issued).setTotalRequestsInProgress(active);
                if (hostMetrics != null) {
                    hostMetrics.forEach((name, v) -> es.addLoadMetricStats(metric(name, v)));
                }
                ls.addUpstreamEndpointStats(es);
            }
        }
        hosts = latched;
        groups.forEach((g, ls) -> {
            // Envoy sends a locality that issued requests or has some in flight, which drops the
            // completions of a request issued in the previous interval; any count sends it here.
            if (ls.getTotalIssuedRequests() != 0 || ls.getTotalRequestsInProgress() != 0
                    || ls.getTotalSuccessfulRequests() != 0 || ls.getTotalErrorRequests() != 0) {
                metrics.getOrDefault(g, Map.of()).forEach((name, v) -> ls.addLoadMetricStats(metric(name, v)));
                out.addUpstreamLocalityStats(ls);
            }
        });
        long d = dropped(c);
        out.setTotalDroppedRequests(d - dropped);
        dropped = d;
        long o = dropOverload(c);
        String category = c.config().loadAssignment() == null ? null : c.config().loadAssignment().policy().dropCategory();
        if (o - dropOverload > 0 && category != null) {
            out.addDroppedRequests(ClusterStats.DroppedRequests.newBuilder().setCategory(category)
                    .setDroppedCount(o - dropOverload));
        }
        dropOverload = o;
        out.setLoadReportInterval(Durations.fromNanos(nowNanos - since));
        since = nowNanos;
        return out.build();
    }

    private static EndpointLoadMetricStats metric(String name, double[] countAndSum) {
        return EndpointLoadMetricStats.newBuilder().setMetricName(name)
                .setNumRequestsFinishedWithMetric((long) countAndSum[0]).setTotalMetricValue(countAndSum[1]).build();
    }

    private static long[] counters(Host h) {
        return new long[] {h.stats.rqSuccess.sum(), h.stats.rqError.sum(), h.stats.rqTotal.sum()};
    }

    private static long dropOverload(Cluster c) {
        return (long) c.stats().upstreamRqDropOverload.count();
    }

    /**
     * Envoy's upstream_rq_dropped: requests the router answered without an upstream — shed by
     * drop_overloads, no healthy host, the pending-request circuit breaker overflowing, or maintenance mode.
     */
    private static long dropped(Cluster c) {
        return (long) (c.stats().upstreamRqDropOverload.count() + c.stats().upstreamCxNoneHealthy.count()
                + c.stats().upstreamRqPendingOverflow.count() + c.stats().upstreamRqMaintenanceMode.count());
    }

    private static Locality locality(ClusterLoadAssignment.Locality l) {
        return Locality.newBuilder().setRegion(nullToEmpty(l.region())).setZone(nullToEmpty(l.zone()))
                .setSubZone(nullToEmpty(l.subZone())).build();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static Address address(Host h) {
        if (h.address() instanceof InetSocketAddress a) {
            String ip = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
            return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip)
                    .setPortValue(a.getPort())).build();
        }
        return Address.newBuilder().setPipe(io.envoyproxy.envoy.config.core.v3.Pipe.newBuilder()
                .setPath(String.valueOf(h.address()))).build();
    }

    private record Group(int priority, ClusterLoadAssignment.Locality locality) {
    }
}

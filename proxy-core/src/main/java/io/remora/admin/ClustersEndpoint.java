package io.remora.admin;

import io.remora.config.ClusterConfig.CircuitBreakers;
import io.remora.stats.CircuitBreakerStats;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.upstream.Cluster;
import io.remora.upstream.HealthFlag;
import io.remora.upstream.Host;
import io.remora.upstream.HostStats;
import io.remora.upstream.ResourceLimits;
import io.remora.upstream.outlier.OutlierDetector;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /clusters} as Envoy prints it (its {@code filter}: an RE2 partial match on the cluster's name): per cluster its observability name, outlier success rate
 * averages and thresholds, circuit breakers (runtime overrides applied), {@code added_via_api} and
 * an EDS cluster's {@code eds_service_name}; per host its counters and gauges in name order, then
 * hostname, health flags, weight, locality, canary, priority and success rates.
 * {@code ?format=json} is {@link ClustersJson}.
 */
final class ClustersEndpoint {
    private static final CircuitBreakerStats.Resource CONNECTIONS = CircuitBreakerStats.Resource.CONNECTIONS;
    private static final CircuitBreakerStats.Resource PENDING = CircuitBreakerStats.Resource.PENDING_REQUESTS;
    private static final CircuitBreakerStats.Resource REQUESTS = CircuitBreakerStats.Resource.REQUESTS;
    private static final CircuitBreakerStats.Resource RETRIES = CircuitBreakerStats.Resource.RETRIES;

    private ClustersEndpoint() {
    }

    static AdminResponse handle(AdminContext ctx, Map<String, List<String>> q) {
        List<Cluster> clusters = sorted(ctx.clusterManager().all());
        List<String> filter = q.get("filter");
        if (filter != null && !filter.isEmpty() && !filter.get(0).isEmpty()) {
            com.google.re2j.Pattern p;
            try {
                p = com.google.re2j.Pattern.compile(filter.get(0));
            } catch (com.google.re2j.PatternSyntaxException e) {
                return AdminResponse.text(400, "Invalid re2 regex");
            }
            clusters.removeIf(c -> !p.matcher(c.name()).find());
        }
        List<String> format = q.get("format");
        if (format != null && !format.isEmpty() && "json".equals(format.get(0))) {
            return AdminResponse.json(ClustersJson.write(ctx, clusters));
        }
        StringBuilder sb = new StringBuilder();
        for (Cluster c : clusters) {
            String n = c.name();
            sb.append(n).append("::observability_name::").append(observabilityName(c)).append('\n');
            OutlierDetector od = c.outlierDetector();
            if (od != null) {
                sb.append(n).append("::outlier::success_rate_average::").append(g(od.successRateAverage(false))).append('\n');
                sb.append(n).append("::outlier::success_rate_ejection_threshold::")
                        .append(g(od.successRateEjectionThreshold(false))).append('\n');
                sb.append(n).append("::outlier::local_origin_success_rate_average::")
                        .append(g(od.successRateAverage(true))).append('\n');
                sb.append(n).append("::outlier::local_origin_success_rate_ejection_threshold::")
                        .append(g(od.successRateEjectionThreshold(true))).append('\n');
            }
            for (String priority : new String[]{"default_priority", "high_priority"}) {
                CircuitBreakerStats.Source t = limits(c, priority.equals("high_priority"));
                sb.append(n).append("::").append(priority).append("::max_connections::").append(t.max(CONNECTIONS)).append('\n');
                sb.append(n).append("::").append(priority).append("::max_pending_requests::").append(t.max(PENDING)).append('\n');
                sb.append(n).append("::").append(priority).append("::max_requests::").append(t.max(REQUESTS)).append('\n');
                sb.append(n).append("::").append(priority).append("::max_retries::").append(t.max(RETRIES)).append('\n');
            }
            sb.append(n).append("::added_via_api::").append(ctx.addedViaApi(n)).append('\n');
            String eds = edsServiceName(c);
            if (eds != null && !eds.isEmpty()) {
                sb.append(n).append("::eds_service_name::").append(eds).append('\n');
            }
            for (Host h : c.hosts()) {
                String p = n + "::" + address(h.address()) + "::";
                for (Map.Entry<String, Long> s : hostStats(h).entrySet()) {
                    sb.append(p).append(s.getKey()).append("::").append(s.getValue()).append('\n');
                }
                sb.append(p).append("hostname::").append(nz(h.hostname())).append('\n');
                sb.append(p).append("health_flags::").append(HealthFlag.describe(h.healthFlags())).append('\n');
                sb.append(p).append("weight::").append(h.weight()).append('\n');
                Locality l = h.locality() == null ? Locality.NONE : h.locality();
                sb.append(p).append("region::").append(nz(l.region())).append('\n');
                sb.append(p).append("zone::").append(nz(l.zone())).append('\n');
                sb.append(p).append("sub_zone::").append(nz(l.subZone())).append('\n');
                sb.append(p).append("canary::").append(h.canary()).append('\n');
                sb.append(p).append("priority::").append(h.priority()).append('\n');
                sb.append(p).append("success_rate::").append(rate(h.outlier().successRate())).append('\n');
                sb.append(p).append("local_origin_success_rate::").append(rate(h.outlier().localOriginSuccessRate()))
                        .append('\n');
            }
        }
        return AdminResponse.ok(sb.toString());
    }

    /** Envoy's host stats, by name (the order Envoy prints them in). */
    static Map<String, Long> hostStats(Host h) {
        HostStats s = h.stats;
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("cx_active", (long) h.activeConnections.get());
        m.put("cx_connect_fail", s.cxConnectFail.sum());
        m.put("cx_total", s.cxTotal.sum());
        m.put("rq_active", (long) h.activeRequests.get());
        m.put("rq_error", s.rqError.sum());
        m.put("rq_success", s.rqSuccess.sum());
        m.put("rq_timeout", s.rqTimeout.sum());
        m.put("rq_total", s.rqTotal.sum());
        return m;
    }

    private static List<Cluster> sorted(Collection<Cluster> clusters) {
        List<Cluster> out = new ArrayList<>(clusters);
        out.sort(Comparator.comparing(Cluster::name));
        return out;
    }

    /** The EDS cluster's own {@code service_name}: empty when it has none (not the cluster's name, as Envoy). */
    static String edsServiceName(Cluster c) {
        return c.config() == null ? null : c.config().edsServiceName();
    }

    static String observabilityName(Cluster c) {
        String alt = c.config() == null ? null : c.config().altStatName();
        return alt == null || alt.isEmpty() ? c.name() : alt;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** Envoy prints -1 for no value, the rate as a plain number otherwise. */
    private static String rate(double r) {
        return r < 0 ? "-1" : r == Math.rint(r) ? Long.toString((long) r) : Double.toString(r);
    }

    /**
     * A priority's limits as Envoy's resource manager reports them (its max()): the thresholds
     * under the runtime's circuit_breakers.* overrides, a retry budget's current allowance.
     */
    static CircuitBreakerStats.Source limits(Cluster c, boolean high) {
        if (c.limits() != null) {
            return c.limits().priority(high);
        }
        return new ResourceLimits(CircuitBreakers.DEFAULT).priority(high);
    }

    /** fmt's {:g}: six significant digits, trailing zeros dropped, as Envoy prints outlier averages. */
    static String g(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return Long.toString((long) v);
        }
        java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(6)).stripTrailingZeros();
        return d.toPlainString();
    }

    static String address(SocketAddress a) {
        return AdminEndpoints.address(a);
    }
}

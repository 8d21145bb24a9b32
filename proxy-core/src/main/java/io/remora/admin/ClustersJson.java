package io.remora.admin;

import io.netty.channel.unix.DomainSocketAddress;
import io.remora.config.Address;
import io.remora.config.ClusterLoadAssignment.Locality;
import io.remora.stats.CircuitBreakerStats;
import io.remora.upstream.Cluster;
import io.remora.upstream.HealthFlag;
import io.remora.upstream.Host;
import io.remora.upstream.HostStats;
import io.remora.upstream.outlier.OutlierDetector;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /clusters?format=json}: Envoy's {@code envoy.admin.v3.Clusters} as protobuf's JSON prints
 * it, so fields at their proto3 default (false, 0, "", the first enum value, empty lists) are left
 * out and fields come in field-number order.
 */
final class ClustersJson {
    private static final CircuitBreakerStats.Resource CONNECTIONS = CircuitBreakerStats.Resource.CONNECTIONS;
    private static final CircuitBreakerStats.Resource PENDING = CircuitBreakerStats.Resource.PENDING_REQUESTS;
    private static final CircuitBreakerStats.Resource REQUESTS = CircuitBreakerStats.Resource.REQUESTS;
    private static final CircuitBreakerStats.Resource RETRIES = CircuitBreakerStats.Resource.RETRIES;

    private ClustersJson() {
    }

    static String write(AdminContext ctx, List<Cluster> clusters) {
        List<Object> statuses = new ArrayList<>();
        for (Cluster c : clusters) {
            statuses.add(cluster(ctx, c));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        putList(out, "cluster_statuses", statuses);
        return Json.write(out);
    }

    private static Map<String, Object> cluster(AdminContext ctx, Cluster c) {
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("name", c.name());
        if (ctx.addedViaApi(c.name())) {
            cm.put("added_via_api", true);
        }
        OutlierDetector od = c.outlierDetector();
        // Envoy sets the thresholds only once an interval computed them (above 0).
        if (od != null && od.successRateEjectionThreshold(false) > 0) {
            cm.put("success_rate_ejection_threshold", percent(od.successRateEjectionThreshold(false)));
        }
        List<Object> hosts = new ArrayList<>();
        for (Host h : c.hosts()) {
            hosts.add(host(h));
        }
        putList(cm, "host_statuses", hosts);
        if (od != null && od.successRateEjectionThreshold(true) > 0) {
            cm.put("local_origin_success_rate_ejection_threshold", percent(od.successRateEjectionThreshold(true)));
        }
        cm.put("circuit_breakers", Map.of("thresholds", List.of(
                thresholds(ClustersEndpoint.limits(c, false), null),
                thresholds(ClustersEndpoint.limits(c, true), "HIGH"))));
        putString(cm, "observability_name", ClustersEndpoint.observabilityName(c));
        putString(cm, "eds_service_name", ClustersEndpoint.edsServiceName(c));
        return cm;
    }

    private static Map<String, Object> host(Host h) {
        Map<String, Object> hm = new LinkedHashMap<>();
        Object address = address(h);
        if (address != null) {
            hm.put("address", address);
        }
        hm.put("stats", stats(h));
        hm.put("health_status", health(h));
        if (h.outlier().successRate() >= 0) {
            hm.put("success_rate", percent(h.outlier().successRate()));
        }
        if (h.weight() != 0) {
            hm.put("weight", h.weight());
        }
        putString(hm, "hostname", h.hostname());
        if (h.priority() != 0) {
            hm.put("priority", h.priority());
        }
        if (h.outlier().localOriginSuccessRate() >= 0) {
            hm.put("local_origin_success_rate", percent(h.outlier().localOriginSuccessRate()));
        }
        Locality l = h.locality() == null ? Locality.NONE : h.locality();
        Map<String, Object> loc = new LinkedHashMap<>();
        putString(loc, "region", l.region());
        putString(loc, "zone", l.zone());
        putString(loc, "sub_zone", l.subZone());
        hm.put("locality", loc);
        return hm;
    }

    /** Envoy's host counters in their declaration order, then its gauges (SimpleMetric: COUNTER is the default type). */
    private static List<Object> stats(Host h) {
        HostStats s = h.stats;
        List<Object> out = new ArrayList<>();
        out.add(metric(null, s.cxConnectFail.sum(), "cx_connect_fail"));
        out.add(metric(null, s.cxTotal.sum(), "cx_total"));
        out.add(metric(null, s.rqError.sum(), "rq_error"));
        out.add(metric(null, s.rqSuccess.sum(), "rq_success"));
        out.add(metric(null, s.rqTimeout.sum(), "rq_timeout"));
        out.add(metric(null, s.rqTotal.sum(), "rq_total"));
        out.add(metric("GAUGE", h.activeConnections.get(), "cx_active"));
        out.add(metric("GAUGE", h.activeRequests.get(), "rq_active"));
        return out;
    }

    private static Map<String, Object> metric(String type, long value, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (type != null) {
            m.put("type", type);
        }
        if (value != 0) {
            m.put("value", Long.toString(value));
        }
        m.put("name", name);
        return m;
    }

    /**
     * Envoy's setHealthFlag per flag: the booleans that are set, and the EDS status the flags
     * give (HEALTHY when none, DRAINING over the others).
     */
    private static Map<String, Object> health(Host h) {
        Map<String, Object> m = new LinkedHashMap<>();
        putFlag(m, "failed_active_health_check", h, HealthFlag.FAILED_ACTIVE_HC);
        putFlag(m, "failed_outlier_check", h, HealthFlag.FAILED_OUTLIER_CHECK);
        String eds = has(h, HealthFlag.EDS_STATUS_DRAINING) ? "DRAINING"
                : has(h, HealthFlag.FAILED_EDS_HEALTH) ? "UNHEALTHY"
                : has(h, HealthFlag.DEGRADED_EDS_HEALTH) ? "DEGRADED" : "HEALTHY";
        m.put("eds_health_status", eds);
        putFlag(m, "failed_active_degraded_check", h, HealthFlag.DEGRADED_ACTIVE_HC);
        putFlag(m, "pending_dynamic_removal", h, HealthFlag.PENDING_DYNAMIC_REMOVAL);
        putFlag(m, "pending_active_hc", h, HealthFlag.PENDING_ACTIVE_HC);
        putFlag(m, "excluded_via_immediate_hc_fail", h, HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL);
        putFlag(m, "active_hc_timeout", h, HealthFlag.ACTIVE_HC_TIMEOUT);
        return m;
    }

    private static void putFlag(Map<String, Object> m, String name, Host h, HealthFlag f) {
        if (has(h, f)) {
            m.put(name, true);
        }
    }

    private static boolean has(Host h, HealthFlag f) {
        return (h.healthFlags() & f.bit) != 0;
    }

    /** A CircuitBreakers.Thresholds: DEFAULT is the enum's zero, so only HIGH names its priority. */
    private static Map<String, Object> thresholds(CircuitBreakerStats.Source t, String priority) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (priority != null) {
            m.put("priority", priority);
        }
        m.put("max_connections", t.max(CONNECTIONS));
        m.put("max_pending_requests", t.max(PENDING));
        m.put("max_requests", t.max(REQUESTS));
        m.put("max_retries", t.max(RETRIES));
        return m;
    }

    private static Map<String, Object> percent(double v) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (v != 0) {
            m.put("value", v);
        }
        return m;
    }

    private static Object address(Host h) {
        if (h.configuredAddress() instanceof Address.Internal i) {
            Map<String, Object> m = new LinkedHashMap<>();
            putString(m, "server_listener_name", i.serverListenerName());
            putString(m, "endpoint_id", i.endpointId());
            return Map.of("envoy_internal_address", m);
        }
        SocketAddress a = h.address();
        if (a instanceof InetSocketAddress in) {
            String host = in.getAddress() != null ? in.getAddress().getHostAddress() : in.getHostString();
            Map<String, Object> sa = new LinkedHashMap<>();
            putString(sa, "address", host);
            if (in.getPort() != 0) {
                sa.put("port_value", in.getPort());
            }
            return Map.of("socket_address", sa);
        }
        if (a instanceof DomainSocketAddress d) {
            return Map.of("pipe", Map.of("path", d.path()));
        }
        return a == null ? null : Map.of("pipe", Map.of("path", String.valueOf(a)));
    }

    private static void putString(Map<String, Object> m, String name, String v) {
        if (v != null && !v.isEmpty()) {
            m.put(name, v);
        }
    }

    private static void putList(Map<String, Object> m, String name, List<Object> v) {
        if (!v.isEmpty()) {
            m.put(name, v);
        }
    }
}

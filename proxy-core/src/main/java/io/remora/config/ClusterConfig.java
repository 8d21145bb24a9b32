package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code config.cluster.v3.Cluster}.
 *
 * @param loadAssignment    endpoints for STATIC/STRICT_DNS/LOGICAL_DNS, or EDS's last delivered
 *                          assignment; null for an EDS cluster still waiting for endpoints
 * @param edsServiceName    EDS resource name (defaults to the cluster name); null when not EDS
 * @param protocol          how requests go upstream (http_protocol_options / explicit_http_config /
 *                          use_downstream_protocol_config)
 * @param upstreamIdleTimeout idle timeout of pooled upstream connections (default 1 h)
 * @param maxRequestsPerConnection 0 = unlimited
 * @param transportSocket   upstream TLS, or null for plaintext
 * @param outlierDetection  null when the cluster has no {@code outlier_detection}
 * @param healthChecks      active health checkers (empty: none)
 * @param loadBalancing     common_lb_config and the policy-specific LB configs
 * @param upstreamBind      {@code upstream_bind_config}, or null: the kernel picks the source
 */
public record ClusterConfig(
        String name,
        String altStatName,
        DiscoveryType type,
        LbPolicy lbPolicy,
        Duration connectTimeout,
        ClusterLoadAssignment loadAssignment,
        String edsServiceName,
        UpstreamProtocol protocol,
        Http2Options http2Options,
        Duration dnsRefreshRate,
        DnsLookupFamily dnsLookupFamily,
        CircuitBreakers circuitBreakers,
        Duration upstreamIdleTimeout,
        int maxRequestsPerConnection,
        int leastRequestChoiceCount,
        OutlierDetectionConfig outlierDetection,
        TransportSocketConfig transportSocket,
        int perConnectionBufferLimitBytes,
        List<HealthCheckConfig> healthChecks,
        LoadBalancingConfig loadBalancing,
        BindConfig upstreamBind) {

    public ClusterConfig {
        healthChecks = healthChecks == null ? List.of() : List.copyOf(healthChecks);
        loadBalancing = loadBalancing == null ? LoadBalancingConfig.DEFAULT : loadBalancing;
    }

    /** Without health checks, upstream_bind_config, and with default load balancing settings. */
    public ClusterConfig(String name, String altStatName, DiscoveryType type, LbPolicy lbPolicy, Duration connectTimeout,
                         ClusterLoadAssignment loadAssignment, String edsServiceName, UpstreamProtocol protocol,
                         Http2Options http2Options, Duration dnsRefreshRate, DnsLookupFamily dnsLookupFamily,
                         CircuitBreakers circuitBreakers, Duration upstreamIdleTimeout, int maxRequestsPerConnection,
                         int leastRequestChoiceCount, OutlierDetectionConfig outlierDetection,
                         TransportSocketConfig transportSocket, int perConnectionBufferLimitBytes) {
        this(name, altStatName, type, lbPolicy, connectTimeout, loadAssignment, edsServiceName, protocol, http2Options,
                dnsRefreshRate, dnsLookupFamily, circuitBreakers, upstreamIdleTimeout, maxRequestsPerConnection,
                leastRequestChoiceCount, outlierDetection, transportSocket, perConnectionBufferLimitBytes, List.of(),
                LoadBalancingConfig.DEFAULT, null);
    }

    /** The same cluster with other endpoints (EDS delivered them). */
    public ClusterConfig withLoadAssignment(ClusterLoadAssignment a) {
        return new ClusterConfig(name, altStatName, type, lbPolicy, connectTimeout, a, edsServiceName, protocol,
                http2Options, dnsRefreshRate, dnsLookupFamily, circuitBreakers, upstreamIdleTimeout,
                maxRequestsPerConnection, leastRequestChoiceCount, outlierDetection, transportSocket,
                perConnectionBufferLimitBytes, healthChecks, loadBalancing, upstreamBind);
    }

    /** The same cluster with other health checks, outlier detection and balancing settings. */
    public ClusterConfig withResilience(OutlierDetectionConfig od, List<HealthCheckConfig> hcs, LoadBalancingConfig lb) {
        return new ClusterConfig(name, altStatName, type, lbPolicy, connectTimeout, loadAssignment, edsServiceName,
                protocol, http2Options, dnsRefreshRate, dnsLookupFamily, circuitBreakers, upstreamIdleTimeout,
                maxRequestsPerConnection, leastRequestChoiceCount, od, transportSocket, perConnectionBufferLimitBytes,
                hcs, lb, upstreamBind);
    }

    public enum DiscoveryType { STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST }

    public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV, CLUSTER_PROVIDED }

    public enum UpstreamProtocol { HTTP1, HTTP2, USE_DOWNSTREAM }

    public enum DnsLookupFamily { AUTO, V4_ONLY, V6_ONLY, V4_PREFERRED, ALL }

    /** The default-priority thresholds of {@code circuit_breakers} (Envoy defaults 1024/1024/1024/3). */
    public record CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
        public static final CircuitBreakers DEFAULT = new CircuitBreakers(1024, 1024, 1024, 3);
    }
}

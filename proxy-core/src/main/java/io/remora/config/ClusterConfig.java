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
 * @param transportSocketMatches {@code transport_socket_matches}: per-endpoint transport sockets chosen
 *                          by endpoint metadata, before falling back to {@code transportSocket}
 * @param originalDstLb     {@code original_dst_lb_config} of an ORIGINAL_DST cluster, or null
 * @param tcpKeepalive      {@code upstream_connection_options.tcp_keepalive}, or null: no keepalive
 * @param maxConnectionDuration {@code common_http_protocol_options.max_connection_duration}: a pooled
 *                          connection this old takes no new requests and closes once idle; null: none
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
        BindConfig upstreamBind,
        List<TransportSocketMatch> transportSocketMatches,
        OriginalDstLb originalDstLb,
        TcpKeepalive tcpKeepalive,
        Duration maxConnectionDuration) {

    /**
     * {@code original_dst_lb_config}.
     *
     * @param httpHeaderName       the request header naming the destination (use_http_header;
     *                             default {@code x-envoy-original-dst-host}), or null when unused
     * @param upstreamPortOverride the port to connect to instead of the destination's, 0 for none
     */
    public record OriginalDstLb(String httpHeaderName, int upstreamPortOverride) {
    }

    public ClusterConfig {
        healthChecks = healthChecks == null ? List.of() : List.copyOf(healthChecks);
        loadBalancing = loadBalancing == null ? LoadBalancingConfig.DEFAULT : loadBalancing;
        transportSocketMatches = transportSocketMatches == null ? List.of() : List.copyOf(transportSocketMatches);
    }

    /** Without max_connection_duration. */
    public ClusterConfig(String name, String altStatName, DiscoveryType type, LbPolicy lbPolicy, Duration connectTimeout,
                         ClusterLoadAssignment loadAssignment, String edsServiceName, UpstreamProtocol protocol,
                         Http2Options http2Options, Duration dnsRefreshRate, DnsLookupFamily dnsLookupFamily,
                         CircuitBreakers circuitBreakers, Duration upstreamIdleTimeout, int maxRequestsPerConnection,
                         int leastRequestChoiceCount, OutlierDetectionConfig outlierDetection,
                         TransportSocketConfig transportSocket, int perConnectionBufferLimitBytes,
                         List<HealthCheckConfig> healthChecks, LoadBalancingConfig loadBalancing, BindConfig upstreamBind,
                         List<TransportSocketMatch> transportSocketMatches, OriginalDstLb originalDstLb,
                         TcpKeepalive tcpKeepalive) {
        this(name, altStatName, type, lbPolicy, connectTimeout, loadAssignment, edsServiceName, protocol, http2Options,
                dnsRefreshRate, dnsLookupFamily, circuitBreakers, upstreamIdleTimeout, maxRequestsPerConnection,
                leastRequestChoiceCount, outlierDetection, transportSocket, perConnectionBufferLimitBytes, healthChecks,
                loadBalancing, upstreamBind, transportSocketMatches, originalDstLb, tcpKeepalive, null);
    }

    /** Without transport_socket_matches, original_dst_lb_config and TCP keepalive. */
    public ClusterConfig(String name, String altStatName, DiscoveryType type, LbPolicy lbPolicy, Duration connectTimeout,
                         ClusterLoadAssignment loadAssignment, String edsServiceName, UpstreamProtocol protocol,
                         Http2Options http2Options, Duration dnsRefreshRate, DnsLookupFamily dnsLookupFamily,
                         CircuitBreakers circuitBreakers, Duration upstreamIdleTimeout, int maxRequestsPerConnection,
                         int leastRequestChoiceCount, OutlierDetectionConfig outlierDetection,
                         TransportSocketConfig transportSocket, int perConnectionBufferLimitBytes,
                         List<HealthCheckConfig> healthChecks, LoadBalancingConfig loadBalancing, BindConfig upstreamBind) {
        this(name, altStatName, type, lbPolicy, connectTimeout, loadAssignment, edsServiceName, protocol, http2Options,
                dnsRefreshRate, dnsLookupFamily, circuitBreakers, upstreamIdleTimeout, maxRequestsPerConnection,
                leastRequestChoiceCount, outlierDetection, transportSocket, perConnectionBufferLimitBytes, healthChecks,
                loadBalancing, upstreamBind, List.of(), null, null);
    }

    /**
     * One entry of {@code transport_socket_matches}: used for an endpoint whose
     * {@code envoy.transport_socket_match} metadata holds every key/value of {@code match}.
     *
     * @param transportSocket null for plaintext (raw_buffer)
     */
    public record TransportSocketMatch(String name, java.util.Map<String, Object> match,
                                       TransportSocketConfig transportSocket) {
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
                LoadBalancingConfig.DEFAULT, null, null, null, null);
    }

    /**
     * {@code config.core.v3.TcpKeepalive}: probes, idle time and interval; a null member keeps the
     * system's value (Istio's DestinationRule {@code tcpKeepalive}).
     */
    public record TcpKeepalive(Integer probes, Duration time, Duration interval) {
    }

    /** The same cluster with other endpoints (EDS delivered them). */
    public ClusterConfig withLoadAssignment(ClusterLoadAssignment a) {
        return new ClusterConfig(name, altStatName, type, lbPolicy, connectTimeout, a, edsServiceName, protocol,
                http2Options, dnsRefreshRate, dnsLookupFamily, circuitBreakers, upstreamIdleTimeout,
                maxRequestsPerConnection, leastRequestChoiceCount, outlierDetection, transportSocket,
                perConnectionBufferLimitBytes, healthChecks, loadBalancing, upstreamBind, transportSocketMatches,
                originalDstLb, tcpKeepalive, maxConnectionDuration);
    }

    /** The same cluster with another max_connection_duration (null: none). */
    public ClusterConfig withMaxConnectionDuration(Duration d) {
        return new ClusterConfig(name, altStatName, type, lbPolicy, connectTimeout, loadAssignment, edsServiceName,
                protocol, http2Options, dnsRefreshRate, dnsLookupFamily, circuitBreakers, upstreamIdleTimeout,
                maxRequestsPerConnection, leastRequestChoiceCount, outlierDetection, transportSocket,
                perConnectionBufferLimitBytes, healthChecks, loadBalancing, upstreamBind, transportSocketMatches,
                originalDstLb, tcpKeepalive, d);
    }

    /** The same cluster with other health checks, outlier detection and balancing settings. */
    public ClusterConfig withResilience(OutlierDetectionConfig od, List<HealthCheckConfig> hcs, LoadBalancingConfig lb) {
        return new ClusterConfig(name, altStatName, type, lbPolicy, connectTimeout, loadAssignment, edsServiceName,
                protocol, http2Options, dnsRefreshRate, dnsLookupFamily, circuitBreakers, upstreamIdleTimeout,
                maxRequestsPerConnection, leastRequestChoiceCount, od, transportSocket, perConnectionBufferLimitBytes,
                hcs, lb, upstreamBind, transportSocketMatches, originalDstLb, tcpKeepalive, maxConnectionDuration);
    }

    public enum DiscoveryType { STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST }

    public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV, CLUSTER_PROVIDED }

    /** AUTO: {@code auto_config}, the protocol ALPN negotiates with each host (HTTP/1.1 without TLS). */
    public enum UpstreamProtocol { HTTP1, HTTP2, USE_DOWNSTREAM, AUTO }

    public enum DnsLookupFamily { AUTO, V4_ONLY, V6_ONLY, V4_PREFERRED, ALL }

    /** The default-priority thresholds of {@code circuit_breakers} (Envoy defaults 1024/1024/1024/3). */
    public record CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries,
                                  RetryBudget retryBudget) {
        public static final CircuitBreakers DEFAULT = new CircuitBreakers(1024, 1024, 1024, 3);

        /** Without a retry budget. */
        public CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
            this(maxConnections, maxPendingRequests, maxRequests, maxRetries, null);
        }
    }

    /**
     * {@code retry_budget}: concurrent retries may be at most {@code budgetPercent} of the active
     * plus pending requests, but always at least {@code minRetryConcurrency}; it replaces max_retries.
     */
    public record RetryBudget(double budgetPercent, int minRetryConcurrency) {
    }
}

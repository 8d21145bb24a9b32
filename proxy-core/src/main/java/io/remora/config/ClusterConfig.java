package io.remora.config;

import java.time.Duration;

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
 * @param upstreamBind      {@code upstream_bind_config}, or null: the kernel picks the source
 * @param originalDstLb     {@code original_dst_lb_config} of an ORIGINAL_DST cluster, or null
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
        OutlierDetection outlierDetection,
        TransportSocketConfig transportSocket,
        int perConnectionBufferLimitBytes,
        BindConfig upstreamBind,
        OriginalDstLb originalDstLb) {

    /**
     * {@code original_dst_lb_config}.
     *
     * @param httpHeaderName       the request header naming the destination (use_http_header;
     *                             default {@code x-envoy-original-dst-host}), or null when unused
     * @param upstreamPortOverride the port to connect to instead of the destination's, 0 for none
     */
    public record OriginalDstLb(String httpHeaderName, int upstreamPortOverride) {
    }

    /** A cluster without upstream_bind_config. */
    public ClusterConfig(String name, String altStatName, DiscoveryType type, LbPolicy lbPolicy, Duration connectTimeout,
                         ClusterLoadAssignment loadAssignment, String edsServiceName, UpstreamProtocol protocol,
                         Http2Options http2Options, Duration dnsRefreshRate, DnsLookupFamily dnsLookupFamily,
                         CircuitBreakers circuitBreakers, Duration upstreamIdleTimeout, int maxRequestsPerConnection,
                         int leastRequestChoiceCount, OutlierDetection outlierDetection,
                         TransportSocketConfig transportSocket, int perConnectionBufferLimitBytes) {
        this(name, altStatName, type, lbPolicy, connectTimeout, loadAssignment, edsServiceName, protocol, http2Options,
                dnsRefreshRate, dnsLookupFamily, circuitBreakers, upstreamIdleTimeout, maxRequestsPerConnection,
                leastRequestChoiceCount, outlierDetection, transportSocket, perConnectionBufferLimitBytes, null, null);
    }

    public enum DiscoveryType { STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST }

    public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV, CLUSTER_PROVIDED }

    public enum UpstreamProtocol { HTTP1, HTTP2, USE_DOWNSTREAM }

    public enum DnsLookupFamily { AUTO, V4_ONLY, V6_ONLY, V4_PREFERRED, ALL }

    /** The default-priority thresholds of {@code circuit_breakers} (Envoy defaults 1024/1024/1024/3). */
    public record CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
        public static final CircuitBreakers DEFAULT = new CircuitBreakers(1024, 1024, 1024, 3);
    }

    /** {@code outlier_detection}, the consecutive-5xx part; null on the cluster when unset. */
    public record OutlierDetection(int consecutive5xx, Duration interval, Duration baseEjectionTime,
                                   int maxEjectionPercent) {
    }
}

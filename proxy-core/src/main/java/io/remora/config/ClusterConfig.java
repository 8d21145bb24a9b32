package io.remora.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code config.cluster.v3.Cluster}.
 *
 * @param loadAssignment    endpoints for STATIC/STRICT_DNS/LOGICAL_DNS, or EDS's last delivered
 *                          assignment; null for an EDS cluster still waiting for endpoints
 * @param edsServiceName    EDS {@code service_name} (empty when unset: the cluster's name is asked for); null when not EDS
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
 * @param upstreamFilters   {@code filters}: upstream network filters run on every connection to a host
 * @param metadata          {@code metadata.filter_metadata} by namespace, for {@code %CLUSTER_METADATA%}
 * @param passthroughMetadata the {@code internal_upstream} transport socket's {@code passthrough_metadata}
 * @param subsets    {@code lb_subset_config}, or null: hosts are picked from the whole cluster
 *                          (towards internal listeners), when no transport socket match applies
 * @param http1Options the rest of the HTTP/1.1 options (header case, framing, absolute-form requests)
 * @param http1EnableTrailers {@code http_protocol_options.enable_trailers}: HTTP/1.1 trailers are
 *                          written to and read from this cluster's connections; otherwise dropped
 * @param ignoreHealthOnHostRemoval {@code ignore_health_on_host_removal}: a host service discovery
 *                          drops leaves at once, even while it passes its active health checks
 * @param dnsResolver       how a DNS cluster resolves its names; null: as the bootstrap says (the
 *                          system resolver when it says nothing)
 * @param maxStreamDuration {@code common_http_protocol_options.max_stream_duration}: an upstream
 *                          stream still open this long after it was made is reset; null: none
 * @param dnsJitter         {@code dns_jitter}: a random delay below it added to the next resolution
 *                          after a successful one; null or zero: none
 * @param respectDnsTtl     {@code respect_dns_ttl}: the next resolution comes after the answer's
 *                          smallest TTL instead of {@code dnsRefreshRate} (a TTL of 0 keeps the rate)
 * @param dnsFailureRefresh {@code dns_failure_refresh_rate}: the backoff after a failed resolution;
 *                          null: {@code dnsRefreshRate}
 * @param autoSni           {@code upstream_http_protocol_options}: SNI and SAN check from each
 *                          request's host; null when off
 * @param perUpstreamPreconnectRatio {@code preconnect_policy.per_upstream_preconnect_ratio}: an
 *                          HTTP/1.1 pool keeps (connecting + idle + busy) connections at least this
 *                          many times its requests; 1 (the default): connections opened on demand
 * @param closeConnectionsOnHostHealthFailure {@code close_connections_on_host_health_failure}: a host
 *                          that fails its active health check has its pools drained and its
 *                          {@code tcp_proxy} connections closed
 * @param dnsCache          the DNS cache of a DYNAMIC_FORWARD_PROXY cluster, else null
 * @param upstreamProxyProtocol the {@code upstream_proxy_protocol} wrapper of {@code transport_socket}
 *                          (a PROXY header first on each connection), or null
 * @param aggregateClusters an AGGREGATE cluster's {@code clusters}, in failover order; else empty
 * @param socketTap         the tap transport socket around {@code transport_socket}, or null
 * @param upstreamHttpFilters the {@code HttpProtocolOptions.http_filters} before the closing
 *                          {@code upstream_codec}, run on each try of each request to the cluster;
 *                          null when the cluster lists none (the router's then apply); empty when it
 *                          lists the codec alone (which still overrides the router's)
 * @param extensionProtocolOptions {@code typed_extension_protocol_options} of network filters, by
 *                          filter name, as their extensions translated them (e.g. the thrift proxy's)
 * @param tcpStats          the tcp_stats socket around {@code transport_socket}, or null
 * @param http11Proxy       {@code transport_socket} is wrapped in http_11_proxy: a host whose metadata
 *                          names a proxy is reached through it with an HTTP/1.1 CONNECT
 * @param options           the host set, warming and stats options of {@link ClusterOptions}
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
        Duration maxConnectionDuration,
        List<NetworkFilterConfig> upstreamFilters,
        java.util.Map<String, java.util.Map<String, Object>> metadata,
        List<PassthroughMetadata> passthroughMetadata,
        boolean http1EnableTrailers,
        SubsetConfig subsets,
        boolean ignoreHealthOnHostRemoval,
        DnsResolverConfig dnsResolver,
        boolean respectDnsTtl,
        DnsFailureRefresh dnsFailureRefresh,
        AutoSniConfig autoSni,
        boolean closeConnectionsOnHostHealthFailure,
        Duration dnsJitter,
        Duration maxStreamDuration,
        ResponseHeaderLimits responseHeaderLimits,
        double perUpstreamPreconnectRatio,
        UpstreamProxyProtocolConfig upstreamProxyProtocol,
        DnsCacheConfig dnsCache,
        List<String> aggregateClusters,
        io.remora.network.SocketTap.Config socketTap,
        List<HttpFilterEntry> upstreamHttpFilters,
        java.util.Map<String, Object> extensionProtocolOptions,
        TcpStatsConfig tcpStats,
        boolean http11Proxy,
        Http1Options http1Options,
        ClusterOptions options) {

    /**
     * {@code dns_failure_refresh_rate}: after failures the delay is random below an interval that
     * starts at {@code base} and doubles up to {@code max}; a success starts over.
     */
    public record DnsFailureRefresh(Duration base, Duration max) {
    }

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
        upstreamFilters = upstreamFilters == null ? List.of() : List.copyOf(upstreamFilters);
        metadata = metadata == null ? java.util.Map.of() : java.util.Map.copyOf(metadata);
        passthroughMetadata = passthroughMetadata == null ? List.of() : List.copyOf(passthroughMetadata);
        responseHeaderLimits = responseHeaderLimits == null ? ResponseHeaderLimits.DEFAULT : responseHeaderLimits;
        perUpstreamPreconnectRatio = perUpstreamPreconnectRatio < 1 ? 1 : perUpstreamPreconnectRatio;
        aggregateClusters = aggregateClusters == null ? List.of() : List.copyOf(aggregateClusters);
        upstreamHttpFilters = upstreamHttpFilters == null ? null : List.copyOf(upstreamHttpFilters);
        options = options == null ? ClusterOptions.DEFAULT : options;
    }

    /** A cluster with Envoy's defaults for everything but its name. */
    public static ClusterConfigBuilder builder(String name) {
        return new ClusterConfigBuilder(name);
    }

    public ClusterConfigBuilder toBuilder() {
        return new ClusterConfigBuilder(name).altStatName(altStatName).type(type).lbPolicy(lbPolicy).connectTimeout(connectTimeout)
                .loadAssignment(loadAssignment).edsServiceName(edsServiceName).protocol(protocol)
                .http2Options(http2Options).dnsRefreshRate(dnsRefreshRate).dnsLookupFamily(dnsLookupFamily)
                .circuitBreakers(circuitBreakers).upstreamIdleTimeout(upstreamIdleTimeout)
                .maxRequestsPerConnection(maxRequestsPerConnection).leastRequestChoiceCount(leastRequestChoiceCount)
                .outlierDetection(outlierDetection).transportSocket(transportSocket)
                .perConnectionBufferLimitBytes(perConnectionBufferLimitBytes).healthChecks(healthChecks)
                .loadBalancing(loadBalancing).upstreamBind(upstreamBind).transportSocketMatches(transportSocketMatches)
                .originalDstLb(originalDstLb).tcpKeepalive(tcpKeepalive).maxConnectionDuration(maxConnectionDuration)
                .upstreamFilters(upstreamFilters).metadata(metadata).passthroughMetadata(passthroughMetadata)
                .http1EnableTrailers(http1EnableTrailers).subsets(subsets)
                .ignoreHealthOnHostRemoval(ignoreHealthOnHostRemoval).dnsResolver(dnsResolver)
                .respectDnsTtl(respectDnsTtl).dnsFailureRefresh(dnsFailureRefresh)
                .autoSni(autoSni)
                .closeConnectionsOnHostHealthFailure(closeConnectionsOnHostHealthFailure).dnsJitter(dnsJitter)
                .maxStreamDuration(maxStreamDuration).responseHeaderLimits(responseHeaderLimits)
                .perUpstreamPreconnectRatio(perUpstreamPreconnectRatio)
                .upstreamProxyProtocol(upstreamProxyProtocol).dnsCache(dnsCache)
                .aggregateClusters(aggregateClusters).socketTap(socketTap)
                .upstreamHttpFilters(upstreamHttpFilters).extensionProtocolOptions(extensionProtocolOptions)
                .tcpStats(tcpStats).http11Proxy(http11Proxy).http1Options(http1Options).options(options);
    }

    /**
     * One entry of {@code transport_socket_matches}: used for an endpoint whose
     * {@code envoy.transport_socket_match} metadata holds every key/value of {@code match}.
     *
     * @param transportSocket null for plaintext (raw_buffer)
     * @param passthroughMetadata its {@code internal_upstream} socket's {@code passthrough_metadata}
     * @param upstreamProxyProtocol its {@code upstream_proxy_protocol} wrapper, or null
     */
    public record TransportSocketMatch(String name, java.util.Map<String, Object> match,
                                       TransportSocketConfig transportSocket,
                                       List<PassthroughMetadata> passthroughMetadata,
                                       UpstreamProxyProtocolConfig upstreamProxyProtocol) {
        public TransportSocketMatch {
            passthroughMetadata = passthroughMetadata == null ? List.of() : List.copyOf(passthroughMetadata);
        }

        public TransportSocketMatch(String name, java.util.Map<String, Object> match,
                                    TransportSocketConfig transportSocket,
                                    List<PassthroughMetadata> passthroughMetadata) {
            this(name, match, transportSocket, passthroughMetadata, null);
        }

        public TransportSocketMatch(String name, java.util.Map<String, Object> match,
                                    TransportSocketConfig transportSocket) {
            this(name, match, transportSocket, List.of());
        }

        /** Envoy: every key of the match is in the endpoint's metadata with an equal value (empty matches all). */
        public boolean matches(java.util.Map<String, Object> socketMatchMetadata) {
            for (java.util.Map.Entry<String, Object> e : match.entrySet()) {
                if (!e.getValue().equals(socketMatchMetadata.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The passthrough_metadata of the transport socket a host with this match metadata is reached through. */
    public List<PassthroughMetadata> passthroughMetadataFor(java.util.Map<String, Object> socketMatchMetadata) {
        for (TransportSocketMatch m : transportSocketMatches) {
            if (m.matches(socketMatchMetadata)) {
                return m.passthroughMetadata();
            }
        }
        return passthroughMetadata;
    }

    /** Whether any of the cluster's transport sockets sends PROXY protocol headers. */
    public boolean usesProxyProtocol() {
        if (upstreamProxyProtocol != null) {
            return true;
        }
        for (TransportSocketMatch m : transportSocketMatches) {
            if (m.upstreamProxyProtocol() != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code config.core.v3.TcpKeepalive}: probes, idle time and interval; a null member keeps the
     * system's value (Istio's DestinationRule {@code tcpKeepalive}).
     */
    public record TcpKeepalive(Integer probes, Duration time, Duration interval) {
    }

    /** The same cluster with other endpoints (EDS delivered them). */
    public ClusterConfig withLoadAssignment(ClusterLoadAssignment a) {
        return toBuilder().loadAssignment(a).build();
    }

    /** The same cluster with another max_connection_duration (null: none). */
    public ClusterConfig withMaxConnectionDuration(Duration d) {
        return toBuilder().maxConnectionDuration(d).build();
    }

    /** The same cluster with other health checks, outlier detection and balancing settings. */
    public ClusterConfig withResilience(OutlierDetectionConfig od, List<HealthCheckConfig> hcs, LoadBalancingConfig lb) {
        return toBuilder().outlierDetection(od).healthChecks(hcs).loadBalancing(lb).build();
    }

    public enum DiscoveryType {
        STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST,
        /** {@code cluster_type envoy.clusters.dynamic_forward_proxy}: hosts by the request's host, from a DNS cache. */
        DYNAMIC_FORWARD_PROXY,
        /** {@code cluster_type envoy.clusters.aggregate}: no hosts of its own; its clusters' levels, in order. */
        AGGREGATE
    }

    /**
     * PICK_FIRST: the typed {@code pick_first} policy, every pick the first host of the level in
     * the endpoints' order (client-side weighted round robin is ROUND_ROBIN with
     * {@link LoadBalancingConfig#clientSideWeights()}).
     */
    public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV, CLUSTER_PROVIDED, PICK_FIRST }

    /** AUTO: {@code auto_config}, the protocol ALPN negotiates with each host (HTTP/1.1 without TLS). */
    public enum UpstreamProtocol { HTTP1, HTTP2, USE_DOWNSTREAM, AUTO }

    public enum DnsLookupFamily { AUTO, V4_ONLY, V6_ONLY, V4_PREFERRED, ALL }

    /**
     * One priority's thresholds of {@code circuit_breakers} (Envoy defaults 1024/1024/1024/3, no
     * limit on connection pools).
     *
     * @param maxConnectionPools {@code max_connection_pools}: pools the cluster may hold at once,
     *                           over every host, protocol and worker
     * @param trackRemaining     {@code track_remaining}: publish the {@code remaining_*} gauges
     */
    public record CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries,
                                  RetryBudget retryBudget, int maxConnectionPools, boolean trackRemaining) {
        public static final CircuitBreakers DEFAULT = new CircuitBreakers(1024, 1024, 1024, 3);

        /** Without a retry budget. */
        public CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
            this(maxConnections, maxPendingRequests, maxRequests, maxRetries, null);
        }

        /** Without a pool limit or the remaining gauges. */
        public CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries,
                               RetryBudget retryBudget) {
            this(maxConnections, maxPendingRequests, maxRequests, maxRetries, retryBudget, Integer.MAX_VALUE, false);
        }
    }

    /**
     * {@code retry_budget}: concurrent retries may be at most {@code budgetPercent} of the active
     * plus pending requests, but always at least {@code minRetryConcurrency}; it replaces max_retries.
     */
    public record RetryBudget(double budgetPercent, int minRetryConcurrency) {
    }
}

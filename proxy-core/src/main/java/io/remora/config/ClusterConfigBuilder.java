package io.remora.config;

import io.remora.config.ClusterConfig.CircuitBreakers;
import io.remora.config.ClusterConfig.DiscoveryType;
import io.remora.config.ClusterConfig.DnsFailureRefresh;
import io.remora.config.ClusterConfig.DnsLookupFamily;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterConfig.OriginalDstLb;
import io.remora.config.ClusterConfig.TcpKeepalive;
import io.remora.config.ClusterConfig.TransportSocketMatch;
import io.remora.config.ClusterConfig.UpstreamProtocol;

import java.time.Duration;
import java.util.List;

/**
 * Builds a {@link ClusterConfig}; unset members keep Envoy's defaults (STATIC, round robin,
 * 5 s connect timeout, HTTP/1.1, 1 h idle timeout, 1 MiB buffer limit, default circuit breakers).
 */
public final class ClusterConfigBuilder {
    private final String name;
    private String altStatName = null;
    private DiscoveryType type = DiscoveryType.STATIC;
    private LbPolicy lbPolicy = LbPolicy.ROUND_ROBIN;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private ClusterLoadAssignment loadAssignment = null;
    private String edsServiceName = null;
    private UpstreamProtocol protocol = UpstreamProtocol.HTTP1;
    private Http2Options http2Options = Http2Options.DEFAULT;
    private Duration dnsRefreshRate = Duration.ofSeconds(5);
    private DnsLookupFamily dnsLookupFamily = DnsLookupFamily.AUTO;
    private CircuitBreakers circuitBreakers = CircuitBreakers.DEFAULT;
    private Duration upstreamIdleTimeout = Duration.ofHours(1);
    private int maxRequestsPerConnection = 0;
    private int leastRequestChoiceCount = 2;
    private OutlierDetectionConfig outlierDetection = null;
    private TransportSocketConfig transportSocket = null;
    private int perConnectionBufferLimitBytes = io.remora.network.ConnectionInfo.DEFAULT_BUFFER_LIMIT;
    private List<HealthCheckConfig> healthChecks = List.of();
    private LoadBalancingConfig loadBalancing = LoadBalancingConfig.DEFAULT;
    private BindConfig upstreamBind = null;
    private List<TransportSocketMatch> transportSocketMatches = List.of();
    private OriginalDstLb originalDstLb = null;
    private TcpKeepalive tcpKeepalive = null;
    private Duration maxConnectionDuration = null;
    private List<NetworkFilterConfig> upstreamFilters = List.of();
    private java.util.Map<String, java.util.Map<String, Object>> metadata = java.util.Map.of();
    private List<PassthroughMetadata> passthroughMetadata = List.of();
    private boolean http1EnableTrailers;
    private boolean ignoreHealthOnHostRemoval;
    private AutoSniConfig autoSni;
    private boolean closeConnectionsOnHostHealthFailure;

    ClusterConfigBuilder(String name) {
        this.name = name;
    }

    public ClusterConfigBuilder altStatName(String altStatName) {
        this.altStatName = altStatName;
        return this;
    }

    public ClusterConfigBuilder type(DiscoveryType type) {
        this.type = type;
        return this;
    }

    public ClusterConfigBuilder lbPolicy(LbPolicy lbPolicy) {
        this.lbPolicy = lbPolicy;
        return this;
    }

    public ClusterConfigBuilder connectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
        return this;
    }

    public ClusterConfigBuilder loadAssignment(ClusterLoadAssignment loadAssignment) {
        this.loadAssignment = loadAssignment;
        return this;
    }

    public ClusterConfigBuilder edsServiceName(String edsServiceName) {
        this.edsServiceName = edsServiceName;
        return this;
    }

    public ClusterConfigBuilder protocol(UpstreamProtocol protocol) {
        this.protocol = protocol;
        return this;
    }

    public ClusterConfigBuilder http2Options(Http2Options http2Options) {
        this.http2Options = http2Options;
        return this;
    }

    public ClusterConfigBuilder dnsRefreshRate(Duration dnsRefreshRate) {
        this.dnsRefreshRate = dnsRefreshRate;
        return this;
    }

    public ClusterConfigBuilder dnsLookupFamily(DnsLookupFamily dnsLookupFamily) {
        this.dnsLookupFamily = dnsLookupFamily;
        return this;
    }

    public ClusterConfigBuilder circuitBreakers(CircuitBreakers circuitBreakers) {
        this.circuitBreakers = circuitBreakers;
        return this;
    }

    public ClusterConfigBuilder upstreamIdleTimeout(Duration upstreamIdleTimeout) {
        this.upstreamIdleTimeout = upstreamIdleTimeout;
        return this;
    }

    public ClusterConfigBuilder maxRequestsPerConnection(int maxRequestsPerConnection) {
        this.maxRequestsPerConnection = maxRequestsPerConnection;
        return this;
    }

    public ClusterConfigBuilder leastRequestChoiceCount(int leastRequestChoiceCount) {
        this.leastRequestChoiceCount = leastRequestChoiceCount;
        return this;
    }

    public ClusterConfigBuilder outlierDetection(OutlierDetectionConfig outlierDetection) {
        this.outlierDetection = outlierDetection;
        return this;
    }

    public ClusterConfigBuilder transportSocket(TransportSocketConfig transportSocket) {
        this.transportSocket = transportSocket;
        return this;
    }

    public ClusterConfigBuilder perConnectionBufferLimitBytes(int perConnectionBufferLimitBytes) {
        this.perConnectionBufferLimitBytes = perConnectionBufferLimitBytes;
        return this;
    }

    public ClusterConfigBuilder healthChecks(List<HealthCheckConfig> healthChecks) {
        this.healthChecks = healthChecks;
        return this;
    }

    public ClusterConfigBuilder loadBalancing(LoadBalancingConfig loadBalancing) {
        this.loadBalancing = loadBalancing;
        return this;
    }

    public ClusterConfigBuilder upstreamBind(BindConfig upstreamBind) {
        this.upstreamBind = upstreamBind;
        return this;
    }

    public ClusterConfigBuilder transportSocketMatches(List<TransportSocketMatch> transportSocketMatches) {
        this.transportSocketMatches = transportSocketMatches;
        return this;
    }

    public ClusterConfigBuilder originalDstLb(OriginalDstLb originalDstLb) {
        this.originalDstLb = originalDstLb;
        return this;
    }

    public ClusterConfigBuilder tcpKeepalive(TcpKeepalive tcpKeepalive) {
        this.tcpKeepalive = tcpKeepalive;
        return this;
    }

    public ClusterConfigBuilder maxConnectionDuration(Duration maxConnectionDuration) {
        this.maxConnectionDuration = maxConnectionDuration;
        return this;
    }

    public ClusterConfigBuilder upstreamFilters(List<NetworkFilterConfig> upstreamFilters) {
        this.upstreamFilters = upstreamFilters;
        return this;
    }

    private SubsetConfig subsets;
    private ResponseHeaderLimits responseHeaderLimits = ResponseHeaderLimits.DEFAULT;
    private UpstreamProxyProtocolConfig upstreamProxyProtocol;

    public ClusterConfigBuilder upstreamProxyProtocol(UpstreamProxyProtocolConfig v) {
        this.upstreamProxyProtocol = v;
        return this;
    }

    public ClusterConfigBuilder responseHeaderLimits(ResponseHeaderLimits v) {
        this.responseHeaderLimits = v;
        return this;
    }

    public ClusterConfigBuilder subsets(SubsetConfig subsets) {
        this.subsets = subsets;
        return this;
    }

    public ClusterConfig build() {
        return new ClusterConfig(name, altStatName, type, lbPolicy, connectTimeout, loadAssignment, edsServiceName, protocol, http2Options, dnsRefreshRate, dnsLookupFamily, circuitBreakers, upstreamIdleTimeout, maxRequestsPerConnection, leastRequestChoiceCount, outlierDetection, transportSocket, perConnectionBufferLimitBytes, healthChecks, loadBalancing, upstreamBind, transportSocketMatches, originalDstLb, tcpKeepalive, maxConnectionDuration, upstreamFilters, metadata,
                passthroughMetadata, http1EnableTrailers, subsets, ignoreHealthOnHostRemoval, dnsResolver, respectDnsTtl,
                dnsFailureRefresh, autoSni, closeConnectionsOnHostHealthFailure, dnsJitter,
                maxStreamDuration, responseHeaderLimits, perUpstreamPreconnectRatio, upstreamProxyProtocol, dnsCache,
                aggregateClusters, socketTap, upstreamHttpFilters, extensionProtocolOptions, tcpStats,
                http11Proxy, http1Options, options);
    }

    private ClusterOptions options = ClusterOptions.DEFAULT;

    public ClusterConfigBuilder options(ClusterOptions v) {
        this.options = v;
        return this;
    }

    private TcpStatsConfig tcpStats;
    private boolean http11Proxy;
    private Http1Options http1Options = Http1Options.DEFAULT;

    public ClusterConfigBuilder http1Options(Http1Options v) {
        this.http1Options = v == null ? Http1Options.DEFAULT : v;
        return this;
    }

    public ClusterConfigBuilder tcpStats(TcpStatsConfig v) {
        this.tcpStats = v;
        return this;
    }

    public ClusterConfigBuilder http11Proxy(boolean v) {
        this.http11Proxy = v;
        return this;
    }

    private java.util.Map<String, Object> extensionProtocolOptions = java.util.Map.of();

    public ClusterConfigBuilder extensionProtocolOptions(java.util.Map<String, Object> v) {
        this.extensionProtocolOptions = java.util.Map.copyOf(v);
        return this;
    }

    private io.remora.network.SocketTap.Config socketTap;
    private List<HttpFilterEntry> upstreamHttpFilters;

    /** {@code http_filters} of the typed HTTP protocol options, without the codec; null: none listed. */
    public ClusterConfigBuilder upstreamHttpFilters(List<HttpFilterEntry> v) {
        this.upstreamHttpFilters = v;
        return this;
    }

    public ClusterConfigBuilder socketTap(io.remora.network.SocketTap.Config v) {
        this.socketTap = v;
        return this;
    }

    private List<String> aggregateClusters = List.of();

    /** An AGGREGATE cluster's clusters, in failover order. */
    public ClusterConfigBuilder aggregateClusters(List<String> v) {
        this.aggregateClusters = v;
        return this;
    }

    private double perUpstreamPreconnectRatio = 1;
    private DnsCacheConfig dnsCache;

    /** The DNS cache of a DYNAMIC_FORWARD_PROXY cluster. */
    public ClusterConfigBuilder dnsCache(DnsCacheConfig v) {
        this.dnsCache = v;
        return this;
    }

    public ClusterConfigBuilder perUpstreamPreconnectRatio(double v) {
        this.perUpstreamPreconnectRatio = v;
        return this;
    }

    private DnsResolverConfig dnsResolver;
    private boolean respectDnsTtl;
    private DnsFailureRefresh dnsFailureRefresh;

    public ClusterConfigBuilder dnsResolver(DnsResolverConfig v) {
        this.dnsResolver = v;
        return this;
    }

    private Duration dnsJitter;
    private Duration maxStreamDuration;

    public ClusterConfigBuilder maxStreamDuration(Duration v) {
        this.maxStreamDuration = v;
        return this;
    }

    public ClusterConfigBuilder dnsJitter(Duration v) {
        this.dnsJitter = v;
        return this;
    }

    public ClusterConfigBuilder respectDnsTtl(boolean v) {
        this.respectDnsTtl = v;
        return this;
    }

    public ClusterConfigBuilder dnsFailureRefresh(DnsFailureRefresh v) {
        this.dnsFailureRefresh = v;
        return this;
    }

    public ClusterConfigBuilder closeConnectionsOnHostHealthFailure(boolean v) {
        this.closeConnectionsOnHostHealthFailure = v;
        return this;
    }

    public ClusterConfigBuilder autoSni(AutoSniConfig autoSni) {
        this.autoSni = autoSni;
        return this;
    }

    public ClusterConfigBuilder ignoreHealthOnHostRemoval(boolean v) {
        this.ignoreHealthOnHostRemoval = v;
        return this;
    }

    public ClusterConfigBuilder metadata(java.util.Map<String, java.util.Map<String, Object>> metadata) {
        this.metadata = metadata;
        return this;
    }

    public ClusterConfigBuilder passthroughMetadata(List<PassthroughMetadata> passthroughMetadata) {
        this.passthroughMetadata = passthroughMetadata;
        return this;
    }

    public ClusterConfigBuilder http1EnableTrailers(boolean http1EnableTrailers) {
        this.http1EnableTrailers = http1EnableTrailers;
        return this;
    }
}

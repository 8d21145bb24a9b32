package io.remora.upstream;

import io.remora.config.Address;
import io.remora.config.ClusterLoadAssignment.HealthStatus;
import io.remora.config.ClusterLoadAssignment.Locality;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream endpoint of a cluster. Shared by all workers; the counters are atomics because
 * LEAST_REQUEST and circuit breaking read them across workers, as Envoy's host stats are.
 * Identity is by object: a host that survives an endpoint update keeps its object, so pooled
 * connections to it survive too.
 */
public final class Host {
    private final Address configured;
    /** Changes only for a LOGICAL_DNS cluster's host, Envoy's logical host (see {@link #address(SocketAddress)}). */
    private volatile SocketAddress address;
    private final String hostname;
    /** Service discovery may move a kept host to another locality. */
    private volatile Locality locality;
    private final java.util.Map<String, Object> socketMatchMetadata;
    private volatile int weight;
    /** The endpoint's priority in its cluster (EDS may move a host between priorities). */
    private volatile int priority;
    /** The endpoint's {@code envoy.lb} metadata: {@code canary}, labels retry predicates match. */
    private volatile java.util.Map<String, Object> lbMetadata = java.util.Map.of();
    /** The endpoint's other filter metadata by namespace (Istio's {@code istio.workload}). */
    private volatile java.util.Map<String, java.util.Map<String, Object>> filterMetadata = java.util.Map.of();
    private volatile java.util.List<io.remora.config.ProxyProtocolTlv> proxyProtocolTlvs = java.util.List.of();
    private volatile java.net.InetSocketAddress http11ProxyAddress;
    /**
     * Every address the host may be reached at, {@link #address()} first, when it has more than one
     * (additional_addresses, a LOGICAL_DNS answer); empty otherwise. Only connections race over
     * them: the host's identity, stats and health checks stay with {@link #address()}, as Envoy's.
     */
    private volatile java.util.List<SocketAddress> addresses = java.util.List.of();
    /** The endpoint's health_check_config; null when it has none. */
    private volatile io.remora.config.ClusterLoadAssignment.EndpointHealthCheck healthCheck;
    /** What ALPN chose with this host (auto_config), once a connection learned it; null before. */
    private volatile String negotiatedAlpn;
    private volatile HealthStatus health;
    /** {@link HealthFlag} bits; set by EDS, active health checks and outlier detection. */
    private final AtomicInteger healthFlags = new AtomicInteger();
    private volatile OutlierMonitor outlier = OutlierMonitor.NONE;
    /** Its ORCA weight under client-side weighted round robin; null under every other policy. */
    private volatile io.remora.upstream.orca.ClientSideWeight clientSideWeight;
    /** ORCA metrics for load reports (lrs_report_endpoint_metrics); made on the first report. */
    private volatile io.remora.upstream.orca.LoadMetricStats loadMetricStats;
    /** When this host object was created (a new endpoint), for slow start. */
    private final long createdNanos = System.nanoTime();
    /**
     * Envoy's last_hc_pass_time: when an active health check last passed while the host was failing
     * it (so when it came back); its creation until then. Slow start ramps a host from here.
     */
    private volatile long healthyNanos = createdNanos;
    public final AtomicInteger activeRequests = new AtomicInteger();
    public final AtomicInteger activeConnections = new AtomicInteger();
    /**
     * Connections of this host's HTTP pools and tcp_proxy sessions on every worker, opening or open: what the per-host
     * {@code max_connections} circuit breaker counts (Envoy's cx_active counts from the connect).
     */
    public final AtomicInteger poolConnections = new AtomicInteger();
    /** Envoy's per-host counters, for {@code /clusters}. */
    public final HostStats stats = new HostStats();
    /** Told when this host fails its active health check (close_connections_on_host_health_failure). */
    public final HealthFailureWatchers healthFailure = new HealthFailureWatchers();
    /**
     * {@link HostMetadata#of} over this host, made once: every request routed here hands it to its
     * StreamInfo for {@code %UPSTREAM_METADATA%} (a lambda per request otherwise).
     */
    public final java.util.function.Function<String, java.util.Map<String, Object>> metadataByNamespace =
            ns -> HostMetadata.of(this, ns);

    public Host(Address configured, SocketAddress address, String hostname, Locality locality,
                int weight, HealthStatus health) {
        this(configured, address, hostname, locality, weight, health, java.util.Map.of());
    }

    /** @param socketMatchMetadata the endpoint's envoy.transport_socket_match metadata */
    public Host(Address configured, SocketAddress address, String hostname, Locality locality,
                int weight, HealthStatus health, java.util.Map<String, Object> socketMatchMetadata) {
        this.socketMatchMetadata = socketMatchMetadata;
        this.configured = configured;
        this.address = address;
        this.hostname = hostname;
        this.locality = locality;
        this.weight = weight;
        health(health);
    }

    /** The address as configured (may be a DNS name for DNS clusters). */
    public Address configuredAddress() {
        return configured;
    }

    /** The resolved address to connect to. */
    public SocketAddress address() {
        return address;
    }

    /**
     * A LOGICAL_DNS answer moved the host, as Envoy's LogicalHost::setNewAddresses: it stays the
     * same host (stats, health, pools); its open connections stay where they are, new ones and
     * health checks go to the new address.
     */
    void address(SocketAddress moved) {
        address = moved;
    }

    /** Every address to try, the primary first, when there are several; empty when there is one. */
    public java.util.List<SocketAddress> addresses() {
        return addresses;
    }

    void addresses(java.util.List<SocketAddress> list) {
        addresses = list == null || list.size() < 2 ? java.util.List.of() : list;
    }

    /** The endpoint's hostname (for auto_host_rewrite), or the DNS name it came from; may be null. */
    public String hostname() {
        return hostname;
    }

    /** What transport_socket_matches are matched against (Istio's tlsMode). */
    public java.util.Map<String, Object> socketMatchMetadata() {
        return socketMatchMetadata;
    }

    public String negotiatedAlpn() {
        return negotiatedAlpn;
    }

    public void negotiatedAlpn(String protocol) {
        negotiatedAlpn = protocol;
    }

    public int priority() {
        return priority;
    }

    void priority(int p) {
        priority = p;
    }

    public java.util.Map<String, Object> lbMetadata() {
        return lbMetadata;
    }

    void lbMetadata(java.util.Map<String, Object> m) {
        lbMetadata = m == null ? java.util.Map.of() : m;
    }

    /** The endpoint's filter metadata in this namespace (not envoy.lb nor envoy.transport_socket_match); empty if none. */
    /** The namespaces of the endpoint's other filter metadata (not envoy.lb nor envoy.transport_socket_match). */
    public java.util.Set<String> filterMetadataNamespaces() {
        return filterMetadata.keySet();
    }

    public java.util.Map<String, Object> filterMetadata(String namespace) {
        return filterMetadata.getOrDefault(namespace, java.util.Map.of());
    }

    void filterMetadata(java.util.Map<String, java.util.Map<String, Object>> m) {
        filterMetadata = m == null ? java.util.Map.of() : m;
    }

    /**
     * The endpoint's own PROXY protocol TLVs (its {@code envoy.transport_sockets.proxy_protocol}
     * typed metadata), which upstream_proxy_protocol sends ahead of the socket's {@code added_tlvs}.
     */
    public java.util.List<io.remora.config.ProxyProtocolTlv> proxyProtocolTlvs() {
        return proxyProtocolTlvs;
    }

    void proxyProtocolTlvs(java.util.List<io.remora.config.ProxyProtocolTlv> tlvs) {
        proxyProtocolTlvs = tlvs == null ? java.util.List.of() : tlvs;
    }

    /** The HTTP/1.1 proxy an http_11_proxy socket reaches this host through (its metadata's), or null. */
    public java.net.InetSocketAddress http11ProxyAddress() {
        return http11ProxyAddress;
    }

    void healthCheck(io.remora.config.ClusterLoadAssignment.EndpointHealthCheck c) {
        healthCheck = c;
    }

    /**
     * Where active health checks connect: the endpoint's health_check_config address, else its own,
     * on the config's port_value when set (Envoy's health check address).
     */
    public SocketAddress healthCheckAddress() {
        io.remora.config.ClusterLoadAssignment.EndpointHealthCheck c = healthCheck;
        if (c == null) {
            return address;
        }
        SocketAddress base = c.address() != null ? c.address() : address;
        if (c.portValue() != 0 && base instanceof java.net.InetSocketAddress a) {
            return new java.net.InetSocketAddress(a.getAddress(), c.portValue());
        }
        return base;
    }

    /** The health_check_config hostname: HTTP and gRPC checks' host, over the checker's own; null when none. */
    public String healthCheckHostname() {
        io.remora.config.ClusterLoadAssignment.EndpointHealthCheck c = healthCheck;
        return c == null || c.hostname() == null || c.hostname().isEmpty() ? null : c.hostname();
    }

    /** disable_active_health_check: this host is never actively checked. */
    public boolean activeHealthCheckDisabled() {
        io.remora.config.ClusterLoadAssignment.EndpointHealthCheck c = healthCheck;
        return c != null && c.disabled();
    }

    void http11ProxyAddress(java.net.InetSocketAddress a) {
        http11ProxyAddress = a;
    }

    /** Envoy's canary host: {@code envoy.lb} metadata {@code canary: true}. */
    public boolean canary() {
        return Boolean.TRUE.equals(lbMetadata.get("canary"));
    }

    public Locality locality() {
        return locality;
    }

    /** A membership update placed the host in another locality (Envoy's EDS keeps its health). */
    void locality(Locality l) {
        this.locality = l;
    }

    /**
     * Where the router hands this host's responses for their ORCA load reports; null when its
     * cluster's policy does not read them (the response path then parses nothing).
     */
    public io.remora.upstream.orca.ClientSideWeight clientSideWeight() {
        return clientSideWeight;
    }

    /** Where responses add the ORCA metrics load reports sum; made when first asked for. */
    public io.remora.upstream.orca.LoadMetricStats loadMetricStats() {
        io.remora.upstream.orca.LoadMetricStats s = loadMetricStats;
        if (s == null) {
            synchronized (this) {
                s = loadMetricStats;
                if (s == null) {
                    s = new io.remora.upstream.orca.LoadMetricStats();
                    loadMetricStats = s;
                }
            }
        }
        return s;
    }

    void clientSideWeight(io.remora.upstream.orca.ClientSideWeight w) {
        this.clientSideWeight = w;
    }

    public int weight() {
        return weight;
    }

    public void weight(int w) {
        this.weight = w;
    }

    public HealthStatus health() {
        return health;
    }

    /** The EDS health status; sets Envoy's EDS health flags to match. */
    public void health(HealthStatus h) {
        this.health = h;
        int eds = switch (h == null ? HealthStatus.UNKNOWN : h) {
            case UNHEALTHY, TIMEOUT -> HealthFlag.FAILED_EDS_HEALTH.bit;
            case DRAINING -> HealthFlag.EDS_STATUS_DRAINING.bit;
            case DEGRADED -> HealthFlag.DEGRADED_EDS_HEALTH.bit;
            default -> 0;
        };
        int mask = HealthFlag.FAILED_EDS_HEALTH.bit | HealthFlag.EDS_STATUS_DRAINING.bit | HealthFlag.DEGRADED_EDS_HEALTH.bit;
        healthFlags.updateAndGet(f -> (f & ~mask) | eds);
    }

    /**
     * Takes traffic: no failure flag is set (EDS UNHEALTHY/DRAINING/TIMEOUT, failed active health
     * check, outlier ejection). A DEGRADED host is healthy here; see {@link #isDegraded()}.
     */
    public boolean isHealthy() {
        return (healthFlags.get() & HealthFlag.UNHEALTHY) == 0;
    }

    /**
     * Envoy's excluded host (EDS DRAINING, excluded via an immediate health check failure): not
     * picked, and not counted among the level's hosts when its health is computed.
     */
    public boolean isExcluded() {
        return (healthFlags.get() & HealthFlag.EXCLUDED) != 0;
    }

    /** Healthy but degraded (EDS DEGRADED or active HC degraded): used when healthy hosts do not suffice. */
    public boolean isDegraded() {
        int f = healthFlags.get();
        return (f & HealthFlag.UNHEALTHY) == 0 && (f & HealthFlag.DEGRADED) != 0;
    }

    public boolean healthFlagGet(HealthFlag f) {
        return (healthFlags.get() & f.bit) != 0;
    }

    public void healthFlagSet(HealthFlag f) {
        healthFlags.getAndUpdate(v -> v | f.bit);
    }

    public void healthFlagClear(HealthFlag f) {
        healthFlags.getAndUpdate(v -> v & ~f.bit);
    }

    /** All flag bits (see {@link HealthFlag#describe}). */
    public int healthFlags() {
        return healthFlags.get();
    }

    /** Where the router and tcp_proxy report results for outlier detection. */
    public OutlierMonitor outlier() {
        return outlier;
    }

    /** Installed by the cluster's outlier detector; {@link OutlierMonitor#NONE} when it has none. */
    public void outlier(OutlierMonitor m) {
        this.outlier = m == null ? OutlierMonitor.NONE : m;
    }

    /** System.nanoTime() when the host was added. */
    public long createdNanos() {
        return createdNanos;
    }

    /**
     * Since when slow start ramps the host: its last active health check pass while it was failing
     * the checks (a host coming back ramps again, as Envoy's lastHcPassTime), else its creation.
     */
    public long slowStartSinceNanos() {
        return healthyNanos;
    }

    /** An active health check passed while the host was failing them (Envoy's setLastHcPassTime). */
    public void activeHealthCheckPassed() {
        healthyNanos = System.nanoTime();
    }

    /** Envoy's address string ("10.0.0.1:80", "[::1]:80", a pipe path): ring and Maglev hash it. */
    public String addressString() {
        if (address instanceof java.net.InetSocketAddress a) {
            // RFC 5952 text ([::1]:80), as Envoy prints an address: consistent-hash keys are hashes of it.
            String ip = a.getAddress() != null ? io.netty.util.NetUtil.toAddressString(a.getAddress())
                    : a.getHostString();
            return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + a.getPort() : ip + ":" + a.getPort();
        }
        return String.valueOf(address);
    }

    @Override
    public String toString() {
        return address.toString();
    }
}

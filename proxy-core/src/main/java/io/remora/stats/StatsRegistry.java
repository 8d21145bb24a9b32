package io.remora.stats;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Owns every meter. Stat groups are created when config is built and bound into the runtime
 * objects, so the hot path only increments fields it already holds (DESIGN.md hot-path rules).
 * Meter names and tags are Envoy's Prometheus names and labels (e.g. {@code envoy_cluster_upstream_rq_total}
 * with tag {@code envoy_cluster_name}); the exposition writes them unchanged.
 */
public final class StatsRegistry {

    private final MeterRegistry registry;
    private final ConcurrentMap<String, ClusterStats> clusters = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, HttpConnManagerStats> http = new ConcurrentHashMap<>();
    /** Envoy's {@code http2.streams_active}: one gauge for every connection manager's downstream HTTP/2 codecs. */
    private final AtomicLong http2StreamsActive = new AtomicLong();
    /** Envoy's {@code http2.outbound_frames_active} and {@code outbound_control_frames_active}, shared likewise. */
    private final Http2OutboundStats.Gauges http2OutboundGauges = new Http2OutboundStats.Gauges();
    private boolean http2GaugesRegistered;
    private final ConcurrentMap<String, ListenerStats> listeners = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, TcpProxyStats> tcp = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, UdpProxyStats> udp = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, UdpClusterStats> udpClusters = new ConcurrentHashMap<>();
    private final ConcurrentMap<java.util.List<String>, RouteStats> routes = new ConcurrentHashMap<>();
    private final ConcurrentMap<java.util.List<String>, VirtualClusterStats> virtualClusters =
            new ConcurrentHashMap<>();
    private final ServerStats server;
    private final ListenerManagerStats listenerManager;
    private final ClusterManagerStats clusterManager;
    private final RecentLookups recentLookups = new RecentLookups();
    private final ExportedNames exportedNames;

    /**
     * Micrometer's default histograms forget bucket counts after a two-minute window, while
     * Prometheus (and Envoy) buckets are cumulative for the life of the process. One ring slot
     * that never rotates makes them cumulative, as Micrometer's own Prometheus registry does.
     */
    private static final MeterFilter CUMULATIVE_HISTOGRAMS = new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
            return DistributionStatisticConfig.builder()
                    .expiry(Duration.ofDays(365L * 100)).bufferLength(1).build().merge(config);
        }
    };

    public StatsRegistry() {
        this(new SimpleMeterRegistry());
    }

    public StatsRegistry(MeterRegistry registry) {
        this(registry, StatsInclusion.ALL);
    }

    /** With the bootstrap's {@code stats_matcher}: stats it rejects are never created. */
    public StatsRegistry(MeterRegistry registry, StatsInclusion inclusion) {
        this(registry, inclusion, null, HistogramBuckets.DEFAULT);
    }

    /**
     * The bootstrap's whole {@code stats_config}.
     *
     * @param tags    {@code stats_tags} / {@code use_all_default_tags} when they differ from Envoy's
     *                defaults, else null (meters are exported under their registered names and tags)
     * @param buckets {@code histogram_bucket_settings}
     */
    public StatsRegistry(MeterRegistry registry, StatsInclusion inclusion, TagProducer tags, HistogramBuckets buckets) {
        this.registry = registry;
        this.exportedNames = new ExportedNames(tags);
        if (inclusion != null && !inclusion.acceptsAll()) {
            registry.config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.deny(
                    id -> !inclusion.accepts(StatNames.envoyName(id))));
        }
        registry.config().meterFilter(CUMULATIVE_HISTOGRAMS);
        if (buckets != null && !buckets.rules().isEmpty()) {
            registry.config().meterFilter(bucketFilter(buckets));
        }
        this.server = new ServerStats(registry);
        this.listenerManager = new ListenerManagerStats(registry);
        this.clusterManager = ClusterManagerStats.of(registry);
    }

    /** Custom bounds replace the service-level objectives a histogram was built with. */
    private static MeterFilter bucketFilter(HistogramBuckets buckets) {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() != Meter.Type.DISTRIBUTION_SUMMARY && id.getType() != Meter.Type.TIMER) {
                    return config;
                }
                double[] bounds = buckets.bucketsFor(StatNames.envoyName(id));
                if (bounds == null) {
                    return config;
                }
                double[] slo = bounds.clone();
                if (id.getType() == Meter.Type.TIMER) {
                    for (int i = 0; i < slo.length; i++) {
                        slo[i] = slo[i] * 1_000_000; // timers record nanoseconds; Envoy's bounds are milliseconds
                    }
                }
                return DistributionStatisticConfig.builder().serviceLevelObjectives(slo).build().merge(config);
            }
        };
    }

    /** The names and labels meters are exported under (Prometheus, sinks), after {@code stats_tags}. */
    public ExportedNames exportedNames() {
        return exportedNames;
    }

    public MeterRegistry meterRegistry() {
        return registry;
    }

    public ServerStats server() {
        return server;
    }

    public ListenerManagerStats listenerManager() {
        return listenerManager;
    }

    public ClusterManagerStats clusterManager() {
        return clusterManager;
    }

    /** The stats of a cluster, by its stat name ({@code alt_stat_name} or name); kept across updates. */
    public ClusterStats cluster(String statName) {
        recentLookups.record("cluster." + statName);
        return clusters.computeIfAbsent(statName, n -> new ClusterStats(registry, n));
    }

    /** The stats of a connection manager, by its {@code stat_prefix}. */
    public HttpConnManagerStats http(String statPrefix) {
        recentLookups.record("http." + statPrefix);
        return http.computeIfAbsent(statPrefix, p -> {
            registerHttp2Gauges();
            return new HttpConnManagerStats(registry, p, http2StreamsActive, http2OutboundGauges);
        });
    }

    /**
     * The downstream codecs' shared gauges, once for every connection manager: a second
     * registration of one gauge is a warning in Micrometer.
     */
    private synchronized void registerHttp2Gauges() {
        if (!http2GaugesRegistered) {
            Gauge.builder("envoy_http2_streams_active", http2StreamsActive, AtomicLong::get).register(registry);
            Http2OutboundStats.registerGauges(registry, "envoy_http2_", http2OutboundGauges);
            http2GaugesRegistered = true;
        }
    }

    /** The stats of a tcp_proxy, by its {@code stat_prefix}. */
    public TcpProxyStats tcp(String statPrefix) {
        recentLookups.record("tcp." + statPrefix);
        return tcp.computeIfAbsent(statPrefix, p -> new TcpProxyStats(registry, p));
    }

    /** The stats of a udp_proxy, by its {@code stat_prefix}. */
    public UdpProxyStats udp(String statPrefix) {
        recentLookups.record("udp." + statPrefix);
        return udp.computeIfAbsent(statPrefix, p -> new UdpProxyStats(registry, p));
    }

    /** A cluster's {@code udp.*} stats, by its stat name; made when a udp_proxy first uses the cluster. */
    public UdpClusterStats udpCluster(String statName) {
        return udpClusters.computeIfAbsent(statName, n -> new UdpClusterStats(registry, n));
    }

    /** A UDP listener's {@code listener.<label>.udp.downstream_rx_datagram_dropped}: datagrams too large to take. */
    public io.micrometer.core.instrument.Counter udpListenerDropped(String label) {
        return io.micrometer.core.instrument.Counter.builder("envoy_listener_udp_downstream_rx_datagram_dropped")
                .tag(ListenerStats.TAG, label).register(registry);
    }

    /**
     * The stats of a virtual cluster of a virtual host ({@link VirtualClusterStats#OTHER} for the
     * catch-all); one object per pair, whichever route table asks.
     */
    public VirtualClusterStats virtualCluster(String virtualHost, String virtualCluster) {
        recentLookups.record("vhost." + virtualHost + ".vcluster." + virtualCluster);
        return virtualClusters.computeIfAbsent(java.util.List.of(virtualHost, virtualCluster),
                k -> new VirtualClusterStats(registry, virtualHost, virtualCluster));
    }

    /**
     * A route's {@code vhost.<virtual_host>.route.<stat_prefix>.*} stats; one object per pair, so
     * routes of a virtual host with the same stat_prefix (and later route tables) share them.
     */
    public RouteStats route(String virtualHost, String statPrefix) {
        recentLookups.record("vhost." + virtualHost + ".route." + statPrefix);
        return routes.computeIfAbsent(java.util.List.of(virtualHost, statPrefix),
                k -> new RouteStats(registry, virtualHost, statPrefix));
    }

    /** The stats of a listener, by Envoy's listener label (stat_prefix, or address as {@code 0.0.0.0_15001}). */
    public ListenerStats listener(String label) {
        recentLookups.record("listener." + label);
        return listeners.computeIfAbsent(label, l -> new ListenerStats(registry, l));
    }

    /** Requests in flight across every connection manager ({@code http.*.downstream_rq_active}). */
    public long activeRequests() {
        long n = 0;
        for (HttpConnManagerStats s : http.values()) {
            n += s.downstreamRqActive.get();
        }
        return n;
    }

    /** {@code /stats/recentlookups}. */
    public RecentLookups recentLookups() {
        return recentLookups;
    }

    /** {@code /reset_counters}: every counter reads zero from now on (gauges and histograms keep their values). */
    public void resetCounters() {
        CounterResets.reset(registry);
        recentLookups.clear();
    }
}

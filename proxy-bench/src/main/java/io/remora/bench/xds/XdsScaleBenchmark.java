package io.remora.bench.xds;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.remora.config.ClusterConfig;
import io.remora.config.ServerConfig;
import io.remora.server.ServerOptions;
import io.remora.server.Transport;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import io.remora.xds.runtime.Proxy;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Applies a mesh-sized configuration over a real ADS stream — 1,000 EDS clusters, 1,000 routes
 * (100 virtual hosts × 10), 10,000 endpoints — and then EDS-only updates that move every
 * cluster's endpoints, and reports the time from the control plane's snapshot to the proxy
 * running it, and the heap that config holds. java-control-plane's V3DiscoveryServer is the
 * management server, in-process on loopback.
 *
 * <p>Run: {@code java -cp proxy-bench/target/benchmarks.jar io.remora.bench.xds.XdsScaleBenchmark [rounds]}
 */
public final class XdsScaleBenchmark {

    static final int CLUSTERS = 1000;
    static final int ENDPOINTS_PER_CLUSTER = 10;
    static final int VHOSTS = 100;
    static final int ROUTES_PER_VHOST = 10;
    static final String GROUP = "bench";
    static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
        Server cp = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .maxInboundMessageSize(64 << 20)
                .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl()).build().start();
        int cpPort = ((InetSocketAddress) cp.getListenSockets().get(0)).getPort();
        LoadedBootstrap boot = new BootstrapLoader().loadString(bootstrap(cpPort), "scale.yaml");
        ServerOptions options = new ServerOptions(1, Transport.detect(), Duration.ofSeconds(1), Duration.ofSeconds(2),
                io.remora.server.DrainStrategy.IMMEDIATE);
        try (Proxy proxy = new Proxy(boot.proto(), boot.model(), options, Duration.ofSeconds(1), Map.of(), () -> { })) {
            proxy.start();
            long heapBefore = usedHeapAfterGc();

            System.out.printf("Remora xDS scale: %d clusters (EDS), %d routes (%d vhosts x %d), %d endpoints; "
                            + "%d cores, Java %s%n", CLUSTERS, VHOSTS * ROUTES_PER_VHOST, VHOSTS, ROUTES_PER_VHOST,
                    CLUSTERS * ENDPOINTS_PER_CLUSTER, Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            System.out.println();
            System.out.println("| update | round | ms from snapshot to serving |");
            System.out.println("|---|---:|---:|");
            List<Double> full = new ArrayList<>();
            List<Double> eds = new ArrayList<>();
            int version = 0;
            for (int round = 0; round < rounds; round++) {
                // A full apply: every cluster and route is new or changed in this version.
                int v = ++version;
                double ms = apply(proxy, cache, snapshot(v, v, 20000), c -> appliedFull(c, v));
                full.add(ms);
                System.out.printf("| full (CDS+EDS+LDS+RDS) | %d | %.1f |%n", round, ms);
                // EDS only: the same clusters, every endpoint moves.
                int v2 = ++version;
                int port = 30000 + round;
                ms = apply(proxy, cache, snapshot(v, v2, port), c -> endpointsAt(c, port));
                eds.add(ms);
                System.out.printf("| EDS only (%d clusters) | %d | %.1f |%n", CLUSTERS, round, ms);
            }
            long heapAfter = usedHeapAfterGc();
            System.out.println();
            System.out.printf("full apply: first %.1f ms, best of the rest %.1f ms (target < 1000 ms)%n",
                    full.get(0), full.stream().skip(1).mapToDouble(d -> d).min().orElse(full.get(0)));
            System.out.printf("EDS-only update: first %.1f ms, best of the rest %.1f ms (target < 100 ms)%n",
                    eds.get(0), eds.stream().skip(1).mapToDouble(d -> d).min().orElse(eds.get(0)));
            System.out.printf("heap held by the mesh config (after GC): %.1f MiB%n", (heapAfter - heapBefore) / 1048576.0);
        } finally {
            cp.shutdownNow();
        }
        System.exit(0);
    }

    private static double apply(Proxy proxy, SimpleCache<String> cache, Snapshot s, Predicate<ServerConfig> done)
            throws InterruptedException {
        long t0 = System.nanoTime();
        cache.setSnapshot(GROUP, s);
        long deadline = t0 + Duration.ofSeconds(60).toNanos();
        while (!done.test(proxy.server().config())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("snapshot " + s.version(io.envoyproxy.controlplane.cache.Resources.V3.CLUSTER_TYPE_URL)
                        + " not applied in 60 s");
            }
            Thread.onSpinWait();
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static boolean appliedFull(ServerConfig c, int v) {
        ClusterConfig last = c.clusters().get("svc-" + (CLUSTERS - 1));
        return last != null && last.connectTimeout().toMillis() == 1000 + v
                && last.loadAssignment() != null
                && c.routeConfigs().containsKey("mesh")
                && c.routeConfigs().get("mesh").virtualHosts().get(VHOSTS - 1).routes().get(ROUTES_PER_VHOST - 1).match().path()
                instanceof io.remora.config.RouteMatch.Prefix p && p.prefix().endsWith("/c" + v + "/")
                && c.listeners().stream().anyMatch(l -> l.name().equals("mesh-listener"));
    }

    private static boolean endpointsAt(ServerConfig c, int port) {
        for (String name : new String[]{"svc-0", "svc-" + (CLUSTERS - 1)}) {
            ClusterConfig cc = c.clusters().get(name);
            if (cc == null || cc.loadAssignment() == null
                    || !(cc.loadAssignment().endpoints().get(0).lbEndpoints().get(0).address()
                    instanceof io.remora.config.Address.Tcp t) || t.port() != port) {
                return false;
            }
        }
        return true;
    }

    static Snapshot snapshot(int configVersion, int version, int port) {
        List<Cluster> clusters = new ArrayList<>(CLUSTERS);
        List<ClusterLoadAssignment> endpoints = new ArrayList<>(CLUSTERS);
        for (int i = 0; i < CLUSTERS; i++) {
            String name = "svc-" + i;
            clusters.add(Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                    .setConnectTimeout(Durations.fromMillis(1000 + configVersion))
                    .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS)).build());
            LocalityLbEndpoints.Builder lle = LocalityLbEndpoints.newBuilder();
            for (int e = 0; e < ENDPOINTS_PER_CLUSTER; e++) {
                lle.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(
                        address("10." + (i / 250) + "." + (i % 250) + "." + (e + 1), port))));
            }
            endpoints.add(ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(lle).build());
        }
        RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName("mesh");
        for (int v = 0; v < VHOSTS; v++) {
            VirtualHost.Builder vh = VirtualHost.newBuilder().setName("vh-" + v).addDomains("host-" + v + ".mesh")
                    .addDomains("host-" + v + ".mesh:80");
            for (int r = 0; r < ROUTES_PER_VHOST; r++) {
                vh.addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/api/v" + r + "/c" + configVersion + "/"))
                        .setRoute(RouteAction.newBuilder().setCluster("svc-" + (v * ROUTES_PER_VHOST + r))));
            }
            rc.addVirtualHosts(vh);
        }
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("mesh")
                .setRds(Rds.newBuilder().setRouteConfigName("mesh").setConfigSource(ADS))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        Listener listener = Listener.newBuilder().setName("mesh-listener").setAddress(address("127.0.0.1", 0))
                .setStatPrefix("mesh").addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))))
                .build();
        return Snapshot.create(clusters, endpoints, List.of(listener), List.of(rc.build()), List.of(), "v" + version);
    }

    private static Address address(String ip, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)).build();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static String bootstrap(int cpPort) {
        return """
                node: { id: scale-bench, cluster: bench }
                static_resources:
                  clusters:
                  - name: xds-grpc
                    type: STATIC
                    connect_timeout: 1s
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: { http2_protocol_options: {} }
                    load_assignment:
                      cluster_name: xds-grpc
                      endpoints:
                      - lb_endpoints:
                        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                dynamic_resources:
                  ads_config:
                    api_type: GRPC
                    transport_api_version: V3
                    grpc_services: [{ envoy_grpc: { cluster_name: xds-grpc } }]
                  lds_config: { ads: {}, resource_api_version: V3 }
                  cds_config: { ads: {}, resource_api_version: V3 }
                """.formatted(cpPort);
    }
}

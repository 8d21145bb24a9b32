package io.remora.xds.ads;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Node;
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
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;

import java.util.List;

/** Envoy resources as a control plane would send them: an HCM listener on RDS, its route, two EDS clusters. */
public final class XdsTestResources {
    public static final Node NODE = Node.newBuilder().setId("sidecar~10.0.0.1~app-1.ns~ns.svc.cluster.local").setCluster("app.ns").build();
    public static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();

    private XdsTestResources() {
    }

    public static Address address(int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)).build();
    }

    public static Listener rdsListener(String name, int port, String routeConfigName, ConfigSource rdsSource) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix("ingress_" + name)
                .setRds(Rds.newBuilder().setRouteConfigName(routeConfigName).setConfigSource(rdsSource))
                .build();
        return Listener.newBuilder().setName(name).setAddress(address(port))
                .addFilterChains(FilterChain.newBuilder().addFilters(
                        Filter.newBuilder().setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))))
                .build();
    }

    public static Listener rdsListener(String name, int port, String routeConfigName) {
        return rdsListener(name, port, routeConfigName, ADS);
    }

    /** A listener needing nothing else (no RDS): applies without warming. */
    public static Listener plainListener(String name, int port) {
        return Listener.newBuilder().setName(name).setAddress(address(port)).build();
    }

    public static RouteConfiguration route(String name, String cluster) {
        return RouteConfiguration.newBuilder().setName(name)
                .addVirtualHosts(VirtualHost.newBuilder().setName("all").addDomains("*")
                        .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster(cluster))))
                .build();
    }

    public static Cluster edsCluster(String name, String serviceName) {
        Cluster.EdsClusterConfig.Builder eds = Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS);
        if (serviceName != null) {
            eds.setServiceName(serviceName);
        }
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                .setConnectTimeout(Durations.fromSeconds(1)).setEdsClusterConfig(eds).build();
    }

    public static ClusterLoadAssignment endpoints(String name, int port) {
        return ClusterLoadAssignment.newBuilder().setClusterName(name)
                .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                        .setEndpoint(Endpoint.newBuilder().setAddress(address(port)))))
                .build();
    }

    /** The full mesh snapshot: listener-0 (RDS route-0), route-0, cluster-a and cluster-b (service svc-b). */
    public static Snapshot full(String version) {
        return Snapshot.create(
                List.of(edsCluster("cluster-a", null), edsCluster("cluster-b", "svc-b")),
                List.of(endpoints("cluster-a", 8081), endpoints("svc-b", 8082)),
                List.of(rdsListener("listener-0", 15001, "route-0")),
                List.of(route("route-0", "cluster-a")),
                List.of(),
                version);
    }

    public static Snapshot with(String version, List<Listener> listeners) {
        return Snapshot.create(
                List.of(edsCluster("cluster-a", null), edsCluster("cluster-b", "svc-b")),
                List.of(endpoints("cluster-a", 8081), endpoints("svc-b", 8082)),
                listeners,
                List.of(route("route-0", "cluster-a")),
                List.of(),
                version);
    }

    /** {@link #full} plus a cluster whose upstream TLS names SDS secret "client-cert" over ADS, and that secret. */
    public static Snapshot withSecret(String version) {
        var tls = io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext.newBuilder()
                        .addTlsCertificateSdsSecretConfigs(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig
                                .newBuilder().setName("client-cert").setSdsConfig(ADS))).build();
        Cluster tlsCluster = edsCluster("cluster-tls", null).toBuilder()
                .setTransportSocket(io.envoyproxy.envoy.config.core.v3.TransportSocket.newBuilder()
                        .setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls))).build();
        var secret = io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.newBuilder().setName("client-cert")
                .setTlsCertificate(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate.newBuilder()
                        .setPrivateKey(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder().setInlineString("key"))).build();
        return Snapshot.create(
                List.of(edsCluster("cluster-a", null), edsCluster("cluster-b", "svc-b"), tlsCluster),
                List.of(endpoints("cluster-a", 8081), endpoints("svc-b", 8082), endpoints("cluster-tls", 8083)),
                List.of(rdsListener("listener-0", 15001, "route-0")),
                List.of(route("route-0", "cluster-a")),
                List.of(secret),
                version);
    }

    /** A snapshot of these listeners and clusters, each type at {@code version}. */
    public static XdsSnapshot snapshot(String version, List<Listener> listeners, List<Cluster> clusters) {
        java.time.Instant t = java.time.Instant.EPOCH;
        java.util.Map<String, XdsResource> ls = new java.util.LinkedHashMap<>();
        listeners.forEach(l -> ls.put(l.getName(), new XdsResource(l.getName(), l, version, t)));
        java.util.Map<String, XdsResource> cs = new java.util.LinkedHashMap<>();
        clusters.forEach(c -> cs.put(c.getName(), new XdsResource(c.getName(), c, version, t)));
        return XdsSnapshot.EMPTY.with(XdsResourceType.LISTENER, new XdsSnapshot.TypeState(version, t, ls))
                .with(XdsResourceType.CLUSTER, new XdsSnapshot.TypeState(version, t, cs));
    }

    /** A snapshot of one listener and these ECDS resources (the types that matter to extension config discovery). */
    public static XdsSnapshot ecdsSnapshot(Listener l, io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig... configs) {
        java.time.Instant t = java.time.Instant.EPOCH;
        XdsSnapshot s = XdsSnapshot.EMPTY.with(XdsResourceType.LISTENER, new XdsSnapshot.TypeState("1", t,
                java.util.Map.of(l.getName(), new XdsResource(l.getName(), l, "1", t))));
        java.util.Map<String, XdsResource> ecds = new java.util.HashMap<>();
        for (var c : configs) {
            ecds.put(c.getName(), new XdsResource(c.getName(), c, "1", t));
        }
        return s.with(XdsResourceType.EXTENSION_CONFIG, new XdsSnapshot.TypeState("1", t, ecds));
    }
}

package io.remora.e2e.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.remora.xds.ads.XdsTestResources;

import java.util.ArrayList;
import java.util.List;

/**
 * The desired state of a small mesh, as a control plane holds it: listener-0 (HCM on RDS route-0,
 * server_name as a visible marker of the HCM config), route-0 ("/" to one cluster or a 100/0 split,
 * "/b" always to cluster-b), EDS clusters cluster-a and cluster-b (service svc-b) and their endpoints.
 * Each resource type carries the generation in which it last changed, as Istio versions them.
 */
final class Mesh {
    static final ConfigSource ADS = XdsTestResources.ADS;

    int listenerPort;
    String serverName = "gen-0";
    /** HTTP filters before the router (e.g. discovered ones). */
    java.util.List<HttpFilter> httpFilters = new java.util.ArrayList<>();
    /** "/" goes here unless weighted. */
    String target = "cluster-a";
    boolean weighted;
    int weightA = 100;
    int portA;
    int portB;
    /** A route whose safe_regex does not compile: the snapshot must be NACKed. */
    boolean brokenRegex;
    /** Adds cluster-tls referencing SDS secret "client-cert", and that secret with an inline private key. */
    boolean withSecret;
    /** cluster-b's upstream TLS takes its certificate from SDS secret "client-cert" (with the secret, as withSecret). */
    boolean bOverSds;
    /** The "client-cert" secret is left out of the snapshot: the clusters using it warm until it comes. */
    boolean withholdSecret;
    /** An ORIGINAL_DST cluster without lb_policy CLUSTER_PROVIDED: CDS must be NACKed. */
    boolean badCluster;
    /** A second listener on port 70000: LDS must be NACKed. */
    boolean badListener;
    /** Listeners (by name) whose HCM has a filter after the router: they fail to translate. */
    java.util.Set<String> brokenListeners = java.util.Set.of();
    /** Clusters replacing the mesh's own of the same name, or added. */
    List<Cluster> extraClusters = List.of();
    /** Routes before the others (prefix to cluster), in route-0. */
    java.util.Map<String, String> extraRoutes = java.util.Map.of();
    /** Bumped by a CDS change: flips the EDS clusters' connect_timeout and lb_policy. */
    int clusterGen;
    /** The load assignments are left out of the snapshot: the control plane withholds them. */
    boolean withholdEndpoints;
    /** The route configuration is left out of the snapshot: the listener warms until it comes. */
    boolean withholdRoutes;
    /** More listeners on these ports, named "listener-<port>", their routes from route configuration "route-extra". */
    List<Integer> extraListenerPorts = List.of();
    /** "route-extra" is left out of the snapshot: the extra listeners warm until it comes. */
    boolean withholdExtraRoute;
    /** The extra listeners take "route-0" instead, which runs already: they need not warm. */
    boolean extraOnRunningRoute;
    /** Load assignments served beside the mesh's own (for the bootstrap's static EDS clusters), withheld with them. */
    List<io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment> extraEndpoints = List.of();
    /** Where the HCM's RDS and the clusters' EDS come from. */
    ConfigSource rdsSource = ADS;
    ConfigSource edsSource = ADS;
    /** Where cluster-b's EDS comes from, when not from {@code edsSource}. */
    ConfigSource edsSourceB;

    String ldsVersion = "0";
    String rdsVersion = "0";
    String cdsVersion = "0";
    String edsVersion = "0";
    String sdsVersion = "0";

    Mesh(int listenerPort, int portA, int portB) {
        this.listenerPort = listenerPort;
        this.portA = portA;
        this.portB = portB;
    }

    /** Which cluster "/" reaches under this state. */
    String rootCluster() {
        if (weighted) {
            return weightA == 100 ? "cluster-a" : "cluster-b";
        }
        return target;
    }

    int rootPort() {
        return rootCluster().equals("cluster-a") ? portA : portB;
    }

    Snapshot snapshot() {
        List<Cluster> clusters = new ArrayList<>(List.of(tuned(XdsTestResources.edsCluster("cluster-a", null), edsSource),
                tuned(XdsTestResources.edsCluster("cluster-b", "svc-b"), edsSourceB != null ? edsSourceB : edsSource)));
        List<Secret> secrets = new ArrayList<>();
        if (bOverSds) {
            clusters.set(1, clusters.get(1).toBuilder().setTransportSocket(sdsTls()).build());
        }
        if (withSecret) {
            clusters.add(tlsCluster());
        }
        if ((withSecret || bOverSds) && !withholdSecret) {
            secrets.add(Secret.newBuilder().setName("client-cert").setTlsCertificate(TlsCertificate.newBuilder()
                    .setCertificateChain(DataSource.newBuilder().setInlineString(CLIENT.certPem()))
                    .setPrivateKey(DataSource.newBuilder().setInlineString(PRIVATE_KEY))).build());
        }
        for (Cluster extra : extraClusters) {
            clusters.removeIf(c -> c.getName().equals(extra.getName()));
            clusters.add(extra);
        }
        if (badCluster) {
            clusters.add(XdsTestResources.edsCluster("cluster-bad", null).toBuilder().clearEdsClusterConfig()
                    .setType(Cluster.DiscoveryType.ORIGINAL_DST).build());
        }
        List<Listener> listeners = new ArrayList<>(List.of(listener()));
        for (int port : extraListenerPorts) {
            listeners.add(listener("listener-" + port, port, extraOnRunningRoute ? "route-0" : "route-extra"));
        }
        List<RouteConfiguration> routes = new ArrayList<>();
        if (!withholdRoutes) {
            routes.add(route());
        }
        if (!extraListenerPorts.isEmpty() && !extraOnRunningRoute && !withholdExtraRoute) {
            routes.add(route().toBuilder().setName("route-extra").build());
        }
        if (badListener) {
            listeners.add(XdsTestResources.plainListener("listener-bad", 70000));
        }
        List<io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment> endpoints = new ArrayList<>();
        if (!withholdEndpoints) {
            endpoints.add(XdsTestResources.endpoints("cluster-a", portA));
            endpoints.add(XdsTestResources.endpoints("svc-b", portB));
            endpoints.addAll(extraEndpoints);
        }
        return Snapshot.create(
                clusters, cdsVersion,
                endpoints, edsVersion,
                listeners, ldsVersion,
                routes, rdsVersion,
                secrets, sdsVersion);
    }

    private Cluster tuned(Cluster c, ConfigSource eds) {
        Cluster.Builder b = c.toBuilder();
        b.getEdsClusterConfigBuilder().setEdsConfig(eds);
        return b.setConnectTimeout(Durations.fromSeconds(1 + clusterGen % 2))
                .setLbPolicy(clusterGen % 2 == 0 ? Cluster.LbPolicy.ROUND_ROBIN : Cluster.LbPolicy.LEAST_REQUEST).build();
    }

    /** Real material (SDS secrets are validated when applied), made by the test. */
    static final io.remora.testing.TestCerts.Leaf CLIENT = io.remora.testing.TestCerts.ca("mesh-ca")
            .issue("client", "spiffe://cluster.local/ns/default/sa/client");
    static final String PRIVATE_KEY = CLIENT.keyPem();

    private static Cluster tlsCluster() {
        return XdsTestResources.edsCluster("cluster-tls", null).toBuilder().setType(Cluster.DiscoveryType.STATIC)
                .clearEdsClusterConfig()
                .setLoadAssignment(XdsTestResources.endpoints("cluster-tls", 9))
                .setTransportSocket(sdsTls())
                .build();
    }

    /** Upstream TLS with the client certificate of SDS secret "client-cert" over ADS. */
    private static TransportSocket sdsTls() {
        UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("client-cert").setSdsConfig(ADS))).build();
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)).build();
    }

    Listener listener() {
        return listener("listener-0", listenerPort, "route-0");
    }

    private Listener listener(String name, int port, String routeConfigName) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix("ingress_" + name)
                .setServerName(serverName)
                .setRds(Rds.newBuilder().setRouteConfigName(routeConfigName).setConfigSource(rdsSource))
                .addAllHttpFilters(httpFilters)
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        if (brokenListeners.contains(name)) {
            hcm = hcm.toBuilder().addHttpFilters(hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1)).build();
        }
        return Listener.newBuilder().setName(name).setAddress(XdsTestResources.address(port))
                .addFilterChains(FilterChain.newBuilder().addFilters(
                        Filter.newBuilder().setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))))
                .build();
    }

    RouteConfiguration route() {
        RouteAction.Builder root = RouteAction.newBuilder();
        if (weighted) {
            root.setWeightedClusters(WeightedCluster.newBuilder()
                    .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("cluster-a").setWeight(UInt32Value.of(weightA)))
                    .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("cluster-b").setWeight(UInt32Value.of(100 - weightA))));
        } else {
            root.setCluster(target);
        }
        VirtualHost.Builder vh = VirtualHost.newBuilder().setName("all").addDomains("*");
        extraRoutes.forEach((prefix, cluster) -> vh.addRoutes(Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix(prefix)).setRoute(RouteAction.newBuilder().setCluster(cluster))));
        if (brokenRegex) {
            vh.addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("/bad(")))
                    .setRoute(RouteAction.newBuilder().setCluster("cluster-b")));
        }
        vh.addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/b"))
                .setRoute(RouteAction.newBuilder().setCluster("cluster-b").setTimeout(Durations.fromSeconds(5))));
        vh.addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/")).setRoute(root));
        return RouteConfiguration.newBuilder().setName("route-0").addVirtualHosts(vh).build();
    }
}

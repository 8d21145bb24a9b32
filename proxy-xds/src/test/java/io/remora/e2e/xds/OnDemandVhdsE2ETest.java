package io.remora.e2e.xds;

import com.google.protobuf.Any;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.Vhds;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.on_demand.v3.OnDemand;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On-demand VHDS end to end over delta ADS: route-0 has one virtual host of its own (known.test) and loads
 * the others over VHDS; the on_demand filter holds a request for a host route-0 lacks until the control plane
 * answers its alias {@code route-0/<host>}, then the request runs again and reaches the delivered host's cluster.
 */
class OnDemandVhdsE2ETest {
    static final String VHDS = XdsResourceType.VIRTUAL_HOST.typeUrl;
    static final String RDS = XdsResourceType.ROUTE.typeUrl;

    private final TestControlPlane cp = new TestControlPlane();
    private TestUpstream a;
    private TestUpstream b;
    private XdsProxy proxy;
    private int port;

    @BeforeEach
    void start() throws Exception {
        cp.startTcp(0);
        a = TestUpstream.text("u-a");
        b = TestUpstream.text("u-b");
        port = XdsProxy.freePort();
        cp.setVirtualHosts("1", Map.of(
                "route-0/vh-b", host("vh-b", "cluster-b", "b.test"),
                "route-0/vh-c", host("vh-c", "cluster-b", "c.test")));
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        cp.close();
        a.close();
        b.close();
    }

    private static VirtualHost host(String name, String cluster, String domain) {
        return VirtualHost.newBuilder().setName(name).addDomains(domain)
                .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster)))
                .build();
    }

    /** listener-0: an HCM (stat_prefix ingress) on RDS route-0 with the on_demand filter before the router. */
    static Listener onDemandListener(int port, OnDemand onDemand, HttpFilter... before) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("ingress")
                .setRds(Rds.newBuilder().setRouteConfigName("route-0").setConfigSource(XdsTestResources.ADS))
                .addAllHttpFilters(List.of(before))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.on_demand").setTypedConfig(Any.pack(onDemand)))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName("listener-0").setAddress(XdsTestResources.address(port))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))))
                .build();
    }

    private Snapshot snapshot(ConfigSource vhdsSource) {
        Listener listener = onDemandListener(port, OnDemand.getDefaultInstance());
        RouteConfiguration route = RouteConfiguration.newBuilder().setName("route-0")
                .setVhds(Vhds.newBuilder().setConfigSource(vhdsSource))
                .addVirtualHosts(host("known", "cluster-a", "known.test"))
                .build();
        return Snapshot.create(
                List.of(XdsTestResources.edsCluster("cluster-a", null), XdsTestResources.edsCluster("cluster-b", "svc-b")),
                List.of(XdsTestResources.endpoints("cluster-a", a.port()), XdsTestResources.endpoints("svc-b", b.port())),
                List.of(listener), List.of(route), List.of(), "0");
    }

    private void startDelta() throws Exception {
        cp.set(snapshot(XdsTestResources.ADS));
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, true));
        cp.awaitDeltaAck(RDS, "0");
        TestControlPlane.await("the route config's own host served",
                () -> XdsProxy.getWithHost(port, "known.test").status() == 200);
        assertEquals("u-a", XdsProxy.getWithHost(port, "known.test").body());
    }

    private long subscriptionsOf(String alias) {
        return cp.deltaRequests(VHDS).stream().filter(r -> r.getResourceNamesSubscribeList().contains(alias)).count();
    }

    @Test
    void anUnknownHostWaitsForVhdsThenReachesTheDeliveredHost() throws Exception {
        startDelta();
        // the route configuration's namespace is subscribed from the start, as Envoy's VHDS subscription
        cp.awaitDeltaRequest("VHDS namespace", r -> r.getTypeUrl().equals(VHDS)
                && r.getResourceNamesSubscribeList().contains("route-0"));
        cp.holdVirtualHosts();
        CompletableFuture<XdsProxy.Reply> reply = CompletableFuture.supplyAsync(() -> XdsProxy.getWithHost(port, "b.test"));
        cp.awaitDeltaRequest("the alias of b.test", r -> r.getResourceNamesSubscribeList().contains("route-0/b.test"));
        assertFalse(reply.isDone(), "the request waits for the answer: " + (reply.isDone() ? reply.join() : ""));
        cp.releaseVirtualHosts();
        XdsProxy.Reply r = reply.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, r.status(), r.toString());
        assertEquals("u-b", r.body(), "the delivered virtual host routes to cluster-b");
        assertEquals("u-b", XdsProxy.getWithHost(port, "b.test").body(), "and keeps doing so");
        assertEquals(1, subscriptionsOf("route-0/b.test"), "a known host asks nothing again");
        assertEquals("u-a", XdsProxy.getWithHost(port, "known.test").body(), "the route config's own host stays");
        assertTrue(proxy.metric("envoy_http_vhds_route_0_config_reload", "envoy_http_conn_manager_prefix=\"ingress\"") >= 1,
                "http.ingress.vhds.route-0.config_reload counts the merged update (Prometheus sanitizes the name)");
        String dump = proxy.admin("/config_dump");
        assertTrue(dump.contains("\"vh-b\"") && dump.contains("\"known\""),
                "the dynamic route config shows the merged virtual hosts: " + dump);

        // the control plane drops vh-b: it leaves the route table, and b.test is looked up again
        cp.setVirtualHosts("2", Map.of("route-0/vh-c", host("vh-c", "cluster-b", "c.test")));
        cp.awaitDeltaAck(VHDS, "2");
        assertEquals(404, XdsProxy.getWithHost(port, "b.test").status(), "a removed virtual host goes");
        assertFalse(proxy.admin("/config_dump").contains("\"vh-b\""));
    }

    @Test
    void aHostTheControlPlaneCannotResolveGets404() throws Exception {
        startDelta();
        XdsProxy.Reply r = XdsProxy.getWithHost(port, "nowhere.test");
        assertEquals(404, r.status(), r.toString());
        assertEquals(1, subscriptionsOf("route-0/nowhere.test"), "the alias was asked for");
        assertTrue(cp.deltaResponses.stream().anyMatch(resp -> resp.getTypeUrl().equals(VHDS)
                && resp.getResourcesList().stream().anyMatch(x -> x.getAliasesList().contains("route-0/nowhere.test")
                && !x.hasResource())), "answered with a bodiless resource naming the alias");
        // asked again, as Envoy's on-demand update does: the host may exist by now
        assertEquals(404, XdsProxy.getWithHost(port, "nowhere.test").status());
        TestControlPlane.await("the alias asked again", () -> subscriptionsOf("route-0/nowhere.test") == 2);
        // the alias is the Host as sent, lower-cased, port included
        assertEquals(404, XdsProxy.getWithHost(port, "NoWhere.Test:8080").status());
        assertEquals(1, subscriptionsOf("route-0/nowhere.test:8080"));
    }

    @Test
    void aVirtualHostThatBreaksTheRouteConfigurationIsNackedAndTheRequestGoesOn() throws Exception {
        cp.setVirtualHosts("1", Map.of("route-0/vh-dup", host("vh-dup", "cluster-b", "dup.test").toBuilder()
                .addDomains("known.test").build()));
        startDelta();
        XdsProxy.Reply r = XdsProxy.getWithHost(port, "dup.test");
        assertEquals(404, r.status(), "the rejected host never joins the route table: " + r);
        DeltaDiscoveryRequest nack = cp.awaitDeltaRequest("VHDS NACK", q -> q.getTypeUrl().equals(VHDS) && q.hasErrorDetail());
        assertTrue(nack.getErrorDetail().getMessage().contains("duplicate domain"), nack.getErrorDetail().getMessage());
        assertEquals("u-a", XdsProxy.getWithHost(port, "known.test").body(), "the route table as it was keeps serving");
        assertEquals(1.0, proxy.metric("envoy_http_vhds_route_0_update_rejected", "envoy_http_conn_manager_prefix=\"ingress\""));
    }

    @Test
    void concurrentRequestsForOneHostShareOneLookup() throws Exception {
        startDelta();
        cp.holdVirtualHosts();
        CompletableFuture<XdsProxy.Reply> first = CompletableFuture.supplyAsync(() -> XdsProxy.getWithHost(port, "c.test"));
        CompletableFuture<XdsProxy.Reply> second = CompletableFuture.supplyAsync(() -> XdsProxy.getWithHost(port, "c.test"));
        cp.awaitDeltaRequest("the alias of c.test", r -> r.getResourceNamesSubscribeList().contains("route-0/c.test"));
        TestControlPlane.await("both requests held in the proxy",
                () -> proxy.metric("envoy_http_downstream_rq_active", "envoy_http_conn_manager_prefix=\"ingress\"") == 2);
        cp.releaseVirtualHosts();
        assertEquals("u-b", first.get(10, java.util.concurrent.TimeUnit.SECONDS).body());
        assertEquals("u-b", second.get(10, java.util.concurrent.TimeUnit.SECONDS).body());
        assertEquals(1, subscriptionsOf("route-0/c.test"), "one request to the control plane for both");
    }

    @Test
    void vhdsOverStateOfTheWorldAdsIsRejectedAsEnvoyDoes() throws Exception {
        cp.set(snapshot(XdsTestResources.ADS));
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false));
        String reason = cp.awaitRequest("RDS NACK", r -> r.getTypeUrl().equals(RDS) && r.hasErrorDetail())
                .getErrorDetail().getMessage();
        assertTrue(reason.contains("vhds: ADS must use DELTA_GRPC api_type when used as VHDS config source."), reason);
        assertTrue(reason.contains("route-0"), reason);
    }

    @Test
    void vhdsFromARestSourceIsRejectedAsEnvoyDoes() throws Exception {
        ConfigSource rest = ConfigSource.newBuilder().setApiConfigSource(ApiConfigSource.newBuilder()
                .setApiType(ApiConfigSource.ApiType.REST).addClusterNames("xds-grpc")).build();
        cp.set(snapshot(rest));
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, true));
        DeltaDiscoveryRequest nack = cp.awaitDeltaRequest("RDS NACK", r -> r.getTypeUrl().equals(RDS) && r.hasErrorDetail());
        assertTrue(nack.getErrorDetail().getMessage()
                .contains("vhds: only 'DELTA_GRPC' or 'ADS' (which uses Delta xDS) is supported as a config source."),
                nack.getErrorDetail().getMessage());
    }
}

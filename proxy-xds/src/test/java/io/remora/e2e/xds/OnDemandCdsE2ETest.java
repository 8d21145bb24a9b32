package io.remora.e2e.xds;

import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.on_demand.v3.OnDemand;
import io.envoyproxy.envoy.extensions.filters.http.on_demand.v3.OnDemandCds;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import com.google.protobuf.Any;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On-demand CDS end to end over delta ADS with no CDS subscription of its own: the on_demand filter's odcds
 * asks java-control-plane for a route's cluster by name; the cluster (EDS) warms with its endpoints before the
 * request goes on (the filters before on_demand not run again, Envoy 1.38). A cluster the control plane never
 * delivers times out into the router's 503 NC.
 */
class OnDemandCdsE2ETest {
    static final String CDS = XdsResourceType.CLUSTER.typeUrl;

    private final TestControlPlane cp = new TestControlPlane();
    private TestUpstream upstream;
    private XdsProxy proxy;
    private int port;

    @BeforeEach
    void start() throws Exception {
        cp.startTcp(0);
        upstream = TestUpstream.text("on-demand");
        port = XdsProxy.freePort();
        cp.set(snapshot());
        // LDS and RDS over delta ADS; no cds_config: clusters come only when asked for by name
        proxy = XdsProxy.start(XdsProxy.onDemandClustersBootstrap(cp.port));
        cp.awaitDeltaAck(XdsResourceType.ROUTE.typeUrl, "0");
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        cp.close();
        upstream.close();
    }

    private static Route route(String prefix, String cluster) {
        return Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix(prefix))
                .setRoute(RouteAction.newBuilder().setCluster(cluster)).build();
    }

    private Snapshot snapshot() {
        OnDemand odcds = OnDemand.newBuilder().setOdcds(OnDemandCds.newBuilder().setSource(XdsTestResources.ADS)
                .setTimeout(Durations.fromMillis(1500))).build();
        // A filter before on_demand whose stat counts each time it runs.
        LocalRateLimit counting = LocalRateLimit.newBuilder().setStatPrefix("before_on_demand")
                .setTokenBucket(TokenBucket.newBuilder().setMaxTokens(1000)
                        .setTokensPerFill(com.google.protobuf.UInt32Value.of(1000)).setFillInterval(Durations.fromSeconds(1)))
                .setFilterEnabled(RuntimeFractionalPercent.newBuilder().setRuntimeKey("before_on_demand.enabled")
                        .setDefaultValue(FractionalPercent.newBuilder().setNumerator(100)))
                .build();
        Listener listener = OnDemandVhdsE2ETest.onDemandListener(port, odcds, HttpFilter.newBuilder()
                .setName("envoy.filters.http.local_ratelimit").setTypedConfig(Any.pack(counting)).build());
        RouteConfiguration rc = RouteConfiguration.newBuilder().setName("route-0")
                .addVirtualHosts(VirtualHost.newBuilder().setName("all").addDomains("*")
                        .addRoutes(route("/missing", "cluster-missing"))
                        .addRoutes(route("/", "cluster-od")))
                .build();
        return Snapshot.create(List.of(XdsTestResources.edsCluster("cluster-od", null)),
                List.of(XdsTestResources.endpoints("cluster-od", upstream.port())),
                List.of(listener), List.of(rc), List.of(), "0");
    }

    @Test
    void aClusterDeliveredOnDemandServesTheRequestThatAskedForIt() {
        assertTrue(cp.deltaRequests(CDS).isEmpty(), "no CDS subscription before a request needs one");
        XdsProxy.Reply r = proxy.get(port, "/");
        assertEquals(200, r.status(), r.toString());
        assertEquals("on-demand", r.body());
        assertTrue(cp.deltaRequests(CDS).stream().anyMatch(q -> q.getResourceNamesSubscribeList().contains("cluster-od")),
                "the cluster was asked for by name");
        assertEquals(200, proxy.get(port, "/").status(), "and is known from then on");
        assertEquals(1, cp.deltaRequests(CDS).stream()
                .filter(q -> q.getResourceNamesSubscribeList().contains("cluster-od")).count(), "asked once");
        String dump = proxy.admin("/config_dump");
        assertTrue(dump.contains("dynamic_active_clusters") && dump.contains("\"cluster-od\""), dump);
        assertTrue(proxy.metric("envoy_cluster_manager_odcds_update_success") >= 1,
                "counted as Envoy's cluster_manager.odcds.update_success");
        assertEquals(2.0, proxy.metric("envoy_http_local_rate_limit_enabled",
                "envoy_local_http_ratelimit_prefix=\"before_on_demand\""),
                "the filter before on_demand ran once per request, the first one not run again after CDS");
    }

    @Test
    void aClusterNeverDeliveredTimesOutIntoTheRoutersClusterNotFound() {
        long started = System.nanoTime();
        XdsProxy.Reply r = proxy.get(port, "/missing");
        long waitedMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals(503, r.status(), r.toString());
        assertTrue(waitedMs >= 1400, "held for the odcds timeout first: " + waitedMs + " ms");
        assertTrue(cp.deltaRequests(CDS).stream().anyMatch(q -> q.getResourceNamesSubscribeList().contains("cluster-missing")));
        assertEquals(1.0, proxy.metric("envoy_http_no_cluster", "envoy_http_conn_manager_prefix=\"ingress\""),
                "the router's no_cluster (503 NC, cluster_not_found)");
    }
}

package io.remora.e2e.xds;

import com.google.protobuf.Any;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ScopedRouteConfigurationsList;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ScopedRoutes;
import io.remora.e2e.TestUpstream;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scoped routes whose scopes name their route configurations: the listener warms until RDS over ADS
 * brings each scope's, and a request's {@code x-tenant} header picks the scope that routes it.
 */
class ScopedRoutesRdsE2ETest {
    private final TestControlPlane cp = new TestControlPlane();
    private final HttpClient http = HttpClient.newHttpClient();
    private TestUpstream red;
    private TestUpstream blue;
    private XdsProxy proxy;
    private int port;

    @BeforeEach
    void start() throws Exception {
        cp.startTcp(0);
        red = TestUpstream.text("red");
        blue = TestUpstream.text("blue");
        port = XdsProxy.freePort();
        cp.set(Snapshot.create(List.of(XdsTestResources.edsCluster("red", null), XdsTestResources.edsCluster("blue", null)),
                List.of(XdsTestResources.endpoints("red", red.port()), XdsTestResources.endpoints("blue", blue.port())),
                List.of(scopedListener(port)),
                List.of(XdsTestResources.route("routes-red", "red"), XdsTestResources.route("routes-blue", "blue")),
                List.of(), "0"));
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false));
        cp.awaitSotwAck(XdsResourceType.ROUTE.typeUrl, "0");
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        cp.close();
        red.close();
        blue.close();
    }

    private static ScopedRouteConfiguration scope(String tenant) {
        return ScopedRouteConfiguration.newBuilder().setName(tenant).setRouteConfigurationName("routes-" + tenant)
                .setKey(ScopedRouteConfiguration.Key.newBuilder().addFragments(
                        ScopedRouteConfiguration.Key.Fragment.newBuilder().setStringKey(tenant)))
                .build();
    }

    private static Listener scopedListener(int port) {
        ScopedRoutes scoped = ScopedRoutes.newBuilder().setName("tenants").setRdsConfigSource(XdsTestResources.ADS)
                .setScopeKeyBuilder(ScopedRoutes.ScopeKeyBuilder.newBuilder().addFragments(
                        ScopedRoutes.ScopeKeyBuilder.FragmentBuilder.newBuilder().setHeaderValueExtractor(
                                ScopedRoutes.ScopeKeyBuilder.FragmentBuilder.HeaderValueExtractor.newBuilder()
                                        .setName("x-tenant").setIndex(0))))
                .setScopedRouteConfigurationsList(ScopedRouteConfigurationsList.newBuilder()
                        .addScopedRouteConfigurations(scope("red")).addScopedRouteConfigurations(scope("blue")))
                .build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("scoped").setScopedRoutes(scoped).build();
        return Listener.newBuilder().setName("scoped").setAddress(XdsTestResources.address(port))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))))
                .build();
    }

    private HttpResponse<String> get(String tenant) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(5));
        if (tenant != null) {
            b.header("x-tenant", tenant);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void eachScopesRouteConfigurationComesOverRds() throws Exception {
        assertTrue(cp.requests(XdsResourceType.ROUTE.typeUrl).stream()
                .anyMatch(r -> r.getResourceNamesList().containsAll(List.of("routes-red", "routes-blue"))),
                "both scopes' route configurations were asked for");
        TestControlPlane.await("the scoped listener serving", () -> {
            try {
                return "red".equals(get("red").body());
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals("blue", get("blue").body());
        assertEquals(404, get("green").statusCode());
        assertEquals(404, get(null).statusCode());
    }
}

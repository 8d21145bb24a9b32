package io.remora.e2e.xds;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Any;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.ScopedRouteConfiguration;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.on_demand.v3.OnDemand;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ScopedRds;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ScopedRoutes;
import io.remora.e2e.TestUpstream;
import io.remora.testing.TempPaths;
import io.remora.xds.ads.TestControlPlane;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsTestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scoped RDS over ADS, as Envoy's ScopedRdsConfigSubscription (source/common/router/scoped_rds.cc) and
 * test/integration/scoped_rds_integration_test.cc: the listener's scopes come as ScopedRouteConfiguration resources
 * (a subscription without names), each naming a route configuration fetched over RDS; a request's {@code x-tenant}
 * header picks the scope. Scopes are added, updated and removed under traffic; a request no scope takes is the
 * router's 404 {@code route_not_found}.
 */
class ScopedRdsE2ETest {
    private static final String SRDS = "type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration";
    private final TestControlPlane cp = new TestControlPlane();
    private final HttpClient http = HttpClient.newHttpClient();
    private Path accessLog;
    private TestUpstream red;
    private TestUpstream blue;
    private TestUpstream green;
    private XdsProxy proxy;
    private int port;
    private Listener listener;

    private void start(boolean delta) throws Exception {
        start(delta, List.of(scope("red", "red"), scope("blue", "blue")));
    }

    /** The scoped listener over ADS with {@code scopes} and {@code filters} before the router, once red serves. */
    private void start(boolean delta, List<ScopedRouteConfiguration> scopes, HttpFilter... filters) throws Exception {
        accessLog = TempPaths.file("srds-access", "");
        cp.startTcp(0);
        red = TestUpstream.text("red");
        blue = TestUpstream.text("blue");
        green = TestUpstream.text("green");
        port = XdsProxy.freePort();
        listener = scopedListener(port, accessLog, filters);
        cp.set(snapshot("0", "routes-red", "routes-blue", "routes-green"));
        cp.setScopedRoutes("1", scopes.toArray(ScopedRouteConfiguration[]::new));
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, delta));
        TestControlPlane.await("the scoped listener serving", () -> "red".equals(body("red")));
    }

    /** The clusters, the scoped listener and the route configurations {@code routes} (each to its color). */
    private Snapshot snapshot(String version, String... routes) {
        return Snapshot.create(List.of(XdsTestResources.edsCluster("red", null), XdsTestResources.edsCluster("blue", null),
                        XdsTestResources.edsCluster("green", null)),
                List.of(XdsTestResources.endpoints("red", red.port()), XdsTestResources.endpoints("blue", blue.port()),
                        XdsTestResources.endpoints("green", green.port())),
                List.of(listener),
                java.util.Arrays.stream(routes).map(r -> XdsTestResources.route(r, r.substring("routes-".length())))
                        .toList(),
                List.of(), version);
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        cp.close();
        for (TestUpstream u : new TestUpstream[] {red, blue, green}) {
            if (u != null) {
                u.close();
            }
        }
    }

    static ScopedRouteConfiguration scope(String tenant, String routes) {
        return ScopedRouteConfiguration.newBuilder().setName(tenant).setRouteConfigurationName("routes-" + routes)
                .setKey(ScopedRouteConfiguration.Key.newBuilder().addFragments(
                        ScopedRouteConfiguration.Key.Fragment.newBuilder().setStringKey(tenant)))
                .build();
    }

    /** A listener whose connection manager picks its scope by {@code x-tenant}, with {@code filters} before the router. */
    static Listener scopedListener(int port, Path accessLog, HttpFilter... filters) {
        ScopedRoutes scoped = ScopedRoutes.newBuilder().setName("tenants").setRdsConfigSource(XdsTestResources.ADS)
                .setScopeKeyBuilder(ScopedRoutes.ScopeKeyBuilder.newBuilder().addFragments(
                        ScopedRoutes.ScopeKeyBuilder.FragmentBuilder.newBuilder().setHeaderValueExtractor(
                                ScopedRoutes.ScopeKeyBuilder.FragmentBuilder.HeaderValueExtractor.newBuilder()
                                        .setName("x-tenant").setIndex(0))))
                .setScopedRds(ScopedRds.newBuilder().setScopedRdsConfigSource(XdsTestResources.ADS))
                .build();
        AccessLog log = AccessLog.newBuilder().setName("envoy.access_loggers.file").setTypedConfig(Any.pack(
                FileAccessLog.newBuilder().setPath(accessLog.toString()).setLogFormat(SubstitutionFormatString.newBuilder()
                        .setTextFormatSource(DataSource.newBuilder().setInlineString(
                                "%REQ(x-tenant)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%\n")))
                        .build())).build();
        HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder().setStatPrefix("scoped")
                .setScopedRoutes(scoped).addAccessLog(log);
        if (filters.length > 0) {
            hcm.addAllHttpFilters(List.of(filters)).addHttpFilters(HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())));
        }
        return Listener.newBuilder().setName("scoped").setAddress(XdsTestResources.address(port))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm.build()))))
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

    private String body(String tenant) {
        try {
            HttpResponse<String> r = get(tenant);
            return r.statusCode() == 200 ? r.body() : String.valueOf(r.statusCode());
        } catch (Exception e) {
            return e.toString();
        }
    }

    private String stat(String name) {
        String prefix = "http.scoped.scoped_rds.tenants." + name + ": ";
        for (String line : proxy.admin("/stats?filter=scoped_rds").split("\n")) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
        }
        return null;
    }

    @Test
    void scopesComeOverSrdsAndTheirRoutesOverRds() throws Exception {
        start(false);
        assertTrue(cp.requests(SRDS).stream().allMatch(r -> r.getResourceNamesCount() == 0),
                "SRDS is subscribed without names, as Envoy's wildcard subscription");
        assertTrue(cp.requests(XdsResourceType.ROUTE.typeUrl).stream()
                        .anyMatch(r -> r.getResourceNamesList().containsAll(List.of("routes-red", "routes-blue"))),
                "both scopes' route configurations were asked for");
        cp.awaitSotwAck(SRDS, "1");
        assertEquals("blue", body("blue"));
        assertEquals("404", body("green"), "a key no scope has");
        assertEquals("404", body(null), "no key");
        TestControlPlane.await("the 404s logged", () -> {
            try {
                String log = Files.readString(accessLog);
                return log.contains("green 404 NR route_not_found\n") && log.contains("- 404 NR route_not_found\n");
            } catch (Exception e) {
                return false;
            }
        });

        // ScopedRdsConfigSubscription's stats in http.<stat_prefix>.scoped_rds.<name>.
        TestControlPlane.await("SRDS success counted", () -> "1".equals(stat("update_success")));
        assertEquals("2", stat("update_attempt"), "its start and its response");
        assertEquals("1", stat("config_reload"));
        assertEquals("2", stat("all_scopes"));
        assertEquals("0", stat("update_rejected"));
        assertEquals("\"1\"", stat("version_text"));
        assertTrue(stat("update_duration").startsWith("P0(nan,"), stat("update_duration"));

        JsonObject dump = XdsConfigDumpE2ETest.section(JsonParser.parseString(proxy.admin("/config_dump"))
                .getAsJsonObject(), "ScopedRoutesConfigDump");
        JsonArray dynamic = dump.getAsJsonArray("dynamic_scoped_route_configs");
        assertEquals(1, dynamic.size(), dump.toString());
        JsonObject srds = dynamic.get(0).getAsJsonObject();
        assertEquals("tenants", srds.get("name").getAsString());
        assertEquals("1", srds.get("version_info").getAsString());
        assertEquals(2, srds.getAsJsonArray("scoped_route_configs").size(), srds.toString());
        assertEquals("routes-red", srds.getAsJsonArray("scoped_route_configs").get(0).getAsJsonObject()
                .get("route_configuration_name").getAsString());
    }

    @Test
    void scopesAreAddedUpdatedAndRemovedWithoutDroppingTraffic() throws Exception {
        start(false);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread load = new Thread(() -> {
            while (running.get()) {
                String b = body("red");
                if (!b.equals("red")) {
                    failure.compareAndSet(null, b);
                }
                served.incrementAndGet();
            }
        });
        load.start();
        try {
            cp.setScopedRoutes("2", scope("red", "red"), scope("blue", "blue"), scope("green", "green"));
            TestControlPlane.await("the added scope", () -> "green".equals(body("green")));
            assertEquals("blue", body("blue"));

            // blue's scope now names green's routes; green's scope goes
            cp.setScopedRoutes("3", scope("red", "red"), scope("blue", "green"));
            TestControlPlane.await("the updated scope", () -> "green".equals(body("blue")));
            TestControlPlane.await("the removed scope", () -> "404".equals(body("green")));

            cp.setScopedRoutes("4", scope("red", "red"));
            TestControlPlane.await("every scope but red removed", () -> "404".equals(body("blue")));
            cp.awaitSotwAck(SRDS, "4");
            // the updates may all apply within a few requests: the load keeps going until it has seen some
            TestControlPlane.await("requests served", () -> served.get() > 10);
        } finally {
            running.set(false);
            load.join();
        }
        assertEquals(null, failure.get(), "the red scope kept serving while the others changed");
        assertTrue(served.get() > 10, "requests served under the updates: " + served.get());
        TestControlPlane.await("each update reloaded", () -> "4".equals(stat("config_reload")));
        assertEquals("1", stat("all_scopes"));
    }

    /**
     * Two scopes with one key fail the update (detectUpdateConflictAndCleanupRemoved): NACKed, counted in
     * update_rejected, and the scopes that run stay.
     */
    @Test
    void aKeyConflictIsRejectedAndTheScopesStay() throws Exception {
        start(false);
        cp.awaitSotwAck(SRDS, "1");
        ScopedRouteConfiguration twin = scope("red", "blue").toBuilder().setName("red-again").build();
        cp.setScopedRoutes("2", scope("red", "red"), twin);
        String error = cp.awaitNack(false, SRDS, "1");
        assertTrue(error.contains("scope key conflict found, first scope is 'red', second scope is 'red-again'"), error);
        assertEquals("red", body("red"));
        assertEquals("blue", body("blue"));
        TestControlPlane.await("the rejection counted", () -> "1".equals(stat("update_rejected")));
        assertEquals("1", stat("update_success"));
    }

    /** Over delta ADS: the same subscription, its scopes and their routes. */
    @Test
    void overDeltaAds() throws Exception {
        start(true);
        assertEquals("blue", body("blue"));
        assertEquals("404", body("green"));
        cp.setScopedRoutes("2", scope("red", "red"), scope("green", "green"));
        TestControlPlane.await("the added scope", () -> "green".equals(body("green")));
        TestControlPlane.await("the removed scope", () -> "404".equals(body("blue")));
        assertEquals("red", body("red"));
    }

    private static ScopedRouteConfiguration onDemand(ScopedRouteConfiguration scope) {
        return scope.toBuilder().setOnDemand(true).build();
    }

    private static HttpFilter onDemandFilter() {
        return HttpFilter.newBuilder().setName("envoy.filters.http.on_demand")
                .setTypedConfig(Any.pack(OnDemand.getDefaultInstance())).build();
    }

    /** How many RDS requests named {@code name} where the one before did not: each is a new subscription. */
    private long routesSubscribed(String name) {
        long n = 0;
        boolean before = false;
        for (var r : cp.requests(XdsResourceType.ROUTE.typeUrl)) {
            boolean now = r.getResourceNamesList().contains(name);
            n += now && !before ? 1 : 0;
            before = now;
        }
        for (var r : cp.deltaRequests(XdsResourceType.ROUTE.typeUrl)) {
            n += r.getResourceNamesSubscribeList().contains(name) ? 1 : 0;
        }
        return n;
    }

    /**
     * An on_demand scope (scoped_rds.cc's RdsRouteConfigProviderHelper; scoped_rds_integration_test.cc's
     * OnDemandUpdateSuccess, DifferentPriorityScopeShareRoute, OnDemandUpdateScopeNotMatch): its route
     * configuration is not asked for until a request's key names it and the on_demand filter asks; the requests
     * waiting on it share one fetch and run again once its routes arrive; one sharing an eager scope's routes is
     * served at once; the gauges count it.
     */
    @Test
    void anOnDemandScopeLoadsWhenARequestNeedsIt() throws Exception {
        start(false, List.of(scope("red", "red"), onDemand(scope("blue", "blue")), onDemand(scope("crimson", "red"))),
                onDemandFilter());
        cp.awaitSotwAck(SRDS, "1");
        TestControlPlane.await("the scope gauges", () -> "2".equals(stat("on_demand_scopes")));
        assertEquals("1", stat("active_scopes"));
        assertEquals("3", stat("all_scopes"));
        assertEquals(0, routesSubscribed("routes-blue"), "an on_demand scope's routes wait for a request");
        assertEquals("404", body("green"), "a key no scope has, with the on_demand filter too");

        cp.set(snapshot("1", "routes-red", "routes-green")); // blue's routes held back
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                waiting.add(pool.submit(() -> body("blue")));
            }
            TestControlPlane.await("blue's routes asked for", () -> routesSubscribed("routes-blue") == 1);
            assertTrue(waiting.stream().noneMatch(Future::isDone), "the requests wait for the scope's routes");
            cp.set(snapshot("2", "routes-red", "routes-blue", "routes-green"));
            for (Future<String> f : waiting) {
                assertEquals("blue", f.get(10, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, routesSubscribed("routes-blue"), "one fetch for every request waiting on the scope");
        assertEquals("red", body("crimson"), "loaded on demand over routes already there");
        TestControlPlane.await("both loaded scopes active", () -> "3".equals(stat("active_scopes")));
        assertEquals("2", stat("on_demand_scopes"));
        assertEquals("blue", body("blue"));

        // removed and sent again, it is a new scope: not loaded until a request asks again
        cp.setScopedRoutes("2", scope("red", "red"), onDemand(scope("crimson", "red")));
        TestControlPlane.await("blue removed", () -> "2".equals(stat("all_scopes")));
        cp.setScopedRoutes("3", scope("red", "red"), onDemand(scope("blue", "blue")), onDemand(scope("crimson", "red")));
        TestControlPlane.await("blue back", () -> "3".equals(stat("all_scopes")));
        assertEquals("2", stat("active_scopes"), "red and crimson");
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            Future<String> again = one.submit(() -> body("blue"));
            TestControlPlane.await("blue's routes asked for again", () -> routesSubscribed("routes-blue") == 2);
            // java-control-plane sends a route configuration asked for again only under a new version
            cp.set(snapshot("3", "routes-red", "routes-blue", "routes-green"));
            assertEquals("blue", again.get(10, TimeUnit.SECONDS), "loaded again");
        } finally {
            one.shutdownNow();
        }
        TestControlPlane.await("blue active again", () -> "3".equals(stat("active_scopes")));
    }

    /** Without the on_demand filter nothing loads the scope: the router's 404 NR, as Envoy's. */
    @Test
    void withoutTheOnDemandFilterAnUnloadedScopeIsNotFound() throws Exception {
        start(true, List.of(scope("red", "red"), onDemand(scope("blue", "blue"))));
        assertEquals("404", body("blue"));
        TestControlPlane.await("the 404 logged", () -> {
            try {
                return Files.readString(accessLog).contains("blue 404 NR route_not_found\n");
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(0, routesSubscribed("routes-blue"));
        assertEquals("1", stat("active_scopes"));
        assertEquals("1", stat("on_demand_scopes"));
    }
}

package io.remora.e2e.xds;

import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.SelfConfigSource;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.remora.xds.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static io.remora.e2e.xds.XdsAdsE2ETest.CDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.EDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.LDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.RDS;
import static io.remora.e2e.xds.XdsAdsE2ETest.awaitAck;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's non-aggregated config sources end to end: no ADS; lds_config and cds_config each an api_config_source,
 * the HCM's RDS and the clusters' EDS too (or {@code self}), so java-control-plane's ListenerDiscoveryService,
 * ClusterDiscoveryService, RouteDiscoveryService and EndpointDiscoveryService each serve a stream of their own,
 * state of the world (GRPC) and delta (DELTA_GRPC).
 */
class XdsApiConfigSourceE2ETest extends MeshTestBase {
    /** The same source as the bootstrap's lds_config and cds_config: the xds-grpc cluster. */
    static ConfigSource api(boolean delta) {
        return ConfigSource.newBuilder().setResourceApiVersion(ApiVersion.V3).setApiConfigSource(ApiConfigSource.newBuilder()
                .setApiType(delta ? ApiConfigSource.ApiType.DELTA_GRPC : ApiConfigSource.ApiType.GRPC)
                .setTransportApiVersion(ApiVersion.V3)
                .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName("xds-grpc"))))
                .build();
    }

    /** Starts the proxy on {@link XdsProxy#apiSourcesBootstrap}, RDS and EDS from {@code source}; all ACKed. */
    private void startProxy(boolean delta, ConfigSource source) throws Exception {
        mesh.rdsSource = source;
        mesh.edsSource = source;
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.apiSourcesBootstrap(cp.port, delta));
        for (String type : List.of(LDS, CDS, RDS, EDS)) {
            awaitAck(cp, delta, type, "0");
        }
    }

    /** Each type came on its own service's stream, none over ADS, all multiplexed on one connection. */
    private void assertOwnStreams() {
        assertTrue(Set.copyOf(cp.streamTypes).containsAll(List.of(LDS, CDS, RDS, EDS)), "streams: " + cp.streamTypes);
        assertFalse(cp.streamTypes.contains(""), "no ADS stream: " + cp.streamTypes);
        assertEquals(1, cp.connections.get(), "one HTTP/2 connection to the one server");
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void eachTypeOnItsOwnStreamServesAndUpdatesWithoutAFailedRequest(boolean delta) throws Exception {
        startProxy(delta, api(delta));
        assertOwnStreams();
        XdsProxy.Reply r = proxy.awaitReply("routed to cluster-a", mesh.listenerPort, "/hello", x -> x.status() == 200);
        assertEquals("u-a", r.body());
        assertEquals("gen-0", r.server(), "the HCM from LDS serves");
        assertEquals("u-b", proxy.get(mesh.listenerPort, "/b").body(), "RDS's /b reaches the EDS cluster with a service name");
        if (!delta) {
            DiscoveryRequest rds = cp.awaitRequest("RDS request", q -> q.getTypeUrl().equals(RDS));
            assertEquals(List.of("route-0"), rds.getResourceNamesList(), "RDS asks for the HCM's route configuration");
        }
        assertEquals(1.0, proxy.metric("envoy_listener_manager_lds_update_success"));
        assertEquals(1.0, proxy.metric("envoy_cluster_manager_cds_update_success"));
        assertEquals(1.0, proxy.metric("envoy_http_rds_update_success", "envoy_http_conn_manager_prefix=\"ingress_listener-0\"",
                "envoy_rds_route_config=\"route-0\""));
        assertEquals(1.0, proxy.metric("envoy_cluster_update_success", "envoy_cluster_name=\"cluster-a\""));
        assertEquals(1.0, proxy.metric("envoy_listener_manager_lds_control_plane_connected_state"));
        assertEquals(1.0, proxy.metric("envoy_cluster_manager_cds_control_plane_connected_state"));

        try (Load load = new Load(mesh.listenerPort, 2, "/", "/b")) {
            load.awaitProgress(20);
            mesh.target = "cluster-b";
            mesh.rdsVersion = "1";
            mesh.serverName = "gen-1";
            mesh.ldsVersion = "1";
            mesh.clusterGen = 1;
            mesh.cdsVersion = "1";
            cp.set(mesh.snapshot());
            for (String type : List.of(LDS, CDS, RDS)) {
                awaitAck(cp, delta, type, "1");
            }
            proxy.awaitReply("the update", mesh.listenerPort, "/", x -> "u-b".equals(x.body()) && "gen-1".equals(x.server()));
            load.awaitProgress(20);
            load.close();
            assertEquals(List.of(), load.failures, "no request failed while LDS, CDS and RDS changed");
        }
        assertEquals(2.0, proxy.metric("envoy_listener_manager_lds_update_success"));
        assertEquals(2.0, proxy.metric("envoy_cluster_manager_cds_update_success"));
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void badListenerIsNackedOnTheLdsStream(boolean delta) throws Exception {
        startProxy(delta, api(delta));
        proxy.awaitReply("first config", mesh.listenerPort, "/", x -> "u-a".equals(x.body()));

        mesh.badListener = true;
        mesh.ldsVersion = "1";
        cp.set(mesh.snapshot());
        String reason = cp.awaitNack(delta, LDS, "0");
        assertTrue(reason.contains("listener-bad"), "the reason names the listener: " + reason);
        assertEquals("u-a", proxy.get(mesh.listenerPort, "/").body(), "the accepted listener keeps serving");
        assertTrue(proxy.metric("envoy_listener_manager_lds_update_rejected") >= 1);
        assertOwnStreams();
    }

    /** {@code self}: RDS from the source that delivered the listener, EDS from the one that delivered the cluster. */
    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void selfMeansTheSourceOfTheReferringResource(boolean delta) throws Exception {
        ConfigSource self = ConfigSource.newBuilder().setSelf(SelfConfigSource.getDefaultInstance()).build();
        startProxy(delta, self);
        assertOwnStreams();
        assertEquals("u-a", proxy.awaitReply("routed", mesh.listenerPort, "/", x -> x.status() == 200).body());
    }

    /** A listener whose RDS source cannot be fetched (REST) is NACKed naming the field. */
    @Test
    void restRdsSourceIsNackedNamingTheField() throws Exception {
        mesh.rdsSource = ConfigSource.newBuilder().setApiConfigSource(ApiConfigSource.newBuilder()
                .setApiType(ApiConfigSource.ApiType.REST).addClusterNames("xds-grpc")).build();
        mesh.edsSource = api(false); // LDS is asked for once the clusters warmed
        cp.set(mesh.snapshot());
        proxy = XdsProxy.start(XdsProxy.apiSourcesBootstrap(cp.port, false));
        String reason = cp.awaitNack(false, LDS, "");
        assertTrue(reason.contains("listener-0") && reason.contains("rds.config_source.api_config_source.api_type")
                && reason.contains("REST"), reason);
    }

    @Test
    void validateModeAcceptsGrpcSourcesAndRefusesWhatServingCannotFetch(@TempDir Path dir) throws Exception {
        String good = XdsProxy.apiSourcesBootstrap(18000, false);
        assertEquals(0, validate(dir, good).exit, "GRPC lds_config/cds_config validate as they serve");
        Result rest = validate(dir, good.replace("api_type: GRPC", "api_type: REST"));
        assertEquals(1, rest.exit);
        assertTrue(rest.err.contains("dynamic_resources.lds_config.api_config_source.api_type")
                && rest.err.contains("REST"), rest.err);
        Result none = validate(dir, good.replace(", grpc_services: [{ envoy_grpc: { cluster_name: xds-grpc } }]", ""));
        assertEquals(1, none.exit);
        assertTrue(none.err.contains("dynamic_resources.lds_config.api_config_source.grpc_services"), none.err);
        Result missing = validate(dir, good.replace("cluster_name: xds-grpc", "cluster_name: nowhere"));
        assertEquals(1, missing.exit);
        assertTrue(missing.err.contains("grpc_services[0].envoy_grpc.cluster_name") && missing.err.contains("nowhere"),
                missing.err);
    }

    private record Result(int exit, String err) {
    }

    private static Result validate(Path dir, String yaml) throws Exception {
        Path f = Files.writeString(Files.createTempFile(dir, "bootstrap", ".yaml"), yaml);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(new String[] {"--mode", "validate", "-c", f.toString()});
        return new Result(exit, err.toString(StandardCharsets.UTF_8));
    }
}

package io.remora.e2e.xds;

import io.remora.e2e.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.remora.e2e.xds.XdsFileConfigE2ETest.moveIntoPlace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's ClusterImplBase::parseDropOverloadConfig with the runtime's {@code load_balancing_policy.drop_overload_limit}
 * over 100: a load assignment with drop_overloads is refused as it is taken (an EDS update rejected, counted in
 * {@code update_rejected}, its hosts kept; a static cluster fails the start), read from the runtime at each update.
 */
class DropOverloadLimitE2ETest {
    @TempDir
    Path dir;

    private static final String RUNTIME = """
            layered_runtime:
              layers:
              - name: static
                static_layer: { load_balancing_policy.drop_overload_limit: 101 }
              - name: admin
                admin_layer: {}
            """;

    private static String dropping(String version, int port) {
        return XdsFileEdsRdsE2ETest.cla(version, "svc", port) + """
                  policy: { drop_overloads: [ { category: throttle, drop_percentage: { numerator: 100, denominator: HUNDRED } } ] }
                """;
    }

    @Test
    void anEdsUpdateWithDropsIsRejectedWhileTheLimitIsOver100() throws Exception {
        try (TestUpstream a = TestUpstream.text("u-a"); TestUpstream b = TestUpstream.text("u-b")) {
            int port = XdsProxy.freePort();
            Path eds = dir.resolve("eds.yaml");
            Files.writeString(eds, XdsFileEdsRdsE2ETest.cla("1", "svc", a.port()));
            try (XdsProxy proxy = XdsProxy.start(RUNTIME + XdsFileEdsRdsE2ETest.staticEdsBootstrap(port, eds))) {
                proxy.awaitReply("the endpoints without drops", port, "/", r -> r.body().equals("u-a"));

                moveIntoPlace(eds, dropping("2", b.port()));
                XdsFileEdsRdsE2ETest.awaitMetric(proxy, "envoy_cluster_update_rejected",
                        "envoy_cluster_name=\"from-file\"", 1.0);
                proxy.awaitReply("the hosts kept, nothing dropped", port, "/", r -> r.body().equals("u-a"));

                // the limit as the next update reads it: 0 keeps the assignment and drops nothing
                assertEquals(200, proxy.adminPost("/runtime_modify?load_balancing_policy.drop_overload_limit=0"));
                moveIntoPlace(eds, dropping("3", b.port()));
                proxy.awaitReply("the update taken under a valid limit", port, "/", r -> r.body().equals("u-b"));
                assertEquals(1.0, proxy.metric("envoy_cluster_update_rejected", "envoy_cluster_name=\"from-file\""));
            }
        }
    }

    @Test
    void aStaticClusterWithDropsFailsTheStartWhileTheLimitIsOver100() {
        String bootstrap = RUNTIME + """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                static_resources:
                  clusters:
                  - name: plain
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment: { cluster_name: plain }
                  - name: dropping
                    type: STATIC
                    connect_timeout: 1s
                    load_assignment:
                      cluster_name: dropping
                      policy: { drop_overloads: [ { category: throttle, drop_percentage: { numerator: 5 } } ] }
                """;
        var e = assertThrows(RuntimeException.class, () -> XdsProxy.start(bootstrap));
        assertTrue(e.getMessage().equals("static_resources.clusters[1].load_assignment.policy.drop_overloads: "
                + "load_balancing_policy.drop_overload_limit runtime key config 101 is invalid. The valid range is 0~100"),
                e.getMessage());
    }
}

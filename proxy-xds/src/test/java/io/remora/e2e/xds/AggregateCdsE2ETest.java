package io.remora.e2e.xds;

import io.remora.e2e.AggregateClusterE2ETest;
import io.remora.e2e.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An aggregate cluster delivered by CDS (a watched file) follows its members as CDS changes them:
 * a member named before it exists is skipped until it arrives, then takes the traffic; an update
 * that makes its host unhealthy, or removes it, fails over again.
 */
class AggregateCdsE2ETest {
    @TempDir
    Path dir;

    @Test
    void theAggregateFollowsItsMembersThroughCdsUpdates() throws Exception {
        try (TestUpstream primary = TestUpstream.text("primary"); TestUpstream fallback = TestUpstream.text("fallback")) {
            int port = XdsProxy.freePort();
            Path lds = dir.resolve("lds.yaml");
            Path cds = dir.resolve("cds.yaml");
            Files.writeString(cds, cds("1", member("fallback", fallback.port(), "HEALTHY")));
            Files.writeString(lds, XdsFileConfigE2ETest.lds("1", port, "agg", "aggregate"));
            try (XdsProxy proxy = XdsProxy.start(XdsFileConfigE2ETest.bootstrap(lds, cds))) {
                proxy.awaitReply("the aggregate without its first member", port, "/", r -> r.body().equals("fallback"));

                XdsFileConfigE2ETest.moveIntoPlace(cds, cds("2", member("fallback", fallback.port(), "HEALTHY")
                        + member("primary", primary.port(), "HEALTHY")));
                proxy.awaitReply("the first member delivered later", port, "/", r -> r.body().equals("primary"));
                int before = primary.requests.get();
                for (int i = 0; i < 10; i++) {
                    assertEquals("primary", proxy.get(port, "/").body());
                }
                assertEquals(before + 10, primary.requests.get());

                XdsFileConfigE2ETest.moveIntoPlace(cds, cds("3", member("fallback", fallback.port(), "HEALTHY")
                        + member("primary", primary.port(), "UNHEALTHY")));
                proxy.awaitReply("the first member's host gone unhealthy", port, "/", r -> r.body().equals("fallback"));

                XdsFileConfigE2ETest.moveIntoPlace(cds, cds("4", member("primary", primary.port(), "HEALTHY")));
                proxy.awaitReply("the fallback removed, the first member healthy", port, "/",
                        r -> r.body().equals("primary"));

                XdsFileConfigE2ETest.moveIntoPlace(cds, cds("5", ""));
                proxy.awaitReply("no member left", port, "/",
                        r -> r.status() == 503 && r.body().equals("no healthy upstream"));
            }
        }
    }

    private static String member(String name, int port, String health) {
        return """
                - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                  name: %s
                  type: STATIC
                  connect_timeout: 1s
                  load_assignment:
                    cluster_name: %s
                    endpoints:
                    - lb_endpoints:
                      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
                        health_status: %s
                """.formatted(name, name, port, health);
    }

    /** The aggregate agg over primary then fallback, and these member clusters (resources list items). */
    private static String cds(String version, String members) {
        return "version_info: \"" + version + "\"\nresources:\n"
                + "- \"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\n  "
                + AggregateClusterE2ETest.aggregate("agg", "primary", "fallback").substring(2) + members;
    }
}

package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.DiscoveryType;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.stats.StatsRegistry;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** ORIGINAL_DST with original_dst_lb_config: the x-envoy-original-dst-host header and the port override. */
class OriginalDstClusterTest {

    private static ClusterConfig withLb(ClusterConfig c, ClusterConfig.OriginalDstLb lb) {
        return c.toBuilder().originalDstLb(lb).build();
    }

    private static LoadBalancerContext ctx(InetSocketAddress dst, String header) {
        return new LoadBalancerContext() {
            @Override
            public InetSocketAddress originalDestination() {
                return dst;
            }

            @Override
            public CharSequence downstreamHeader(String name) {
                return name.equals("x-envoy-original-dst-host") ? header : null;
            }
        };
    }

    @Test
    void headerOverridesTheConnectionsDestination() {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("o", withLb(TestClusters.cluster("o", DiscoveryType.ORIGINAL_DST, LbPolicy.CLUSTER_PROVIDED,
                    null), new ClusterConfig.OriginalDstLb("x-envoy-original-dst-host", 0))));
            InetSocketAddress conn = new InetSocketAddress("10.1.2.3", 8080);
            Cluster o = cm.get("o");
            assertEquals(new InetSocketAddress("10.9.9.9", 9000), o.chooseHost(ctx(conn, "10.9.9.9:9000")).address());
            assertEquals(new InetSocketAddress("fd00::1", 443), o.chooseHost(ctx(conn, "[fd00::1]:443")).address());
            // No header: the connection's original destination.
            assertEquals(conn, o.chooseHost(ctx(conn, null)).address());
            // A header that is not IP:port leaves no host (503), as in Envoy.
            assertNull(o.chooseHost(ctx(conn, "backend.local:80")));
            assertNull(o.chooseHost(ctx(conn, "10.0.0.1")));
            assertNull(o.chooseHost(ctx(conn, "fd00::1:80")));
        }
    }

    @Test
    void headerIsIgnoredUnlessAskedForAndPortOverrideApplies() {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("o", withLb(TestClusters.cluster("o", DiscoveryType.ORIGINAL_DST, LbPolicy.CLUSTER_PROVIDED,
                    null), new ClusterConfig.OriginalDstLb(null, 15008))));
            InetSocketAddress conn = new InetSocketAddress("10.1.2.3", 8080);
            assertEquals(new InetSocketAddress("10.1.2.3", 15008),
                    cm.get("o").chooseHost(ctx(conn, "10.9.9.9:9000")).address());
        }
    }
}

package io.remora.xds.grpc;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.stats.ClusterStats;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;
import io.remora.upstream.ResourceLimits;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A side-call channel (access log service, stats sinks, tracers) tries its collector again on the caller's next use,
 * as Envoy's calls go through the cluster's pool each time: not after gRPC's own back-off (1 s, 1.6 s, 2.6 s...).
 */
class ClusterChannelTest {
    @Test
    void eachUseAfterAFailedConnectionTriesAgain() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket dropping = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!dropping.isClosed()) {
                    try (Socket s = dropping.accept()) {
                        accepted.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            Host host = new Host(new Address.Tcp("127.0.0.1", dropping.getLocalPort()),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), dropping.getLocalPort()), null,
                    ClusterLoadAssignment.Locality.NONE, 1, ClusterLoadAssignment.HealthStatus.HEALTHY);
            try (ClusterChannel channel = new ClusterChannel(manager(host), "collector", "")) {
                long until = System.nanoTime() + 10_000_000_000L;
                while (accepted.get() == 0 && System.nanoTime() < until) {
                    channel.get().getState(true);
                    Thread.sleep(20);
                }
                int first = accepted.get();
                long end = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < end) {
                    channel.get().getState(true);
                    Thread.sleep(50);
                }
                int more = accepted.get() - first;
                assertTrue(first > 0 && more >= 10, "connections in 2 s of uses every 50 ms: " + more);
            }
        }
    }

    private static final ClusterConfig CONFIG = ClusterConfig.builder("collector").build();

    private static ClusterManager manager(Host host) {
        Cluster cluster = new Cluster() {
            @Override
            public String name() {
                return "collector";
            }

            @Override
            public ClusterConfig config() {
                return CONFIG;
            }

            @Override
            public io.remora.upstream.TransportSocketFactory transportSocketFactory() {
                return io.remora.upstream.TransportSocketFactory.RAW;
            }

            @Override
            public ClusterStats stats() {
                return null;
            }

            @Override
            public List<Host> hosts() {
                return List.of(host);
            }

            @Override
            public Host chooseHost(LoadBalancerContext context) {
                return host;
            }

            @Override
            public ResourceLimits limits() {
                return null;
            }
        };
        return new ClusterManager() {
            @Override
            public Cluster get(String name) {
                return name.equals("collector") ? cluster : null;
            }

            @Override
            public Collection<Cluster> all() {
                return List.of(cluster);
            }
        };
    }
}

package io.remora.upstream;

import static io.remora.upstream.TestClusters.cla;
import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.DiscoveryType;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.stats.StatsRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClusterManagerImplTest {

    private static Host hostOn(Cluster c, int port) {
        return c.hosts().stream().filter(h -> ((InetSocketAddress) h.address()).getPort() == port)
                .findFirst().orElse(null);
    }

    @Test
    void updateKeepsHostIdentityForSurvivingAddresses() {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("a", staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", 1), ep("127.0.0.1", 2))));
            Cluster before = cm.get("a");
            Host h2 = hostOn(before, 2);
            Host h1 = hostOn(before, 1);
            ClusterConfig next = TestClusters.cluster("a", DiscoveryType.EDS, LbPolicy.ROUND_ROBIN, null);
            // Same type keeps the cluster; EDS-style update of a STATIC cluster's endpoints:
            cm.update(Map.of("a", staticCluster("a", LbPolicy.LEAST_REQUEST, ep("127.0.0.1", 2), ep("127.0.0.1", 3))));
            Cluster after = cm.get("a");
            assertSame(before, after);
            assertSame(h2, hostOn(after, 2));
            assertNull(hostOn(after, 1));
            assertNotNull(hostOn(after, 3));
            assertEquals(LbPolicy.LEAST_REQUEST, after.config().lbPolicy());
            for (int i = 0; i < 100; i++) {
                assertFalse(after.chooseHost(null) == h1);
            }
            assertNotNull(next);
        }
    }

    @Test
    void edsAssignmentArrivesThroughUpdate() {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("e", TestClusters.cluster("e", DiscoveryType.EDS, LbPolicy.ROUND_ROBIN, null)));
            assertFalse(cm.initialized().isDone());
            assertNull(cm.get("e").chooseHost(null));
            cm.update(Map.of("e", TestClusters.cluster("e", DiscoveryType.EDS, LbPolicy.ROUND_ROBIN,
                    cla("e", ep("10.0.0.1", 80)))));
            assertTrue(cm.initialized().isDone());
            assertEquals(new InetSocketAddress("10.0.0.1", 80), cm.get("e").chooseHost(null).address());
            assertEquals(1, cm.get("e").stats().membershipTotal.get());
        }
    }

    @Test
    void clustersAreAddedAndRemoved() {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("a", staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", 1))));
            ResourceLimits limits = cm.get("a").limits();
            cm.update(Map.of("b", staticCluster("b", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", 1))));
            assertNull(cm.get("a"));
            assertNotNull(cm.get("b"));
            assertEquals(1, cm.all().size());
            assertNotNull(limits);
        }
    }

    @Test
    void circuitBreakerThresholdsUpdateInPlace() {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            ClusterConfig c = staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", 1));
            cm.update(Map.of("a", c));
            ResourceLimits limits = cm.get("a").limits();
            assertTrue(limits.tryAcquireConnection());
            ClusterConfig tight = c.toBuilder().circuitBreakers(new ClusterConfig.CircuitBreakers(1, 1, 1, 1)).build();
            cm.update(Map.of("a", tight));
            assertSame(limits, cm.get("a").limits());
            assertFalse(limits.tryAcquireConnection());
        }
    }

    @Test
    void strictDnsResolvesLocalhost() throws Exception {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("d", TestClusters.cluster("d", DiscoveryType.STRICT_DNS, LbPolicy.ROUND_ROBIN,
                    cla("d", ep("localhost", 8080)))));
            cm.initialized().get(10, TimeUnit.SECONDS);
            Host h = cm.get("d").chooseHost(null);
            assertNotNull(h);
            InetSocketAddress a = (InetSocketAddress) h.address();
            assertTrue(a.getAddress().isLoopbackAddress(), a.toString());
            assertEquals(8080, a.getPort());
            assertEquals("localhost", h.hostname());
        }
    }

    @Test
    void strictDnsUnionsAllAddressesAndLogicalDnsTakesTheFirst() throws Exception {
        DnsResolver fake = name -> switch (name) {
            case "multi" -> new InetAddress[] {InetAddress.getByName("10.0.0.1"), InetAddress.getByName("10.0.0.2")};
            case "other" -> new InetAddress[] {InetAddress.getByName("10.0.0.3")};
            default -> throw new java.net.UnknownHostException(name);
        };
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry(), fake)) {
            cm.update(Map.of(
                    "s", TestClusters.cluster("s", DiscoveryType.STRICT_DNS, LbPolicy.ROUND_ROBIN,
                            cla("s", ep("multi", 80), ep("other", 80))),
                    "l", TestClusters.cluster("l", DiscoveryType.LOGICAL_DNS, LbPolicy.ROUND_ROBIN,
                            cla("l", ep("multi", 81)))));
            cm.initialized().get(10, TimeUnit.SECONDS);
            assertEquals(3, awaitHosts(cm.get("s"), 3).size());
            assertEquals(1, cm.get("l").hosts().size());
            assertEquals(new InetSocketAddress("10.0.0.1", 81), cm.get("l").chooseHost(null).address());
        }
    }

    @Test
    void originalDstHostIsTheDestination() {
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            cm.update(Map.of("o", TestClusters.cluster("o", DiscoveryType.ORIGINAL_DST,
                    LbPolicy.CLUSTER_PROVIDED, null)));
            InetSocketAddress dst = new InetSocketAddress("10.1.2.3", 8080);
            LoadBalancerContext ctx = new LoadBalancerContext() {
                @Override
                public InetSocketAddress originalDestination() {
                    return dst;
                }
            };
            Host h = cm.get("o").chooseHost(ctx);
            assertEquals(dst, h.address());
            assertSame(h, cm.get("o").chooseHost(ctx));
            assertNull(cm.get("o").chooseHost(LoadBalancerContext.NONE));
        }
    }

    @Test
    void failedDnsRefreshKeepsTheNamesLastHosts() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean failFlaky = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
        DnsResolver fake = name -> {
            if (name.equals("stable")) {
                rounds.incrementAndGet();
                return new InetAddress[] {InetAddress.getByName("10.0.0.1")};
            }
            if (failFlaky.get()) {
                throw new java.net.UnknownHostException(name);
            }
            return new InetAddress[] {InetAddress.getByName("10.0.0.2")};
        };
        ClusterConfig base = TestClusters.cluster("s", DiscoveryType.STRICT_DNS, LbPolicy.ROUND_ROBIN,
                cla("s", ep("stable", 80), ep("flaky", 80)));
        ClusterConfig fast = base.toBuilder().altStatName(null).edsServiceName(null)
                .dnsRefreshRate(java.time.Duration.ofMillis(20)).build();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry(), fake)) {
            cm.update(Map.of("s", fast));
            cm.initialized().get(10, TimeUnit.SECONDS);
            awaitHosts(cm.get("s"), 2);
            Host flakyHost = hostOn10(cm.get("s"), "10.0.0.2");
            assertNotNull(flakyHost);
            failFlaky.set(true);
            int seen = rounds.get();
            while (rounds.get() < seen + 3) {
                Thread.sleep(10);
            }
            assertSame(flakyHost, hostOn10(cm.get("s"), "10.0.0.2"));
            assertEquals(2, cm.get("s").hosts().size());
        }
    }

    @Test
    void logicalDnsKeepsItsHostWhenAnAnswerHasNoAddress() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean empty = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        DnsResolver fake = name -> {
            lookups.incrementAndGet();
            return empty.get() ? new InetAddress[0] : new InetAddress[] {InetAddress.getByName("10.0.0.1")};
        };
        ClusterConfig c = TestClusters.cluster("l", DiscoveryType.LOGICAL_DNS, LbPolicy.ROUND_ROBIN, cla("l", ep("one", 80)))
                .toBuilder().dnsRefreshRate(java.time.Duration.ofMillis(20)).build();
        StatsRegistry stats = new StatsRegistry();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(stats, fake)) {
            cm.update(Map.of("l", c));
            cm.initialized().get(10, TimeUnit.SECONDS);
            Host h = cm.get("l").chooseHost(null);
            empty.set(true);
            int seen = lookups.get();
            while (lookups.get() < seen + 3) {
                Thread.sleep(10);
            }
            // As Envoy's logical DNS cluster: an answer without an address is a failed resolution.
            assertSame(h, cm.get("l").chooseHost(null));
            assertTrue(counter(stats, "envoy_cluster_update_failure", "l") >= 2);
        }
    }

    @Test
    void aRemovedClustersLookupUnderWayIsCancelled() throws Exception {
        java.util.concurrent.BlockingQueue<java.util.concurrent.CompletableFuture<DnsAnswer>> started =
                new java.util.concurrent.LinkedBlockingQueue<>();
        // A resolver whose server never answers, as Envoy's c-ares query to a silent server.
        DnsResolver silent = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String name) throws java.net.UnknownHostException {
                throw new java.net.UnknownHostException("blocking lookups are not expected");
            }

            @Override
            public java.util.concurrent.CompletableFuture<DnsAnswer> lookup(String name,
                    ClusterConfig.DnsLookupFamily family, java.util.concurrent.Executor blocking) {
                java.util.concurrent.CompletableFuture<DnsAnswer> f = new java.util.concurrent.CompletableFuture<>();
                started.add(f);
                return f;
            }
        };
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry(), silent)) {
            cm.update(Map.of("s", TestClusters.cluster("s", DiscoveryType.STRICT_DNS, LbPolicy.ROUND_ROBIN,
                    cla("s", ep("quiet", 80)))));
            java.util.concurrent.CompletableFuture<DnsAnswer> lookup = started.poll(10, TimeUnit.SECONDS);
            assertTrue(lookup != null, "the lookup started");
            cm.update(Map.of());
            // As Envoy's ~ResolveTarget: the query under way is abandoned with its cluster (at once,
            // or as the DNS thread, which may not have recorded it yet, finds its cluster gone).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!lookup.isCancelled() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(lookup.isCancelled());
        }
    }

    @Test
    void eachResolutionOfEachNameIsCountedAsEnvoys() throws Exception {
        DnsResolver fake = name -> {
            if (name.equals("gone")) {
                throw new java.net.UnknownHostException(name);
            }
            return new InetAddress[] {InetAddress.getByName("10.0.0.1")};
        };
        ClusterConfig c = TestClusters.cluster("s", DiscoveryType.STRICT_DNS, LbPolicy.ROUND_ROBIN,
                cla("s", ep("here", 80), ep("gone", 80))).toBuilder().dnsRefreshRate(java.time.Duration.ofMillis(20))
                .build();
        StatsRegistry stats = new StatsRegistry();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(stats, fake)) {
            cm.update(Map.of("s", c));
            cm.initialized().get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((counter(stats, "envoy_cluster_update_no_rebuild", "s") < 3
                    || counter(stats, "envoy_cluster_update_failure", "s") < 2) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            cm.close(); // no more resolutions: the counts stand still
            double attempts = counter(stats, "envoy_cluster_update_attempt", "s");
            double successes = counter(stats, "envoy_cluster_update_success", "s");
            double failures = counter(stats, "envoy_cluster_update_failure", "s");
            assertTrue(successes >= 4 && failures >= 2, successes + " successes, " + failures + " failures");
            // each attempt ends in one of the two, but for those still under way at the close (one per name)
            assertTrue(attempts >= successes + failures && attempts <= successes + failures + 2,
                    attempts + " attempts, " + successes + " successes, " + failures + " failures");
            assertEquals(1, cm.get("s").hosts().size());
        }
    }

    private static double counter(StatsRegistry stats, String name, String cluster) {
        io.micrometer.core.instrument.Counter c = stats.meterRegistry().find(name)
                .tag(io.remora.stats.ClusterStats.TAG, cluster).counter();
        return c == null ? 0 : c.count();
    }

    /**
     * A strict DNS cluster is initialized by the first of its names' resolutions to end, as Envoy's;
     * its other names' hosts join as they resolve: the hosts once there are {@code n} (or after 10 s).
     */
    private static java.util.List<Host> awaitHosts(Cluster c, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (c.hosts().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return c.hosts();
    }

    private static Host hostOn10(Cluster c, String ip) {
        return c.hosts().stream().filter(h -> ((InetSocketAddress) h.address()).getAddress().getHostAddress().equals(ip))
                .findFirst().orElse(null);
    }
}

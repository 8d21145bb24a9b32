package io.remora.upstream.health;

import io.remora.config.ClusterConfig;
import io.remora.config.HealthCheckConfig;
import io.remora.http.testing.TestServerContext;
import io.remora.stats.StatsRegistry;
import io.remora.testing.TempPaths;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManagerImpl;
import io.remora.upstream.HealthFlag;
import io.remora.upstream.Host;
import io.remora.upstream.TestClusters;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.remora.upstream.health.HealthCheckerTest.await;
import static io.remora.upstream.health.HealthCheckerTest.cluster;
import static io.remora.upstream.health.HealthCheckerTest.only;
import static io.remora.upstream.health.HealthCheckerTest.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How many checks, at what intervals, move a host between healthy and failed, as Envoy's
 * {@code HealthCheckerImplBase}: the edge intervals while a transition is pending (a result against
 * the host's state, short of its threshold), the plain ones otherwise, the no-traffic ones until the
 * cluster has had traffic; a passive failure counts as the host's first check.
 */
class HealthCheckTransitionsTest {

    private static void between(long low, long high, long v, String what) {
        assertTrue(v >= low && v < high, what + ": " + v + " not in [" + low + ", " + high + ")");
    }

    /** When the checker logged the first event of {@code kind} from line {@code from} on; its line is {@code at[0]}. */
    private static long loggedAt(List<String> lines, String kind, int from, int[] at) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).contains("\"" + kind + "\"")) {
                Matcher m = TIMESTAMP.matcher(lines.get(i));
                assertTrue(m.find(), lines.get(i));
                at[0] = i;
                return Instant.parse(m.group(1)).toEpochMilli();
            }
        }
        throw new AssertionError("no " + kind + " from line " + from + " in " + lines);
    }

    private static long count(Path log, String kind) {
        try {
            return Files.readAllLines(log).stream().filter(l -> l.contains("\"" + kind + "\"")).count();
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\":\"([^\"]+)\"");

    /**
     * Envoy's HealthCheckIntervals test in real time, connect refused then accepted again: the checks
     * that count towards a threshold follow each other at the edge intervals, the checks after a
     * transition at the plain ones. Gaps are read from the checker's own event log.
     */
    @Test
    void aFailingHostWaitsTheEdgeIntervalsWhileItsTransitionIsPending() throws Exception {
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int port = ss.getLocalPort();
        Duration plain = Duration.ofMillis(300);
        Duration edge = Duration.ofMillis(800);
        Path log = TempPaths.file("hc-edges", ".log");
        HealthCheckConfig hc = HealthCheckConfig.builder(Duration.ofSeconds(2), plain, new HealthCheckConfig.Tcp("", List.of()))
                .thresholds(3, 3).unhealthyInterval(plain).unhealthyEdgeInterval(edge).healthyEdgeInterval(edge)
                .noTrafficInterval(plain).alwaysLog(true, true).eventLogPath(log.toString()).build();
        StatsRegistry stats = new StatsRegistry();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
            ClusterConfig noChecks = TestClusters.staticCluster("hc", ClusterConfig.LbPolicy.ROUND_ROBIN,
                    TestClusters.ep("127.0.0.1", port));
            cm.update(Map.of("hc", noChecks));
            cm.get("hc").stats().upstreamCxTotal.increment(); // traffic: the edge intervals apply
            Host h = only(cluster(cm, port, hc));
            await("first check passes", h::isHealthy);

            ss.close(); // every check is now refused: a network failure, counted to unhealthy_threshold
            await("unhealthy at the third failure", () -> h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            assertTrue(stat(stats, "network_failure") >= 3, "not before the third failure");
            try (ServerSocket back = new ServerSocket()) {
                back.setReuseAddress(true);
                back.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
                await("healthy at the third pass", h::isHealthy);
                // The host's flags change just before its event is written: wait for the line too.
                await("the return logged", () -> count(log, "add_healthy_event") >= 2);
            }
        }
        List<String> lines = Files.readAllLines(log);
        int[] at = {0};
        long firstFailure = loggedAt(lines, "health_check_failure_event", 0, at);
        long ejected = loggedAt(lines, "eject_unhealthy_event", at[0], at);
        long firstPass = loggedAt(lines, "successful_health_check_event", at[0], at);
        long back = loggedAt(lines, "add_healthy_event", at[0], at);
        long twoEdges = 2 * edge.toMillis() - 50;
        assertTrue(ejected - firstFailure >= twoEdges,
                "two unhealthy_edge_interval waits between the three failures: " + (ejected - firstFailure) + " ms");
        assertTrue(back - firstPass >= twoEdges,
                "two healthy_edge_interval waits between the three passes: " + (back - firstPass) + " ms");
    }

    @Test
    void nextCheckFollowsTrafficTransitionsAndJitter() {
        StatsRegistry stats = new StatsRegistry();
        try (io.remora.upstream.UpstreamRuntime runtime = TestClusters.runtime(stats.meterRegistry())) {
            HealthCheckConfig c = HealthCheckConfig.builder(Duration.ofSeconds(1), Duration.ofMillis(1000),
                    new HealthCheckConfig.Tcp("", List.of())).intervalJitter(Duration.ofMillis(100)).intervalJitterPercent(10)
                    .thresholds(2, 2).unhealthyInterval(Duration.ofMillis(2000)).unhealthyEdgeInterval(Duration.ofMillis(3000))
                    .healthyEdgeInterval(Duration.ofMillis(4000)).noTrafficInterval(Duration.ofMillis(5000))
                    .noTrafficHealthyInterval(Duration.ofMillis(6000)).build();
            io.remora.stats.ClusterStats cs = stats.cluster("timing");
            HealthChecker hc = new HealthChecker("timing", c, runtime, cs, () -> { }, h -> { },
                    () -> io.remora.upstream.TransportSocketFactory.RAW, () -> null);
            java.util.Set<Long> seen = new java.util.HashSet<>();
            HealthChecker.Transition unchanged = HealthChecker.Transition.UNCHANGED;
            HealthChecker.Transition changed = HealthChecker.Transition.CHANGED;
            HealthChecker.Transition pending = HealthChecker.Transition.CHANGE_PENDING;
            for (int i = 0; i < 50; i++) {
                // Every delay: base + up to interval_jitter_percent of it + up to interval_jitter.
                long failed = hc.intervalMillis(true, unchanged);
                between(5000, 5000 + 500 + 100, failed, "no_traffic_interval after a failed check");
                between(5000, 5000 + 500 + 100, hc.intervalMillis(false, pending),
                        "no_traffic_interval after a pass short of healthy_threshold");
                between(6000, 6000 + 600 + 100, hc.intervalMillis(false, unchanged), "no_traffic_healthy_interval");
                between(6000, 6000 + 600 + 100, hc.intervalMillis(false, changed),
                        "no_traffic_healthy_interval once the host is back");
                seen.add(failed);
            }
            assertTrue(seen.size() > 5, "jittered: " + seen);
            cs.upstreamCxTotal.increment(); // the cluster has made a connection
            for (int i = 0; i < 50; i++) {
                between(1000, 1000 + 100 + 100, hc.intervalMillis(false, unchanged), "interval");
                between(1000, 1000 + 100 + 100, hc.intervalMillis(false, changed), "interval once the host is back");
                between(4000, 4000 + 400 + 100, hc.intervalMillis(false, pending),
                        "healthy_edge_interval while passes are counted");
                between(2000, 2000 + 200 + 100, hc.intervalMillis(true, unchanged), "unhealthy_interval");
                between(2000, 2000 + 200 + 100, hc.intervalMillis(true, changed), "unhealthy_interval once failed");
                between(3000, 3000 + 300 + 100, hc.intervalMillis(true, pending),
                        "unhealthy_edge_interval while failures are counted");
            }
        }
    }

    /** Bytes sent or received count as traffic too (Envoy's connectionless clusters, udp_proxy). */
    @Test
    void bytesWithoutAConnectionCountAsTraffic() {
        StatsRegistry stats = new StatsRegistry();
        try (io.remora.upstream.UpstreamRuntime runtime = TestClusters.runtime(stats.meterRegistry())) {
            HealthCheckConfig c = HealthCheckConfig.builder(Duration.ofSeconds(1), Duration.ofMillis(1000),
                    new HealthCheckConfig.Tcp("", List.of())).noTrafficInterval(Duration.ofMillis(5000)).build();
            io.remora.stats.ClusterStats cs = stats.cluster("udp");
            HealthChecker hc = new HealthChecker("udp", c, runtime, cs, () -> { }, h -> { },
                    () -> io.remora.upstream.TransportSocketFactory.RAW, () -> null);
            assertEquals(5000, hc.intervalMillis(false, HealthChecker.Transition.UNCHANGED));
            cs.upstreamCxTxBytesTotal.increment(10);
            assertEquals(1000, hc.intervalMillis(false, HealthChecker.Transition.UNCHANGED));
        }
    }

    /**
     * Envoy's setUnhealthy(PASSIVE): an immediate failure while the first check is in flight ends
     * the first check, so the pass that follows is counted towards healthy_threshold instead of
     * bringing the host in at once.
     */
    @Test
    void aPassiveFailureBeforeTheFirstResultMakesThePassesCount() throws Exception {
        CountDownLatch firstAccepted = new CountDownLatch(1);
        CountDownLatch answerFirst = new CountDownLatch(1);
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!ss.isClosed()) {
                    try {
                        Socket s = ss.accept();
                        held.add(s);
                        s.getInputStream().readNBytes(4);
                        if (firstAccepted.getCount() > 0) {
                            firstAccepted.countDown();
                            answerFirst.await();
                        }
                        s.getOutputStream().write("PONG".getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                    } catch (Exception e) {
                        // closed
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            Path log = TempPaths.file("hc-passive", ".log");
            Duration interval = Duration.ofMillis(500);
            HealthCheckConfig hc = HealthCheckConfig.builder(Duration.ofSeconds(5), interval,
                    new HealthCheckConfig.Tcp("50494e47", List.of("504f4e47"))).thresholds(1, 2)
                    .noTrafficInterval(interval).alwaysLog(true, false).eventLogPath(log.toString()).build();
            StatsRegistry stats = new StatsRegistry();
            try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
                Cluster c = cluster(cm, ss.getLocalPort(), hc);
                Host h = only(c);
                assertTrue(firstAccepted.await(30, TimeUnit.SECONDS), "first check connected");
                c.immediateHealthCheckFail(h);
                await("passive failure taken", () -> stat(stats, "passive_failure") == 1);
                answerFirst.countDown();
                await("first pass", () -> stat(stats, "success") >= 1);
                assertFalse(h.isHealthy(), "one pass of healthy_threshold 2 after a passive failure");
                await("healthy at the second pass", h::isHealthy);
                assertEquals(2.0, stat(stats, "success"));
            }
            String events = Files.readString(log);
            assertTrue(events.contains("\"health_check_failure_event\":{\"failure_type\":\"PASSIVE\",\"first_check\":true}"),
                    events);
            assertTrue(events.contains("\"add_healthy_event\":{\"first_check\":false}"), events);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** A runtime of one static layer with these values. */
    static io.remora.runtime.Runtime runtimeOf(Map<String, String> values) {
        Map<String, io.remora.runtime.RuntimeEntry> entries = new java.util.HashMap<>();
        values.forEach((k, v) -> entries.put(k, io.remora.runtime.RuntimeEntry.parse(v)));
        return io.remora.runtime.Runtime.of(List.of(new io.remora.runtime.RuntimeLayer("static",
                io.remora.runtime.RuntimeLayer.Kind.STATIC, entries)));
    }

    /** Envoy's intervalWithJitter: {@code health_check.max_interval} and {@code min_interval} bound every delay. */
    @Test
    void theRuntimeBoundsEveryInterval() {
        StatsRegistry stats = new StatsRegistry();
        TestServerContext ctx = new TestServerContext();
        try (io.remora.upstream.UpstreamRuntime runtime = TestClusters.runtime(stats.meterRegistry(), ctx)) {
            HealthCheckConfig c = HealthCheckConfig.builder(Duration.ofSeconds(1), Duration.ofMillis(1000),
                    new HealthCheckConfig.Tcp("", List.of())).noTrafficInterval(Duration.ofMillis(5000)).build();
            HealthChecker hc = new HealthChecker("bounded", c, runtime, stats.cluster("bounded"),
                    () -> { }, h -> { }, () -> io.remora.upstream.TransportSocketFactory.RAW, () -> null);
            assertEquals(5000, hc.intervalMillis(false, HealthChecker.Transition.UNCHANGED));
            ctx.runtime = runtimeOf(Map.of("health_check.max_interval", "300"));
            assertEquals(300, hc.intervalMillis(false, HealthChecker.Transition.UNCHANGED));
            ctx.runtime = runtimeOf(Map.of("health_check.min_interval", "7000"));
            assertEquals(7000, hc.intervalMillis(false, HealthChecker.Transition.UNCHANGED));
        }
    }
}

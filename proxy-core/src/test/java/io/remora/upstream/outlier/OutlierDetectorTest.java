package io.remora.upstream.outlier;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remora.config.Address;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.OutlierDetectionConfig;
import io.remora.runtime.Runtime;
import io.remora.runtime.RuntimeLayer;
import io.remora.testing.TempPaths;
import io.remora.upstream.EventLogFile;
import io.remora.upstream.HealthFlag;
import io.remora.upstream.Host;
import io.remora.upstream.OutlierMonitor.LocalOriginEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Envoy's outlier detection rules, one at a time; the interval is driven by hand. */
class OutlierDetectorTest {
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicInteger changes = new AtomicInteger();
    private static int nextCluster;
    private final java.util.Map<OutlierDetector, String> names = new java.util.IdentityHashMap<>();
    /** The layered runtime the detectors read; a test may set its own. */
    private volatile Runtime runtime = Runtime.EMPTY;

    @AfterEach
    void stop() {
        loop.shutdownNow();
    }

    private static List<Host> hosts(int n) {
        List<Host> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Host(new Address.Tcp("10.1.0." + (i + 1), 80), new InetSocketAddress("10.1.0." + (i + 1), 80),
                    null, ClusterLoadAssignment.Locality.NONE, 1, ClusterLoadAssignment.HealthStatus.HEALTHY));
        }
        return out;
    }

    private OutlierDetector detector(OutlierDetectionConfig.Builder b, List<Host> hosts, Path log) throws Exception {
        b.interval = Duration.ofHours(1); // the test calls the interval itself
        String name = "c" + (nextCluster++);
        OutlierDetector d = new OutlierDetector(name, b.build(), loop, registry, name, changes::incrementAndGet,
                log == null ? null : EventLogFile.of(log.toString()), () -> runtime);
        names.put(d, name);
        d.hostsChanged(hosts);
        d.start();
        flush();
        return d;
    }

    private void flush() throws Exception {
        loop.submit(() -> { }).get();
    }

    private void interval(OutlierDetector d) throws Exception {
        loop.submit(d::onIntervalTimer).get();
    }

    /** The interval timer's sweep, {@code millis} from now. */
    private void sweepAfter(OutlierDetector d, long millis) throws Exception {
        Thread.sleep(millis);
        interval(d);
    }

    /** One 5xx for {@code h}, which the test's consecutive_5xx of 1 ejects. */
    private void ejectBy5xx(Host h) throws Exception {
        h.outlier().reportResult(500);
        flush();
        assertTrue(ejected(h));
    }

    private double counter(OutlierDetector d, String stat) {
        var c = registry.find("envoy_cluster_outlier_detection_" + stat).tag("envoy_cluster_name", names.get(d)).counter();
        return c == null ? 0 : c.count();
    }

    private static boolean ejected(Host h) {
        return h.healthFlagGet(HealthFlag.FAILED_OUTLIER_CHECK);
    }

    @Test
    void consecutive5xxEjectsAtTheThresholdAndASuccessResetsTheCount() throws Exception {
        List<Host> hs = hosts(4);
        Path log = TempPaths.file("outlier", ".log");
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(3).maxEjectionPercent(100);
        OutlierDetector d = detector(b, hs, log);
        Host h = hs.get(0);
        // What a worker's HTTP pool of the host registers: it drains when the host is ejected.
        io.netty.channel.DefaultEventLoop worker = new io.netty.channel.DefaultEventLoop();
        java.util.concurrent.CountDownLatch drained = new java.util.concurrent.CountDownLatch(1);
        h.healthFailure.add(worker, drained::countDown);
        h.outlier().reportResult(500);
        h.outlier().reportResult(502);
        h.outlier().reportResult(200);
        h.outlier().reportResult(503);
        h.outlier().reportResult(500);
        flush();
        assertFalse(ejected(h), "a success in between resets the run");
        ejectBy5xx(h);
        assertFalse(h.isHealthy());
        assertTrue(drained.await(5, java.util.concurrent.TimeUnit.SECONDS), "the host's pools were told");
        worker.shutdownGracefully();
        assertEquals(1, changes.get());
        assertEquals(1, counter(d, "ejections_enforced_consecutive_5xx"));
        assertEquals(1, counter(d, "ejections_detected_consecutive_5xx"));
        assertEquals(1, counter(d, "ejections_enforced_total"));
        String line = Files.readString(log).trim();
        assertTrue(line.startsWith("{\"type\":\"CONSECUTIVE_5XX\",\"timestamp\":\""), line);
        assertTrue(line.contains("\"upstream_url\":\"10.1.0.1:80\",\"action\":\"EJECT\",\"num_ejections\":1,"
                + "\"enforced\":true,\"eject_consecutive_event\":{}}"), line);
    }

    @Test
    void maxEjectionPercentBoundsEjectionsUnlessOneHostMayAlwaysGo() throws Exception {
        List<Host> hs = hosts(4);
        // 10% of 4 hosts: even the first ejection (25%) is over the limit.
        OutlierDetector d = detector(OutlierDetectionConfig.builder().consecutive5xx(1), hs, null);
        hs.get(0).outlier().reportResult(500);
        flush();
        assertFalse(ejected(hs.get(0)));
        assertEquals(1, counter(d, "ejections_overflow"));

        List<Host> hs2 = hosts(4);
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(1);
        b.alwaysEjectOneHost = true;
        detector(b, hs2, null);
        hs2.get(0).outlier().reportResult(500);
        hs2.get(1).outlier().reportResult(500);
        flush();
        assertTrue(ejected(hs2.get(0)));
        assertFalse(ejected(hs2.get(1)), "only one host beyond the percentage");
    }

    private static Runtime runtimeOf(java.util.Map<String, String> values) {
        java.util.Map<String, io.remora.runtime.RuntimeEntry> entries = new java.util.HashMap<>();
        values.forEach((k, v) -> entries.put(k, io.remora.runtime.RuntimeEntry.parse(v)));
        return Runtime.of(List.of(new RuntimeLayer("static", RuntimeLayer.Kind.STATIC, entries)));
    }

    /**
     * Envoy's DetectorImpl reads every threshold from the runtime's outlier_detection.* keys at each
     * decision: here the gateway-failure run, its enforcement and the ejection time.
     */
    @Test
    void theRuntimesOutlierKeysOverrideTheConfigAtEachDecision() throws Exception {
        List<Host> hs = hosts(2);
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(100).maxEjectionPercent(100);
        b.consecutiveGatewayFailure = 5;
        OutlierDetector d = detector(b, hs, null);
        hs.get(0).outlier().reportResult(502);
        hs.get(0).outlier().reportResult(502);
        flush();
        assertFalse(ejected(hs.get(0)), "the config's run of five");
        runtime = runtimeOf(java.util.Map.of("outlier_detection.consecutive_gateway_failure", "2",
                "outlier_detection.enforcing_consecutive_gateway_failure", "100",
                "outlier_detection.base_ejection_time_ms", "50"));
        hs.get(1).outlier().reportResult(503);
        hs.get(1).outlier().reportResult(504);
        flush();
        assertTrue(ejected(hs.get(1)), "two in a row, enforced, by the runtime");
        assertEquals(1, counter(d, "ejections_enforced_consecutive_gateway_failure"));
        sweepAfter(d, 100);
        assertFalse(ejected(hs.get(1)), "back after the runtime's 50 ms, not the config's 30 s");
    }

    /**
     * Envoy's DetectorImpl::initialize check-complete callback: a passing check unejects only a host
     * the active checks hold healthy, not one still counting passes towards healthy_threshold.
     */
    @Test
    void aPassingCheckUnejectsOnlyAHostTheActiveChecksHoldHealthy() throws Exception {
        List<Host> hs = hosts(2);
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(1).maxEjectionPercent(100);
        OutlierDetector d = detector(b, hs, null);
        Host h = hs.get(0);
        ejectBy5xx(h);
        h.healthFlagSet(HealthFlag.FAILED_ACTIVE_HC); // a pass short of healthy_threshold
        loop.submit(() -> d.onSuccessfulHealthCheck(h)).get();
        assertTrue(ejected(h), "still failed by the active checks");
        h.healthFlagClear(HealthFlag.FAILED_ACTIVE_HC);
        loop.submit(() -> d.onSuccessfulHealthCheck(h)).get();
        assertFalse(ejected(h));
    }

    @Test
    void gatewayFailuresAreDetectedButNotEnforcedByDefault() throws Exception {
        List<Host> hs = hosts(2);
        Path log = TempPaths.file("outlier", ".log");
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(100).maxEjectionPercent(100);
        b.consecutiveGatewayFailure = 2;
        OutlierDetector d = detector(b, hs, log);
        hs.get(0).outlier().reportResult(503);
        hs.get(0).outlier().reportResult(504);
        flush();
        assertFalse(ejected(hs.get(0)), "enforcing_consecutive_gateway_failure defaults to 0");
        assertEquals(1, counter(d, "ejections_detected_consecutive_gateway_failure"));
        assertEquals(0, counter(d, "ejections_enforced_consecutive_gateway_failure"));
        assertTrue(Files.readString(log).contains("\"type\":\"CONSECUTIVE_GATEWAY_FAILURE\""));
        assertTrue(Files.readString(log).contains("\"enforced\":false"));
    }

    @Test
    void localOriginErrorsCountAs5xxUnlessSplit() throws Exception {
        List<Host> hs = hosts(2);
        OutlierDetector joined = detector(OutlierDetectionConfig.builder().consecutive5xx(2).maxEjectionPercent(100),
                hs, null);
        hs.get(0).outlier().reportLocalOrigin(LocalOriginEvent.CONNECT_FAILED);
        hs.get(0).outlier().reportLocalOrigin(LocalOriginEvent.TIMEOUT);
        flush();
        assertTrue(ejected(hs.get(0)), "connect failure = 503, timeout = 504: two 5xx");
        assertEquals(1, counter(joined, "ejections_enforced_consecutive_5xx"));

        List<Host> split = hosts(2);
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(2).maxEjectionPercent(100);
        b.splitExternalLocalOriginErrors = true;
        b.consecutiveLocalOriginFailure = 3;
        OutlierDetector d = detector(b, split, null);
        Host h = split.get(1);
        h.outlier().reportLocalOrigin(LocalOriginEvent.CONNECT_FAILED);
        h.outlier().reportLocalOrigin(LocalOriginEvent.CONNECT_FAILED);
        h.outlier().reportLocalOrigin(LocalOriginEvent.CONNECT_SUCCESS);
        h.outlier().reportLocalOrigin(LocalOriginEvent.CONNECT_FAILED);
        h.outlier().reportLocalOrigin(LocalOriginEvent.CONNECT_FAILED);
        flush();
        assertFalse(ejected(h), "a connect success resets the local-origin run; local errors are not 5xx");
        h.outlier().reportLocalOrigin(LocalOriginEvent.TIMEOUT);
        flush();
        assertTrue(ejected(h));
        assertEquals(1, counter(d, "ejections_enforced_consecutive_local_origin_failure"));
    }

    @Test
    void successRateEjectsTheOutlierOnceEnoughHostsHaveVolume() throws Exception {
        List<Host> hs = hosts(5);
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(1000).maxEjectionPercent(100);
        OutlierDetector d = detector(b, hs, null);
        for (int i = 0; i < 100; i++) {
            for (int h = 0; h < 5; h++) {
                // Host 4 fails every other request: 50% against 100% elsewhere.
                hs.get(h).outlier().reportResult(h == 4 && i % 2 == 0 ? 500 : 200);
            }
        }
        interval(d); // closes the bucket the requests went to
        interval(d); // evaluates it
        assertTrue(ejected(hs.get(4)));
        assertEquals(1, counter(d, "ejections_enforced_success_rate"));
        for (int h = 0; h < 4; h++) {
            assertFalse(ejected(hs.get(h)));
        }
    }

    @Test
    void successRateNeedsRequestVolumeAndMinimumHosts() throws Exception {
        List<Host> hs = hosts(4); // below success_rate_minimum_hosts (5)
        OutlierDetector d = detector(OutlierDetectionConfig.builder().consecutive5xx(1000).maxEjectionPercent(100), hs,
                null);
        for (int i = 0; i < 200; i++) {
            for (int h = 0; h < 4; h++) {
                hs.get(h).outlier().reportResult(h == 3 ? 500 : 200);
            }
        }
        interval(d);
        interval(d);
        assertFalse(ejected(hs.get(3)));
        assertEquals(0, counter(d, "ejections_detected_success_rate"));
    }

    @Test
    void failurePercentageEjectsWhenEnforced() throws Exception {
        List<Host> hs = hosts(5);
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(1000).maxEjectionPercent(100);
        b.enforcingFailurePercentage = 100;
        b.enforcingSuccessRate = 0;
        OutlierDetector d = detector(b, hs, null);
        for (int i = 0; i < 60; i++) {
            for (int h = 0; h < 5; h++) {
                hs.get(h).outlier().reportResult(h == 2 && i % 10 != 0 ? 503 : 200);
            }
        }
        interval(d);
        interval(d);
        assertTrue(ejected(hs.get(2)), "90% failures >= failure_percentage_threshold 85");
        assertEquals(1, counter(d, "ejections_enforced_failure_percentage"));
        assertEquals(0, counter(d, "ejections_detected_success_rate"),
                "60 requests: below success_rate_request_volume (100), above failure_percentage_request_volume (50)");
    }

    @Test
    void ejectionTimeGrowsWithEjectionsAndTheHostReturns() throws Exception {
        List<Host> hs = hosts(2);
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(1).maxEjectionPercent(100)
                .baseEjectionTime(Duration.ofMillis(200));
        b.maxEjectionTime = Duration.ofSeconds(10);
        Path log = TempPaths.file("outlier", ".log");
        OutlierDetector d = detector(b, hs, log);
        Host h = hs.get(0);
        ejectBy5xx(h);
        sweepAfter(d, 250);
        assertFalse(ejected(h), "back after base_ejection_time");
        assertTrue(Files.readString(log).contains("\"action\":\"UNEJECT\""));
        ejectBy5xx(h);
        sweepAfter(d, 250);
        assertTrue(ejected(h), "second ejection lasts 2 x base");
        sweepAfter(d, 200);
        assertFalse(ejected(h));
        assertEquals(0.0, registry.find("envoy_cluster_outlier_detection_ejections_active").gauges().stream()
                .filter(g -> g.getId().getTag("envoy_cluster_name").equals("c" + (nextCluster - 1)))
                .mapToDouble(io.micrometer.core.instrument.Gauge::value).sum());
    }

    @Test
    void maxEjectionTimeCapsTheGrowingEjectionTime() throws Exception {
        List<Host> hs = hosts(2);
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(1).maxEjectionPercent(100)
                .baseEjectionTime(Duration.ofMillis(200));
        b.maxEjectionTime = Duration.ofMillis(300);
        OutlierDetector d = detector(b, hs, TempPaths.file("outlier", ".log"));
        Host h = hs.get(0);
        h.outlier().reportResult(500);
        flush();
        sweepAfter(d, 250);
        assertFalse(ejected(h), "back after base_ejection_time");
        ejectBy5xx(h);
        sweepAfter(d, 350);
        assertFalse(ejected(h), "the second ejection (2 x 200 ms) is capped at max_ejection_time 300 ms");
    }

    /**
     * Envoy's onIntervalTimer shortens the next ejection only for a host back for a whole interval:
     * one a passing health check let back keeps its backoff, so its next ejection lasts 2 x base.
     */
    @Test
    void aHostAHealthCheckLetBackKeepsItsBackoffUntilAWholeIntervalHasPassed() throws Exception {
        List<Host> hs = hosts(2);
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(1).maxEjectionPercent(100)
                .baseEjectionTime(Duration.ofMillis(500));
        b.maxEjectionTime = Duration.ofSeconds(10);
        OutlierDetector d = detector(b, hs, null);
        Host h = hs.get(0);
        ejectBy5xx(h);
        loop.submit(() -> d.onSuccessfulHealthCheck(h)).get();
        assertFalse(ejected(h), "a passing active check unejects at once");
        interval(d); // within the (one hour) interval of the unejection: the backoff stays
        ejectBy5xx(h);
        sweepAfter(d, 600);
        assertTrue(ejected(h), "the second ejection lasts 2 x base_ejection_time");
        sweepAfter(d, 500);
        assertFalse(ejected(h));
    }

    /**
     * Envoy's onIntervalTimer runs the success rate sweep before it shortens any backoff, and not
     * for a host the sweep ejects: a host ejected before goes for 2 x base.
     */
    @Test
    void aSuccessRateEjectionGrowsTheBackoffItFinds() throws Exception {
        List<Host> hs = hosts(5);
        OutlierDetectionConfig.Builder b = OutlierDetectionConfig.builder().consecutive5xx(1000).maxEjectionPercent(100)
                .baseEjectionTime(Duration.ofMillis(500));
        b.maxEjectionTime = Duration.ofSeconds(10);
        OutlierDetector d = detector(b, hs, null);
        Host h = hs.get(4);
        for (int i = 0; i < 1000; i++) {
            h.outlier().reportResult(500);
        }
        flush();
        assertTrue(ejected(h), "1000 consecutive 5xx: a first ejection");
        interval(d); // evaluates the 5xx alone: too few hosts with volume for a success rate
        for (int i = 0; i < 100; i++) {
            for (int x = 0; x < 5; x++) {
                hs.get(x).outlier().reportResult(x == 4 && i % 2 == 0 ? 500 : 200);
            }
        }
        loop.submit(() -> d.onSuccessfulHealthCheck(h)).get();
        assertFalse(ejected(h));
        interval(d); // evaluates the round above: host 4 at 50% against 100%
        assertTrue(ejected(h));
        assertEquals(1, counter(d, "ejections_enforced_success_rate"));
        sweepAfter(d, 600);
        assertTrue(ejected(h), "the second ejection lasts 2 x base_ejection_time");
        sweepAfter(d, 500);
        assertFalse(ejected(h));
    }
}

package io.remora.e2e;

import io.remora.stats.PromtoolSupport;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code enable_dispatcher_stats}: with it, the admin's loop (Envoy's main thread) records
 * {@code server.dispatcher.loop_duration_us} and {@code poll_delay_us}, and each worker
 * {@code listener_manager.worker_<N>.dispatcher.*} (Prometheus: the worker as {@code envoy_worker_id});
 * without it there are none.
 */
class DispatcherStatsE2ETest {

    private final int port = ProxyProcess.freePort();

    /** A proxy on {@link #port} routing to {@code up}, with or without dispatcher stats. */
    private ProxyProcess start(TestUpstream up, boolean enabled) throws Exception {
        int admin = ProxyProcess.freePort();
        return ProxyProcess.start(Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: up }", Bootstraps.cluster("up", false, null, up.port()))
                + (enabled ? "enable_dispatcher_stats: true\n" : ""), admin);
    }

    private static double count(ProxyProcess proxy, String family, Map<String, String> labels) throws Exception {
        return PrometheusSamples.sample(proxy, family + "_count", labels);
    }

    /** Waits for a histogram to have samples: the loops record as they turn (a timer, a request). */
    private static void awaitSamples(ProxyProcess proxy, String family, Map<String, String> labels) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (count(proxy, family, labels) == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no samples of " + family + labels + " in\n" + proxy.admin("/stats/prometheus"));
            }
            Thread.sleep(100);
        }
    }

    @Test
    void enabledTheMainAndWorkerLoopsRecordTheirIterationsAndPollDelays() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok"); ProxyProcess proxy = start(up, true)) {
            for (int i = 0; i < 4; i++) {
                assertEquals(200, Curl.get(port, "/x").status());
            }
            for (String stat : new String[]{"loop_duration_us", "poll_delay_us"}) {
                awaitSamples(proxy, "envoy_server_dispatcher_" + stat, Map.of());
                for (String worker : new String[]{"worker_0", "worker_1"}) {
                    awaitSamples(proxy, "envoy_listener_manager_dispatcher_" + stat, Map.of("envoy_worker_id", worker));
                }
            }
            String prom = proxy.admin("/stats/prometheus");
            assertTrue(prom.contains("# TYPE envoy_server_dispatcher_loop_duration_us histogram\n"), prom);
            assertTrue(prom.contains("envoy_listener_manager_dispatcher_loop_duration_us_bucket{envoy_worker_id=\"worker_1\",le=\"0.5\"}"), prom);
            // Envoy's dotted names, the worker back in its place.
            String stats = proxy.admin("/stats?filter=dispatcher");
            for (String name : new String[]{"server.dispatcher.loop_duration_us: ", "server.dispatcher.poll_delay_us: ",
                "listener_manager.worker_0.dispatcher.loop_duration_us: ",
                "listener_manager.worker_1.dispatcher.poll_delay_us: "}) {
                assertTrue(stats.contains(name), name + " in\n" + stats);
            }
            // Envoy's names carry an abbreviated unit, which promtool lints (and nothing else here).
            if (PromtoolSupport.promtool() != null) {
                PromtoolSupport.Result lint = PromtoolSupport.check(prom);
                assertTrue(lint.output().lines().allMatch(l -> l.isBlank()
                        || l.contains("dispatcher_") && l.contains("abbreviated units")), lint.output());
            }
        }
    }

    @Test
    void disabledThereAreNone() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok"); ProxyProcess proxy = start(up, false)) {
            assertEquals(200, Curl.get(port, "/x").status());
            assertFalse(proxy.admin("/stats/prometheus").contains("dispatcher"));
            assertEquals("", proxy.admin("/stats?filter=dispatcher"));
        }
    }
}

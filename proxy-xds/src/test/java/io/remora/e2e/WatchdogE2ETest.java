package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guard dogs through a real proxy: a Lua filter that spins on its worker for a while is a
 * stalled event loop. The stall is counted as a miss and a mega miss, per guard dog and per
 * worker, under Envoy's names; with {@code kill_timeout} the process logs the stuck worker's stack
 * and dies as an abort would. Also {@code stats_server_version_override} in {@code server.version}.
 */
class WatchdogE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;

    /** Spins the worker (no sleep: a busy filter is what a stuck loop looks like) for x-spin-ms. */
    private static final String SPIN = """
            - name: envoy.filters.http.lua
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
                default_source_code:
                  inline_string: |
                    function envoy_on_request(handle)
                      local ms = tonumber(handle:headers():get("x-spin-ms") or "0")
                      local until_ = os.clock() + ms / 1000
                      while os.clock() < until_ do end
                    end
            """;

    private static String bootstrap(int admin, int port, String topLevel) throws Exception {
        TestUpstream upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok", java.util.Map.of()));
        return Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: web }", Bootstraps.cluster("web", false, null,
                        upstream.port()), "", SPIN) + topLevel;
    }

    @BeforeAll
    static void start() throws Exception {
        proxy = stack.start(bootstrap(stack.adminPort, stack.port, """
                stats_server_version_override: 4242
                watchdogs:
                  worker_watchdog: { miss_timeout: 0.1s, megamiss_timeout: 0.4s }
                """));
    }

    @Test
    void aStalledWorkerIsCountedPerGuardDogAndPerWorker() throws Exception {
        // The admin's loop is the main thread's (its first requests may stall it while classes load).
        assertTrue(proxy.admin("/stats").contains("\nmain_thread.watchdog_miss: "), "the main thread's guard dog");
        double before = proxy.stat("workers.watchdog_mega_miss");
        double perWorkerBefore = workerMegaMisses();
        assertEquals(200, Curl.get(stack.port, "/", "x-spin-ms: 1500").status());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (proxy.stat("workers.watchdog_mega_miss") < before + 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(proxy.stat("workers.watchdog_mega_miss") >= before + 1, proxy.admin("/stats?filter=watchdog"));
        assertTrue(proxy.stat("workers.watchdog_miss") >= 1);
        assertTrue(workerMegaMisses() >= perWorkerBefore + 1, proxy.admin("/stats?filter=watchdog"));
        assertTrue(proxy.metric("envoy_workers_watchdog_miss") >= 1, "the Prometheus name");
        assertEquals(4242, proxy.stat("server.version"));
    }

    private static double workerMegaMisses() throws Exception {
        return proxy.stat("server.worker_0.watchdog_mega_miss") + proxy.stat("server.worker_1.watchdog_mega_miss");
    }

    @Test
    void killTimeoutAbortsTheProcessWithTheStuckWorkersStack() throws Exception {
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        try (ProxyProcess doomed = ProxyProcess.start(bootstrap(admin, port, """
                watchdogs:
                  worker_watchdog: { kill_timeout: 1s }
                """), admin)) {
            Thread spinner = new Thread(() -> {
                try {
                    Curl.run("--max-time", "30", "-H", "x-spin-ms: 20000", "http://127.0.0.1:" + port + "/");
                } catch (Exception expected) {
                    // the proxy dies under the request
                }
            });
            spinner.start();
            assertTrue(doomed.process().waitFor(20, TimeUnit.SECONDS), "the proxy outlived its kill_timeout");
            assertEquals(134, doomed.process().exitValue(), doomed.log());
            String log = doomed.log();
            assertTrue(log.contains("GuardDog: one thread (worker_"), log);
            assertTrue(log.contains("stuck for more than watchdog_kill_timeout"), log);
            assertTrue(log.contains("org.luaj.vm2.LuaClosure"), "the stuck worker's stack: " + log);
            spinner.join(TimeUnit.SECONDS.toMillis(35));
        }
    }

    @Test
    void withoutKillTimeoutAStallIsSurvived() throws Exception {
        assertEquals(200, Curl.get(stack.port, "/", "x-spin-ms: 1200").status());
        assertEquals(200, Curl.get(stack.port, "/").status());
        assertTrue(proxy.process().isAlive());
        assertTrue(List.of(proxy.admin("/stats").split("\n")).contains("workers.watchdog_miss: "
                + (long) proxy.stat("workers.watchdog_miss")));
    }
}

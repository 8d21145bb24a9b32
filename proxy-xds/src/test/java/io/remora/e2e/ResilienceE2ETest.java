package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outlier detection and active health checks against real upstreams under continuous load: one
 * upstream answers 503, one is down. The failing hosts stop taking traffic, the retry policy
 * hides every failure from the client, and both hosts take traffic again once they recover.
 * One proxy for the class, a listener and cluster (and upstreams) per test.
 */
class ResilienceE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    /** Each test's listener port, by the name of its listener and cluster. */
    static final Map<String, Integer> ports = new HashMap<>();
    static Path outlierEvents;
    static Path hcEvents;
    static Hosts od;
    static Hosts hc;
    /** hc's host that is down until its test brings it up. */
    static int downPort;
    static TestUpstream checked;
    static TestUpstream other;
    static final AtomicBoolean secondFails = new AtomicBoolean();
    static final AtomicInteger firstChecks = new AtomicInteger();
    static TestUpstream immediate;

    @BeforeAll
    static void start() throws Exception {
        od = Hosts.start();
        hc = Hosts.start();
        downPort = ProxyProcess.freePort();
        checked = stack.upstream((ctx, req, n) -> {
            if (req.uri().equals("/first")) {
                firstChecks.incrementAndGet();
            }
            boolean fail = req.uri().equals("/second") && secondFails.get();
            TestUpstream.send(ctx, req, fail ? 503 : 200, "checked");
        });
        other = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "other"));
        immediate = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok",
                req.uri().equals("/bye") ? Map.of("x-envoy-immediate-health-check-fail", "true") : Map.of()));
        outlierEvents = TempPaths.file("outlier", ".log");
        hcEvents = TempPaths.file("hc", ".log");
        String listeners = String.join("\n", listener("od", route("od")),
                listener("two", "- match: { prefix: \"/\" }\n  route: { cluster: two }"),
                listener("imm", route("imm")), listener("hc", route("hc")));
        String clusters = String.join("\n",
                Bootstraps.cluster("od", false, OD_EXTRA, od.a.port(), od.b.port(), od.c.port(), od.bad.port()),
                Bootstraps.cluster("two", false, TWO_EXTRA, checked.port(), other.port()),
                Bootstraps.cluster("imm", false, IMM_EXTRA, immediate.port()),
                Bootstraps.cluster("hc", false, HC_EXTRA.formatted(hcEvents),
                        hc.a.port(), hc.b.port(), hc.c.port(), hc.bad.port(), downPort));
        // A second of drain on close: the load's keep-alive connections need not hold it up.
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners, clusters, ports)
                + "cluster_manager:\n  outlier_detection:\n    event_log_path: " + outlierEvents + "\n",
                List.of("-Xmx256m"), "--drain-time-s", "1");
    }

    private static String listener(String name, String routes) {
        ports.put(name, ProxyProcess.freePort());
        return Bootstraps.httpListener(name, "", "", routes);
    }

    /** Three good hosts and one answering 503, closed with the stack. */
    private record Hosts(Switchable a, Switchable b, Switchable c, Switchable bad) {
        static Hosts start() throws InterruptedException {
            return new Hosts(stack.own(new Switchable("a", 0, false)), stack.own(new Switchable("b", 0, false)),
                    stack.own(new Switchable("c", 0, false)), stack.own(new Switchable("bad", 0, true)));
        }
    }

    /** An upstream whose answers can be switched between 200 and 503, counting traffic apart from health checks. */
    private static final class Switchable implements AutoCloseable {
        final AtomicBoolean failing = new AtomicBoolean();
        final AtomicInteger traffic = new AtomicInteger();
        final AtomicInteger checks = new AtomicInteger();
        final TestUpstream upstream;

        Switchable(String name, int port, boolean failing) throws InterruptedException {
            this.failing.set(failing);
            TestUpstream.Responder r = (ctx, req, n) -> {
                if (req.uri().equals("/healthz")) {
                    checks.incrementAndGet();
                } else {
                    traffic.incrementAndGet();
                }
                boolean fail = this.failing.get();
                TestUpstream.send(ctx, req, fail ? 503 : 200, fail ? "failing" : name);
            };
            upstream = port == 0 ? TestUpstream.start(r) : TestUpstream.startOn(port, r);
        }

        int port() {
            return upstream.port();
        }

        @Override
        public void close() {
            upstream.close();
        }
    }

    /** Clients sending GETs back to back until stopped; every non-200 is counted. */
    private static final class Load implements AutoCloseable {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        Load(int port, int clients) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2)).build();
            for (int i = 0; i < clients; i++) {
                int id = i;
                Thread t = new Thread(() -> {
                    int n = 0;
                    while (!stop.get()) {
                        try {
                            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/load/" + id + "/" + n++))
                                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                                failures.add(r.statusCode() + " " + r.body());
                            }
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            failures.add(String.valueOf(e));
                        }
                    }
                }, "load-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(15_000);
            }
        }
    }

    private static java.util.function.Supplier<String> debug;

    private static void await(String what, Duration max, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + max + ": " + what + (debug == null ? "" : "\n" + debug.get()));
            }
            Thread.sleep(50);
        }
    }

    static String healthFlags(ProxyProcess proxy, String cluster, int port) throws Exception {
        String prefix = cluster + "::127.0.0.1:" + port + "::health_flags::";
        for (String line : proxy.admin("/clusters").split("\n")) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
        }
        return "(absent)";
    }

    private static boolean flags(ProxyProcess proxy, String cluster, int port, String expected) {
        try {
            return healthFlags(proxy, cluster, port).equals(expected);
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean hasFlag(ProxyProcess proxy, String cluster, int port, String flag) {
        try {
            return healthFlags(proxy, cluster, port).contains(flag);
        } catch (Exception e) {
            return false;
        }
    }

    private static String route(String cluster) {
        return """
                - match: { prefix: "/" }
                  route:
                    cluster: %s
                    retry_policy:
                      retry_on: 5xx,connect-failure,reset
                      num_retries: 5
                      retry_host_predicate:
                      - name: envoy.retry_host_predicates.previous_hosts
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate
                      host_selection_retry_max_attempts: 5
                      retry_back_off: { base_interval: 0.005s, max_interval: 0.02s }""".formatted(cluster);
    }

    private static final String BREAKERS = """
              circuit_breakers:
                thresholds:
                - { max_retries: 10000, max_requests: 10000, max_pending_requests: 10000 }
            """;

    private static final String OD_EXTRA = BREAKERS + """
              outlier_detection:
                consecutive_5xx: 3
                interval: 0.2s
                base_ejection_time: 1s
                max_ejection_percent: 50
            """;

    private static final String TWO_EXTRA = """
              health_checks:
              - { timeout: 2s, interval: 0.1s, no_traffic_interval: 0.1s, unhealthy_threshold: 1,
                  healthy_threshold: 1, http_health_check: { path: /first } }
              - { timeout: 2s, interval: 0.1s, no_traffic_interval: 0.1s, unhealthy_threshold: 1,
                  healthy_threshold: 1, http_health_check: { path: /second } }
            """;

    private static final String IMM_EXTRA = """
              health_checks:
              - timeout: 2s
                interval: 60s
                no_traffic_interval: 60s
                unhealthy_threshold: 3
                healthy_threshold: 1
                http_health_check: { path: /healthz }
            """;

    /** hc's outlier detection and health checks; {@code %s} is the health check event log. */
    private static final String HC_EXTRA = BREAKERS + """
              outlier_detection:
                consecutive_5xx: 3
                interval: 0.5s
                base_ejection_time: 1s
                max_ejection_percent: 100
              health_checks:
              - timeout: 2s
                interval: 0.2s
                no_traffic_interval: 0.2s
                unhealthy_threshold: 2
                healthy_threshold: 2
                event_log_path: %s
                http_health_check: { path: /healthz }
            """;

    @Test
    void consecutive5xxEjectsUnderLoadAndTheHostReturnsAfterTheEjectionTime() throws Exception {
        Switchable bad = od.bad;
        try (Load load = new Load(ports.get("od"), 4)) {
            await("bad host ejected", Duration.ofSeconds(30),
                    () -> flags(proxy, "od", bad.port(), "/failed_outlier_check"));
            // While ejected (1 s base time) the host takes no traffic (after requests already in flight land).
            Thread.sleep(100);
            int before = bad.traffic.get();
            Thread.sleep(300);
            assertTrue(bad.traffic.get() - before <= 0 || flags(proxy, "od", bad.port(), "healthy"),
                    "an ejected host took traffic");
            assertTrue(proxy.metric("envoy_cluster_outlier_detection_ejections_enforced_consecutive_5xx"
                    + "{envoy_cluster_name=\"od\"}") >= 1);
            bad.failing.set(false);
            await("bad host back after recovery", Duration.ofSeconds(30),
                    () -> flags(proxy, "od", bad.port(), "healthy"));
            int after = bad.traffic.get();
            await("recovered host takes traffic", Duration.ofSeconds(5), () -> bad.traffic.get() > after + 10);
            load.close();
            assertEquals(0, load.failed.get(), "failed requests: " + load.failures);
            assertTrue(load.ok.get() > 20, "load ran: " + load.ok.get());
            // The event log is the bootstrap's: hc's ejections may be in it too.
            String log = String.join("\n", Files.readAllLines(outlierEvents).stream()
                    .filter(l -> l.contains("\"cluster_name\":\"od\"")).toList());
            assertTrue(log.contains("\"action\":\"EJECT\"") && log.contains("\"type\":\"CONSECUTIVE_5XX\"")
                    && log.contains("\"upstream_url\":\"127.0.0.1:" + bad.port() + "\""), log);
            assertTrue(log.contains("\"action\":\"UNEJECT\""), log);
            assertEquals(0.0, proxy.metric("envoy_cluster_outlier_detection_ejections_active{envoy_cluster_name=\"od\"}"),
                    "no host is ejected after recovery");
        }
    }

    /**
     * Two health_checks: each runs on its own and the host takes traffic only while both pass it.
     * The first checker keeps passing the host the second fails; the host stays out (with one
     * shared verdict, the first checker's successes would bring it back) until the second passes.
     */
    @Test
    void aHostIsHealthyOnlyWhileEveryHealthCheckPassesIt() throws Exception {
        int port = ports.get("two");
        await("both hosts pass both checks", Duration.ofSeconds(30),
                () -> flags(proxy, "two", checked.port(), "healthy") && flags(proxy, "two", other.port(), "healthy"));
        secondFails.set(true);
        await("the second check fails the host", Duration.ofSeconds(30),
                () -> hasFlag(proxy, "two", checked.port(), "/failed_active_hc"));
        int checksBefore = firstChecks.get();
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 20; i++) {
            assertEquals("other", client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
            assertTrue(hasFlag(proxy, "two", checked.port(), "/failed_active_hc"),
                    "the first checker's passes do not make the host healthy");
        }
        await("the first checker passed the host meanwhile", Duration.ofSeconds(10),
                () -> firstChecks.get() >= checksBefore + 3);
        assertTrue(hasFlag(proxy, "two", checked.port(), "/failed_active_hc"));
        assertEquals(1.0, proxy.metric("envoy_cluster_health_check_healthy{envoy_cluster_name=\"two\"}"));
        secondFails.set(false);
        await("back once the second check passes", Duration.ofSeconds(30),
                () -> flags(proxy, "two", checked.port(), "healthy"));
    }

    /**
     * An upstream answering with x-envoy-immediate-health-check-fail (an Envoy draining behind its
     * health_check filter) is failed at once, without waiting for its next check, and flagged so.
     */
    @Test
    void anImmediateHealthCheckFailHeaderFailsTheHostAtOnce() throws Exception {
        await("the first check passes", Duration.ofSeconds(30), () -> flags(proxy, "imm", immediate.port(), "healthy"));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ports.get("imm") + "/bye")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        await("failed at once, not after three checks a minute apart", Duration.ofSeconds(10),
                () -> hasFlag(proxy, "imm", immediate.port(), "/excluded_via_immediate_hc_fail")
                        && hasFlag(proxy, "imm", immediate.port(), "/failed_active_hc"));
        assertEquals(1.0, proxy.metric("envoy_cluster_health_check_passive_failure{envoy_cluster_name=\"imm\"}"));
    }

    @Test
    void healthChecksTakeOutA503HostAndADownHostAndBringThemBack() throws Exception {
        Switchable bad = hc.bad;
        try (Load load = new Load(ports.get("hc"), 4)) {
            debug = () -> {
                try {
                    return proxy.admin("/clusters") + proxy.log() + "\nchecks " + bad.checks.get();
                } catch (Exception e) {
                    return e.toString();
                }
            };
            await("503 host fails its health check", Duration.ofSeconds(30),
                    () -> hasFlag(proxy, "hc", bad.port(), "/failed_active_hc"));
            await("down host fails its health check", Duration.ofSeconds(30),
                    () -> hasFlag(proxy, "hc", downPort, "/failed_active_hc"));
            // Until the good hosts pass their first checks the cluster is in panic (Envoy balances
            // over every host then): wait for them before expecting the bad hosts to be skipped.
            await("health_check.healthy counts the three good hosts", Duration.ofSeconds(30), () -> {
                try {
                    return proxy.metric("envoy_cluster_health_check_healthy{envoy_cluster_name=\"hc\"}") == 3.0;
                } catch (Exception e) {
                    return false;
                }
            });
            Thread.sleep(200); // requests in flight when the check failed land first
            int before = bad.traffic.get();
            Thread.sleep(500);
            assertEquals(before, bad.traffic.get(), "a host failing health checks took traffic");
            assertTrue(proxy.metric("envoy_cluster_health_check_failure{envoy_cluster_name=\"hc\"}") >= 2);
            assertTrue(proxy.metric("envoy_cluster_health_check_network_failure{envoy_cluster_name=\"hc\"}") >= 1);

            bad.failing.set(false);
            try (Switchable revived = new Switchable("revived", downPort, false)) {
                await("both hosts healthy again", Duration.ofSeconds(30),
                        () -> flags(proxy, "hc", bad.port(), "healthy") && flags(proxy, "hc", downPort, "healthy"));
                int b0 = bad.traffic.get();
                int r0 = revived.traffic.get();
                await("recovered hosts take traffic", Duration.ofSeconds(5),
                        () -> bad.traffic.get() > b0 + 10 && revived.traffic.get() > r0 + 10);
                load.close();
            }
            assertEquals(0, load.failed.get(), "failed requests: " + load.failures);
            String log = Files.readString(hcEvents);
            // Hosts start unhealthy until their first check: the 503 host's first failure is
            // logged as such (first_check), the recoveries as add_healthy_event.
            assertTrue(log.contains("\"health_checker_type\":\"HTTP\"")
                    && log.contains("\"health_check_failure_event\"") && log.contains("\"first_check\":true")
                    && log.contains("\"add_healthy_event\""), log);
            assertTrue(hc.a.checks.get() > 0 && bad.checks.get() > 0, "health checks reached the upstreams");
        }
    }
}

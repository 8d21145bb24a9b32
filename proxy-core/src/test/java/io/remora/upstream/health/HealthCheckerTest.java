package io.remora.upstream.health;

import com.sun.net.httpserver.HttpServer;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.remora.config.ClusterConfig;
import io.remora.config.HeaderMutation;
import io.remora.config.HealthCheckConfig;
import io.remora.config.LoadBalancingConfig;
import io.remora.stats.StatsRegistry;
import io.remora.testing.TempPaths;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManagerImpl;
import io.remora.upstream.HealthFlag;
import io.remora.upstream.Host;
import io.remora.upstream.TestClusters;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP, TCP and gRPC health checks against real servers, through a cluster manager. */
class HealthCheckerTest {

    private static HealthCheckConfig config(int unhealthy, int healthy, String eventLog, HealthCheckConfig.Checker c) {
        Duration d = Duration.ofMillis(50);
        return HealthCheckConfig.builder(Duration.ofSeconds(3), d, c).thresholds(unhealthy, healthy)
                .noTrafficInterval(d).alwaysLog(true, false).eventLogPath(eventLog).build();
    }

    static Cluster cluster(ClusterManagerImpl cm, int port, HealthCheckConfig hc) {
        ClusterConfig c = TestClusters.staticCluster("hc", ClusterConfig.LbPolicy.ROUND_ROBIN, TestClusters.ep("127.0.0.1", port))
                .withResilience(null, List.of(hc), LoadBalancingConfig.DEFAULT);
        cm.update(Map.of("hc", c));
        return cm.get("hc");
    }

    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 30 s: " + what);
            Thread.sleep(10);
        }
    }

    static Host only(Cluster c) {
        return c.hosts().get(0);
    }

    static double stat(StatsRegistry s, String name) {
        var m = s.meterRegistry().find("envoy_cluster_health_check_" + name).tag("envoy_cluster_name", "hc").meter();
        return m == null ? 0 : m.measure().iterator().next().getValue();
    }

    @Test
    void httpCheckSendsPathHostAndHeadersAndHonoursExpectedAndRetriableStatuses() throws Exception {
        AtomicInteger status = new AtomicInteger(204);
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            seen.put("path", ex.getRequestURI().getPath());
            seen.put("host", ex.getRequestHeaders().getFirst("Host"));
            seen.put("x-check", String.valueOf(ex.getRequestHeaders().getFirst("x-check")));
            seen.put("user-agent", ex.getRequestHeaders().getFirst("User-Agent"));
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
        });
        server.start();
        Path log = TempPaths.file("hc", ".log");
        StatsRegistry stats = new StatsRegistry();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
            HealthCheckConfig.Http http = HealthCheckConfig.Http.builder("/ready").host("svc.local")
                    .expectedStatuses(List.of(new HealthCheckConfig.StatusRange(200, 300)))
                    .retriableStatuses(List.of(new HealthCheckConfig.StatusRange(503, 504)))
                    .requestHeadersToAdd(List.of(new HeaderMutation.HeaderValueOption("x-check", "yes",
                            HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD, false))).build();
            Cluster c = cluster(cm, server.getAddress().getPort(), config(3, 2, log.toString(), http));
            Host h = only(c);
            assertTrue(h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC), "a new host waits for its first check");
            await("first check passes", h::isHealthy);
            assertEquals("/ready", seen.get("path"));
            assertEquals("svc.local", seen.get("host"));
            assertEquals("yes", seen.get("x-check"));
            assertEquals("Envoy/HC", seen.get("user-agent"));

            status.set(503); // retriable: counts towards unhealthy_threshold 3
            long before = (long) stat(stats, "failure");
            await("two retriable failures", () -> stat(stats, "failure") >= before + 2);
            await("third failure makes it unhealthy", () -> h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            assertTrue(stat(stats, "failure") >= before + 3, "not before the third failure");

            status.set(200);
            await("healthy after healthy_threshold successes", h::isHealthy);
            status.set(500); // not retriable: unhealthy at once
            long f = (long) stat(stats, "failure");
            await("non-retriable failure", () -> h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            assertEquals(f + 1, (long) stat(stats, "failure"), 1.0);
            String events = Files.readString(log);
            assertTrue(events.contains("\"eject_unhealthy_event\":{\"failure_type\":\"ACTIVE\"}"), events);
            assertTrue(events.contains("\"add_healthy_event\":{\"first_check\":"), events);
            assertTrue(stat(stats, "attempt") >= stat(stats, "success") + stat(stats, "failure") - 1);
        } finally {
            server.stop(0);
        }
    }

    /**
     * Envoy's HTTP checker: a failing status carrying x-envoy-immediate-health-check-fail excludes
     * the host (excluded_via_immediate_hc_fail) until it passes again; the runtime's
     * health_check.verify_cluster at 0 skips service_name_matcher (and its verify_cluster count).
     */
    @Test
    void anImmediateFailHeaderExcludesAndTheRuntimeMaySkipVerifyCluster() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            int code = status.get();
            if (code != 200) {
                ex.getResponseHeaders().add("x-envoy-immediate-health-check-fail", "true");
            }
            ex.sendResponseHeaders(code, -1); // never names a checked cluster
            ex.close();
        });
        server.start();
        StatsRegistry stats = new StatsRegistry();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
            io.remora.http.testing.TestServerContext ctx = new io.remora.http.testing.TestServerContext();
            ctx.runtime = HealthCheckTransitionsTest.runtimeOf(Map.of("health_check.verify_cluster", "0"));
            cm.upstreamFilters(f -> null, ctx);
            HealthCheckConfig.Http http = HealthCheckConfig.Http.builder("/healthz")
                    .serviceNameMatcher(new io.remora.config.StringMatcher.Prefix("svc", false)).build();
            Host h = only(cluster(cm, server.getAddress().getPort(), config(3, 1, null, http)));
            await("healthy: the cluster header is not checked", h::isHealthy);
            assertEquals(0.0, stat(stats, "verify_cluster"));

            status.set(503);
            await("failed at once", () -> h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            assertTrue(h.healthFlagGet(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL), "excluded by the header");
            status.set(200);
            await("back", h::isHealthy);
            assertFalse(h.healthFlagGet(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL), "cleared by the pass");

            ctx.runtime = io.remora.runtime.Runtime.EMPTY; // verify_cluster 100 %: the missing header fails
            await("the cluster header checked again", () -> h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            assertTrue(stat(stats, "verify_cluster") >= 1);
        } finally {
            server.stop(0);
        }
    }

    /** codec_client_type HTTP2: the same request and verdicts as one h2c stream per check, the connection kept. */
    @Test
    void http2CheckOverH2c() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        try (io.remora.http.testing.H2Upstream up = new io.remora.http.testing.H2Upstream(
                io.remora.server.Transport.detect(), 100,
                (ctx, h, body, tr, n) -> io.remora.http.testing.H2Upstream.respond(ctx, status.get(), "ok"));
             ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            HealthCheckConfig.Http http = HealthCheckConfig.Http.builder("/healthz").http2(true).build();
            Cluster c = cluster(cm, ((InetSocketAddress) up.address()).getPort(), config(1, 1, null, http));
            Host h = only(c);
            await("first check passes", h::isHealthy);
            io.netty.handler.codec.http2.Http2Headers seen = up.seen.get(0);
            assertEquals("GET", seen.method().toString());
            assertEquals("/healthz", seen.path().toString());
            assertEquals("hc", seen.authority().toString(), "the cluster's name without a host");
            assertEquals("Envoy/HC", seen.get("user-agent").toString());
            status.set(503);
            await("a failing status fails the host", () -> h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            status.set(200);
            await("healthy again", h::isHealthy);
            assertEquals(1, up.accepts.get(), "one connection, a stream per check");
        }
    }

    @Test
    void tcpCheckSendsThePayloadAndExpectsTheBlocksInOrder() throws Exception {
        AtomicReference<String> answer = new AtomicReference<>("xxPONGyyOK");
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!ss.isClosed()) {
                    try (Socket s = ss.accept()) {
                        InputStream in = s.getInputStream();
                        byte[] ping = in.readNBytes(4);
                        if (new String(ping, StandardCharsets.US_ASCII).equals("PING")) {
                            OutputStream out = s.getOutputStream();
                            out.write(answer.get().getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            s.setSoTimeout(1000);
                            in.read(); // wait for the checker to close
                        }
                    } catch (Exception e) {
                        // next connection
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            StatsRegistry stats = new StatsRegistry();
            try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
                // "PING", expect "PONG" then "OK".
                HealthCheckConfig.Tcp tcp = new HealthCheckConfig.Tcp("50494e47", List.of("504f4e47", "4f4b"));
                Cluster c = cluster(cm, ss.getLocalPort(), config(1, 1, null, tcp));
                Host h = only(c);
                await("tcp check passes", h::isHealthy);
                // The blocks out of order: no match; the server closes, a network failure.
                answer.set("OKxxPONG");
                await("tcp check fails", () -> h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
                assertTrue(stat(stats, "network_failure") >= 1);
                answer.set("PONG-OK");
                await("tcp check passes again", h::isHealthy);
            }
        }
    }

    @Test
    void tcpConnectOnlyCheckFollowsTheListener() throws Exception {
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int port = ss.getLocalPort();
        StatsRegistry stats = new StatsRegistry();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
            Cluster c = cluster(cm, port, config(2, 1, null, new HealthCheckConfig.Tcp("", List.of())));
            await("connect passes", only(c)::isHealthy);
            ss.close();
            await("refused twice: unhealthy", () -> only(c).healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            assertTrue(stat(stats, "network_failure") >= 2);
            assertEquals(0.0, stat(stats, "healthy"));
        }
    }

    /** event_log_path and a file event_logger (or two sinks): Envoy writes every event to each. */
    @Test
    void everyEventLogFileGetsEveryEvent() throws Exception {
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Path first = TempPaths.file("hc-path", ".log");
        Path second = TempPaths.file("hc-sink", ".log");
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            Duration d = Duration.ofMillis(50);
            HealthCheckConfig hc = HealthCheckConfig.builder(Duration.ofSeconds(3), d, new HealthCheckConfig.Tcp("", List.of()))
                    .thresholds(1, 1).noTrafficInterval(d).eventLogPath(first.toString())
                    .eventLogPath(second.toString()).eventLogPath(first.toString()).build();
            assertEquals(List.of(first.toString(), second.toString()), hc.eventLogPaths(), "one writer per file");
            Cluster c = cluster(cm, ss.getLocalPort(), hc);
            await("connect passes", only(c)::isHealthy);
            ss.close();
            await("refused: unhealthy", () -> only(c).healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            await("the ejection in both files", () -> {
                try {
                    return lines(first, "eject_unhealthy_event") == 1 && lines(second, "eject_unhealthy_event") == 1;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            assertEquals(Files.readString(first), Files.readString(second));
        }
    }

    private static long lines(Path log, String event) throws java.io.IOException {
        return Files.readAllLines(log).stream().filter(l -> l.contains("\"" + event + "\"")).count();
    }

    @Test
    void noTrafficIntervalUntilTheClusterConnectsAndFailuresLoggedOnlyWhenAsked() throws Exception {
        ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int port = ss.getLocalPort();
        ss.close(); // nothing listens: every check is a network failure
        Duration fast = Duration.ofMillis(50);
        HealthCheckConfig.Tcp tcp = new HealthCheckConfig.Tcp("", List.of());
        Path quietLog = TempPaths.file("hc-quiet", ".log");
        Path loudLog = TempPaths.file("hc-loud", ".log");
        StatsRegistry quietStats = new StatsRegistry();
        StatsRegistry loudStats = new StatsRegistry();
        try (ClusterManagerImpl quiet = new ClusterManagerImpl(quietStats);
             ClusterManagerImpl loud = new ClusterManagerImpl(loudStats)) {
            // No connection made yet: after the first check the next waits no_traffic_interval (60 s).
            cluster(quiet, port, HealthCheckConfig.builder(Duration.ofSeconds(1), fast, tcp).thresholds(2, 1)
                    .eventLogPath(quietLog.toString()).build());
            // A cluster that has connected: checks every unhealthy_interval (50 ms), each failure logged.
            ClusterConfig plain = TestClusters.staticCluster("hc", ClusterConfig.LbPolicy.ROUND_ROBIN,
                    TestClusters.ep("127.0.0.1", port));
            loud.update(Map.of("hc", plain));
            loud.get("hc").stats().upstreamCxTotal.increment();
            cluster(loud, port, config(2, 1, loudLog.toString(), tcp));
            await("checks keep running", () -> stat(loudStats, "network_failure") >= 6);
            Thread.sleep(300);
            assertEquals(1.0, stat(quietStats, "attempt"), "one check, then no_traffic_interval");
            assertEquals(1, lines(quietLog, "health_check_failure_event"), "only the first failure without always_log");
            assertTrue(lines(loudLog, "health_check_failure_event") >= 5, Files.readString(loudLog));
        }
    }

    @Test
    void aPeerThatNeverAnswersTimesOutAndIsFlagged() throws Exception {
        // Accepted by the kernel, never read nor answered.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            StatsRegistry stats = new StatsRegistry();
            Duration d = Duration.ofMillis(50);
            HealthCheckConfig hc = HealthCheckConfig.builder(Duration.ofMillis(200), d,
                    new HealthCheckConfig.Tcp("50494e47", List.of("504f4e47"))).noTrafficInterval(d).build();
            try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
                Host h = only(cluster(cm, silent.getLocalPort(), hc));
                // The checker sets the failure flag, then the timeout one: on a busy machine the test may
                // look between the two.
                await("timeout flagged", () -> h.healthFlagGet(HealthFlag.ACTIVE_HC_TIMEOUT)
                        && h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
                assertFalse(h.isHealthy());
                assertTrue(stat(stats, "failure") >= 1);
            }
        }
    }

    /**
     * Envoy's setUnhealthy: a timeout is a network failure (network_failure counts it), and only a
     * host the failures have failed carries active_hc_timeout; a healthy one still counting does not.
     */
    @Test
    void timeoutsBelowTheThresholdAreNetworkFailuresAndLeaveNoTimeoutFlag() throws Exception {
        List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                boolean first = true;
                while (!ss.isClosed()) {
                    try {
                        Socket s = ss.accept();
                        held.add(s);
                        if (first) {
                            first = false;
                            s.getInputStream().readNBytes(4);
                            s.getOutputStream().write("PONG".getBytes(StandardCharsets.US_ASCII));
                            s.getOutputStream().flush();
                        }
                        // Later connections are held open and never answered: each check times out.
                    } catch (Exception e) {
                        // closed
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            StatsRegistry stats = new StatsRegistry();
            Duration d = Duration.ofMillis(50);
            HealthCheckConfig hc = HealthCheckConfig.builder(Duration.ofMillis(200), d,
                    new HealthCheckConfig.Tcp("50494e47", List.of("504f4e47"))).thresholds(1000, 1)
                    .noTrafficInterval(d).build();
            try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
                Host h = only(cluster(cm, ss.getLocalPort(), hc));
                await("two timeouts after the first pass", () -> h.isHealthy() && stat(stats, "failure") >= 2);
                assertTrue(stat(stats, "network_failure") >= 2, "timeouts count as network failures");
                assertTrue(h.isHealthy(), "below unhealthy_threshold");
                assertFalse(h.healthFlagGet(HealthFlag.ACTIVE_HC_TIMEOUT), "no timeout flag on a healthy host");
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /**
     * always_log_health_check_success logs every passing check but the one that brings the host
     * back, which logs add_healthy_event alone (Envoy's handleSuccess).
     */
    @Test
    void aCheckThatBringsTheHostBackLogsOnlyItsAddHealthyEvent() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path log = TempPaths.file("hc-success", ".log");
            StatsRegistry stats = new StatsRegistry();
            Duration d = Duration.ofMillis(50);
            HealthCheckConfig hc = HealthCheckConfig.builder(Duration.ofSeconds(3), d, new HealthCheckConfig.Tcp("", List.of()))
                    .thresholds(1, 1).noTrafficInterval(d).alwaysLog(false, true).eventLogPath(log.toString()).build();
            try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
                cluster(cm, ss.getLocalPort(), hc);
                await("three checks passed", () -> stat(stats, "success") >= 3);
            }
            Thread.sleep(200);
            assertEquals(1, lines(log, "add_healthy_event"));
            assertEquals((long) stat(stats, "success") - 1, lines(log, "successful_health_check_event"),
                    Files.readString(log));
        }
    }

    static final MethodDescriptor<byte[], byte[]> CHECK = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("grpc.health.v1.Health/Check")
            .setRequestMarshaller(Bytes.INSTANCE).setResponseMarshaller(Bytes.INSTANCE).build();

    private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void grpcCheckPassesOnServingAndFailsAtOnceOnNotServing() throws Exception {
        AtomicInteger serving = new AtomicInteger(1);
        AtomicReference<String> service = new AtomicReference<>();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerServiceDefinition.builder("grpc.health.v1.Health")
                        .addMethod(CHECK, ServerCalls.asyncUnaryCall((req, obs) -> {
                            // HealthCheckRequest{service = 1}: tag 0x0A, length, bytes.
                            service.set(req.length > 2 ? new String(req, 2, req[1], StandardCharsets.UTF_8) : "");
                            obs.onNext(new byte[] {0x08, (byte) serving.get()});
                            obs.onCompleted();
                        })).build())
                .build().start();
        StatsRegistry stats = new StatsRegistry();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
            Cluster c = cluster(cm, server.getPort(), config(3, 1, null, new HealthCheckConfig.Grpc("payments", "")));
            Host h = only(c);
            await("SERVING passes", h::isHealthy);
            assertEquals("payments", service.get());
            serving.set(2); // NOT_SERVING
            await("NOT_SERVING fails at once", () -> h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            serving.set(1);
            await("SERVING again", h::isHealthy);
            assertTrue(stat(stats, "success") >= 2);
        } finally {
            server.shutdownNow();
        }
    }

    /** A gRPC health service answering SERVING to every check, each check's request headers shown to {@code seen} first. */
    static Server servingHealth(java.util.function.Consumer<io.grpc.Metadata> seen) throws java.io.IOException {
        ServerServiceDefinition health = ServerServiceDefinition.builder("grpc.health.v1.Health")
                .addMethod(CHECK, ServerCalls.asyncUnaryCall((req, obs) -> {
                    obs.onNext(new byte[] {0x08, 1});
                    obs.onCompleted();
                })).build();
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(io.grpc.ServerInterceptors.intercept(health, new io.grpc.ServerInterceptor() {
                    @Override
                    public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call,
                            io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, A> next) {
                        seen.accept(headers);
                        return next.startCall(call, headers);
                    }
                })).build().start();
    }

    /** initial_metadata goes on the check's request headers, as Envoy's gRPC checker sends it. */
    @Test
    void grpcCheckSendsTheInitialMetadata() throws Exception {
        AtomicReference<String> tenant = new AtomicReference<>();
        io.grpc.Metadata.Key<String> key = io.grpc.Metadata.Key.of("x-tenant", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
        Server server = servingHealth(headers -> tenant.set(headers.get(key)));
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            HealthCheckConfig.Grpc grpc = new HealthCheckConfig.Grpc("", "", List.of(new HeaderMutation.HeaderValueOption(
                    "x-tenant", "blue", HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD, false)));
            Cluster c = cluster(cm, server.getPort(), config(1, 1, null, grpc));
            await("SERVING passes", only(c)::isHealthy);
            assertEquals("blue", tenant.get());
        } finally {
            server.shutdownNow();
        }
    }

    /**
     * proxy_protocol_config: the header goes ahead of the payload, as Envoy's TCP checker writes
     * it: version 1 names the check connection's own addresses (source: its local end), version 2
     * is the LOCAL command.
     */
    @Test
    void tcpCheckSendsAProxyProtocolHeaderFirst() throws Exception {
        for (int version : new int[] {1, 2}) {
            List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                Thread t = new Thread(() -> {
                    while (!ss.isClosed()) {
                        try (Socket s = ss.accept()) {
                            InputStream in = s.getInputStream();
                            byte[] head = version == 1
                                    ? in.readNBytes(("PROXY TCP4 127.0.0.1 127.0.0.1 " + s.getPort() + " "
                                    + ss.getLocalPort() + "\r\n").length())
                                    : in.readNBytes(16);
                            String expected = version == 1 ? "PROXY TCP4 127.0.0.1 127.0.0.1 " + s.getPort() + " "
                                    + ss.getLocalPort() + "\r\n"
                                    : "0d0a0d0a000d0a515549540a20000000";
                            String got = version == 1 ? new String(head, StandardCharsets.US_ASCII)
                                    : java.util.HexFormat.of().formatHex(head);
                            seen.add(got);
                            if (got.equals(expected)
                                    && new String(in.readNBytes(4), StandardCharsets.US_ASCII).equals("PING")) {
                                seen.add("matched");
                                s.getOutputStream().write("PONG".getBytes(StandardCharsets.US_ASCII));
                                s.getOutputStream().flush();
                                s.setSoTimeout(1000);
                                in.read();
                            }
                        } catch (Exception e) {
                            // next connection
                        }
                    }
                });
                t.setDaemon(true);
                t.start();
                try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
                    HealthCheckConfig.Tcp tcp = new HealthCheckConfig.Tcp("50494e47", List.of("504f4e47"), version);
                    Cluster c = cluster(cm, ss.getLocalPort(), config(1, 1, null, tcp));
                    await("v" + version + " header then PING passes", only(c)::isHealthy);
                    assertTrue(seen.contains("matched"), "v" + version + " headers seen: " + seen);
                }
            }
        }
    }
}

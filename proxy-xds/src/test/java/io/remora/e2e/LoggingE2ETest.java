package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The application log as an operator debugging a route reads it: levels, components, file, start and stop. */
class LoggingE2ETest {

    private static HttpResponse<String> get(int port, String host, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("x-host", host).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String bootstrap(int admin, int port, int upstream) throws Exception {
        Path log = TempPaths.file("access", ".log");
        return Bootstraps.http(admin, port, log.toString(), """
                - match: { prefix: "/api" }
                  route: { cluster: api }
                - match: { prefix: "/ghost" }
                  route: { cluster_header: x-cluster }
                """, Bootstraps.cluster("api", false, null, upstream));
    }

    private static boolean find(String log, String regex) {
        return java.util.regex.Pattern.compile(regex).matcher(log).find();
    }

    private static void awaitLog(ProxyProcess proxy, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!proxy.log().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    @Test
    void debugLogsShowRouteSelectionConnectionsAndPools() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port()), admin, List.of("-Xmx256m"),
                    "-l", "debug")) {
                assertEquals(404, get(port, "x", "/nowhere").statusCode());
                assertEquals(200, get(port, "x", "/api/v1").statusCode());
                HttpResponse<String> ghost = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/ghost")).header("x-cluster", "missing").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(503, ghost.statusCode());
                awaitLog(proxy, "unknown cluster 'missing'");
                String log = proxy.log();
                // Stream-scoped lines carry Envoy's tags: the connection id and the stream's id.
                String stream = "\\[Tags: \"ConnectionId\":\"\\d+\",\"StreamId\":\"\\d+\"\\] ";
                assertTrue(find(log, "\\[debug]\\[router] " + stream + "no route match for URL '/nowhere'"), log);
                assertTrue(find(log, "\\[debug]\\[router] " + stream + "cluster 'api' match for URL '/api/v1'"), log);
                assertTrue(find(log, "\\[debug]\\[router] " + stream + "unknown cluster 'missing'"), log);
                assertTrue(find(log, "\\[debug]\\[conn_handler] \\[Tags: \"ConnectionId\":\"\\d+\"\\] "
                        + "new connection from /127.0.0.1:"), log);
                assertTrue(find(log, "\\[debug]\\[http] " + stream + "request headers complete \\(end_stream=true\\):\n'"),
                        log);
                assertTrue(log.contains("\n':method', 'GET'\n"), log);
                assertTrue(log.contains("':path', '/api/v1'"), log);
                assertTrue(find(log, "\\[debug]\\[pool] \\[Tags: \"ConnectionId\":\"\\d+\"\\] creating a new connection to "
                        + "/127.0.0.1:" + up.port() + " for cluster 'api'"), log);
                assertTrue(log.contains("[info][main] listener 'http' listening on 127.0.0.1:" + port), log);
            }
        }
    }

    @Test
    void infoHidesDebugAndComponentLevelsPickComponents() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port()), admin)) {
                assertEquals(404, get(port, "x", "/nowhere").statusCode());
                assertEquals(200, get(port, "x", "/api").statusCode());
                assertFalse(proxy.log().contains("[debug]"), proxy.log());
            }
            admin = ProxyProcess.freePort();
            port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port()), admin, List.of("-Xmx256m"),
                    "-l", "info", "--component-log-level", "router:debug,upstream:trace")) {
                assertEquals(404, get(port, "x", "/nowhere").statusCode());
                assertEquals(200, get(port, "x", "/api").statusCode());
                awaitLog(proxy, "cluster 'api' match");
                String log = proxy.log();
                assertTrue(log.contains("no route match for URL '/nowhere'") && log.contains("[debug][router] [Tags: "), log);
                assertFalse(log.contains("[debug][http]"), log);
                assertFalse(log.contains("[debug][pool]"), log);
                String levels = HttpClient.newHttpClient().send(HttpRequest.newBuilder(proxy.adminUri("/logging"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(levels.contains("  router: debug\n") && levels.contains("  upstream: trace\n")
                        && levels.contains("  http: info\n"), levels);
            }
        }
    }

    @Test
    void logPathWritesTheLogToTheFile() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            Path file = TempPaths.directory("logs").resolve("remora.log");
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port()), admin, List.of("-Xmx256m"),
                    "--log-path", file.toString(), "-l", "debug")) {
                assertEquals(404, get(port, "x", "/nowhere").statusCode());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!Files.readString(file).contains("no route match") && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                String written = Files.readString(file);
                assertTrue(written.contains("[info][main] listener 'http' listening on"), written);
                assertTrue(written.contains("no route match for URL '/nowhere'")
                        && written.contains("[debug][router] [Tags: \"ConnectionId\":"), written);
                assertFalse(proxy.log().contains("no route match"), "not on stderr: " + proxy.log());
            }
        }
    }

    private record Exit(int code, String output) {
    }

    private static Exit run(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.remora.xds.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits by itself");
        return new Exit(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    @Test
    void portInUseIsOneClearLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Path f = TempPaths.file("bootstrap", ".yaml");
            Files.writeString(f, bootstrap(ProxyProcess.freePort(), taken.getLocalPort(), 1));
            Exit e = run("-c", f.toString());
            assertNotEquals(0, e.code());
            assertTrue(e.output().contains("error: listener 'http': cannot bind 127.0.0.1:" + taken.getLocalPort())
                    && e.output().contains("Address already in use"), e.output());
            assertFalse(e.output().contains("\tat "), "no stack trace: " + e.output());
            assertFalse(e.output().contains("Exception"), e.output());
        }
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Path f = TempPaths.file("bootstrap", ".yaml");
            Files.writeString(f, bootstrap(taken.getLocalPort(), ProxyProcess.freePort(), 1));
            Exit e = run("-c", f.toString());
            assertNotEquals(0, e.code());
            assertTrue(e.output().contains("error: admin: cannot bind 127.0.0.1:" + taken.getLocalPort()), e.output());
            assertFalse(e.output().contains("\tat "), "no stack trace: " + e.output());
        }
    }

    @Test
    void missingConfigFileIsAClearError() throws Exception {
        Exit e = run("-c", "/nonexistent/envoy.yaml");
        assertEquals(1, e.code());
        assertEquals("error: cannot read /nonexistent/envoy.yaml: no such file", e.output().strip());
    }

    @Test
    void shutdownLogsTheDrainAndReportsRequestsCutAtTheDeadline() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        // Never answers: the request is still in flight when the drain time runs out.
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> arrived.countDown())) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port()), admin, List.of("-Xmx256m"),
                    "--drain-time-s", "1");
            try {
                CompletableFuture<HttpResponse<String>> inFlight = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1).build().sendAsync(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/api/slow")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertTrue(arrived.await(10, TimeUnit.SECONDS));
                assertEquals(0, proxy.terminate(Duration.ofSeconds(20)));
                String log = proxy.log();
                assertTrue(log.contains("[info][main] shutting down: draining for up to 1s"), log);
                assertTrue(log.contains("[info][main] draining 1 connection(s) (1 request(s) in flight) for up to 1s"), log);
                assertTrue(log.contains("[warning][main] drain deadline of 1s reached: closed 1 connection(s), cutting 1"
                        + " request(s) in flight"), log);
                assertTrue(log.contains("[info][main] exiting"), log);
                inFlight.handle((r, t) -> null).get(10, TimeUnit.SECONDS);
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    void shutdownWithNothingInFlightReportsACompleteDrain() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port()), admin);
            assertEquals(200, get(port, "x", "/api").statusCode());
            assertEquals(0, proxy.terminate(Duration.ofSeconds(20)));
            String log = proxy.log();
            assertTrue(log.contains("[info][main] drain complete after "), log);
            assertTrue(log.contains("[info][main] exiting"), log);
        }
    }
}

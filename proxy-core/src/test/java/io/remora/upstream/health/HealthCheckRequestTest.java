package io.remora.upstream.health;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.HeaderMutation;
import io.remora.config.HealthCheckConfig;
import io.remora.config.LoadBalancingConfig;
import io.remora.stats.StatsRegistry;
import io.remora.testing.RawH2;
import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManagerImpl;
import io.remora.upstream.HealthFlag;
import io.remora.upstream.Host;
import io.remora.upstream.TestClusters;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.remora.upstream.health.HealthCheckerTest.await;
import static io.remora.upstream.health.HealthCheckerTest.only;
import static io.remora.upstream.health.HealthCheckerTest.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a check sends and how the connection it keeps is treated, as Envoy's HTTP and gRPC checkers. */
class HealthCheckRequestTest {

    private static HealthCheckConfig config(HealthCheckConfig.Checker c) {
        Duration d = Duration.ofMillis(50);
        return HealthCheckConfig.builder(Duration.ofSeconds(3), d, c).thresholds(1, 1).noTrafficInterval(d).build();
    }

    private static HeaderMutation.HeaderValueOption header(String name, String value, boolean keepEmpty) {
        return new HeaderMutation.HeaderValueOption(name, value, HeaderMutation.AppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
                keepEmpty);
    }

    /**
     * request_headers_to_add goes through Envoy's HeaderParser: command operators are formatted
     * against the checked host (metadata, address), the protocol and the checker's 127.0.0.1:0
     * downstream; a value that formats empty is left out unless keep_empty_value.
     */
    @Test
    void httpCheckFormatsTheHeadersItAdds() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            ex.getRequestHeaders().forEach((k, v) -> seen.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        int port = server.getAddress().getPort();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            HealthCheckConfig.Http http = HealthCheckConfig.Http.builder("/ready").requestHeadersToAdd(List.of(
                    header("x-protocol", "%PROTOCOL%", false),
                    header("x-version", "%UPSTREAM_METADATA(acme:version)%", false),
                    header("x-upstream", "%UPSTREAM_HOST%", false),
                    header("x-downstream", "%DOWNSTREAM_LOCAL_ADDRESS%", false),
                    header("x-absent", "%UPSTREAM_METADATA(acme:none)%", false),
                    header("x-kept", "%UPSTREAM_METADATA(acme:none)%", true))).build();
            ClusterLoadAssignment.LbEndpoint ep = new ClusterLoadAssignment.LbEndpoint(new Address.Tcp("127.0.0.1", port),
                    1, ClusterLoadAssignment.HealthStatus.UNKNOWN, null, null, null, Map.of("acme", Map.of("version", "v7")), null, null, null,
                    null);
            ClusterConfig c = TestClusters.staticCluster("hc", ClusterConfig.LbPolicy.ROUND_ROBIN, ep)
                    .withResilience(null, List.of(config(http)), LoadBalancingConfig.DEFAULT);
            cm.update(Map.of("hc", c));
            await("first check passes", only(cm.get("hc"))::isHealthy);
            assertEquals("HTTP/1.1", seen.get("x-protocol"));
            assertEquals("v7", seen.get("x-version"));
            assertEquals("127.0.0.1:" + port, seen.get("x-upstream"));
            assertEquals("127.0.0.1:0", seen.get("x-downstream"));
            assertFalse(seen.containsKey("x-absent"), "an empty value is left out: " + seen);
            assertEquals("", seen.get("x-kept"), "unless keep_empty_value");
        } finally {
            server.stop(0);
        }
    }

    /** As Envoy's gRPC checker: the check's timeout as grpc-timeout, and formatted initial metadata. */
    @Test
    void grpcCheckSendsItsTimeoutAndFormatsItsMetadata() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        io.grpc.Metadata.Key<String> protocol = io.grpc.Metadata.Key.of("x-protocol", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
        Server server = HealthCheckerTest.servingHealth(headers -> {
            seen.put("x-protocol", String.valueOf(headers.get(protocol)));
            // grpc-java turns grpc-timeout into the call's deadline.
            seen.put("deadline", String.valueOf(io.grpc.Context.current().getDeadline() != null));
        });
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            HealthCheckConfig.Grpc grpc = new HealthCheckConfig.Grpc("", "", List.of(header("x-protocol", "%PROTOCOL%", false)));
            Cluster c = HealthCheckerTest.cluster(cm, server.getPort(), config(grpc));
            await("SERVING passes", only(c)::isHealthy);
            assertEquals("HTTP/2", seen.get("x-protocol"));
            assertEquals("true", seen.get("deadline"), "grpc-timeout sent");
        } finally {
            server.shutdownNow();
        }
    }

    /**
     * An HTTP/2 upstream that answers each check and then sends a graceful GOAWAY, keeping the
     * connection open: as Envoy's checker, the next check opens a new connection instead of
     * failing on the old one.
     */
    @Test
    void aGracefulGoAwayMovesTheNextCheckToANewConnection() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        List<RawH2> open = new java.util.concurrent.CopyOnWriteArrayList<>();
        StatsRegistry stats = new StatsRegistry();
        try (ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!ss.isClosed()) {
                    try {
                        RawH2 h2 = RawH2.accept(ss);
                        open.add(h2);
                        accepted.incrementAndGet();
                        Thread t = new Thread(() -> serveOneThenGoAway(h2, answered));
                        t.setDaemon(true);
                        t.start();
                    } catch (java.io.IOException e) {
                        // closed
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            try (ClusterManagerImpl cm = new ClusterManagerImpl(stats)) {
                HealthCheckConfig.Http http = HealthCheckConfig.Http.builder("/healthz").http2(true).build();
                Host h = only(HealthCheckerTest.cluster(cm, ss.getLocalPort(), config(http)));
                await("three checks answered", () -> answered.get() >= 3 && stat(stats, "success") >= 3);
                assertEquals(0.0, stat(stats, "network_failure"), "no check failed on a connection going away");
                assertTrue(h.isHealthy());
                assertTrue(accepted.get() >= 3, "a new connection per check: " + accepted.get());
            }
        } finally {
            for (RawH2 h2 : open) {
                h2.close();
            }
        }
    }

    private static void serveOneThenGoAway(RawH2 h2, AtomicInteger answered) {
        try {
            boolean done = false;
            for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
                if (f.type() == RawH2.SETTINGS && (f.flags() & 1) == 0) {
                    h2.settingsAck().flush();
                } else if (f.type() == RawH2.HEADERS && !done) {
                    done = true;
                    // :status 200 (static table index 8), then GOAWAY(last stream = this one, NO_ERROR).
                    h2.frame(RawH2.HEADERS, 0x5, f.streamId(), new byte[] {(byte) 0x88});
                    byte[] goAway = java.nio.ByteBuffer.allocate(8).putInt(f.streamId()).putInt(RawH2.NO_ERROR).array();
                    h2.frame(RawH2.GOAWAY, 0, 0, goAway).flush();
                    answered.incrementAndGet();
                }
            }
        } catch (java.io.IOException e) {
            // the checker closed it
        }
    }

    /**
     * Health check connections are the cluster's connections to Envoy (createHealthCheckConnection):
     * they leave from upstream_bind_config's source address.
     */
    @Test
    void checksConnectFromTheClustersBindAddress() throws Exception {
        AtomicReference<String> source = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            source.set(ex.getRemoteAddress().getAddress().getHostAddress());
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            ClusterConfig c = TestClusters.staticCluster("hc", ClusterConfig.LbPolicy.ROUND_ROBIN,
                            TestClusters.ep("127.0.0.1", server.getAddress().getPort()))
                    .withResilience(null, List.of(config(HealthCheckConfig.Http.builder("/h").build())),
                            LoadBalancingConfig.DEFAULT)
                    .toBuilder().upstreamBind(new io.remora.config.BindConfig(new Address.Tcp("127.0.0.2", 0), false,
                            List.of(), List.of())).build();
            cm.update(Map.of("hc", c));
            await("first check passes", only(cm.get("hc"))::isHealthy);
            assertEquals("127.0.0.2", source.get());
        } finally {
            server.stop(0);
        }
    }

    /**
     * Envoy's HTTP checker: a body that misses the receive blocks, carrying
     * x-envoy-immediate-health-check-fail, excludes the host as a failing status with it does.
     */
    @Test
    void aBodyMismatchWithTheImmediateFailHeaderExcludesTheHost() throws Exception {
        AtomicReference<String> body = new AtomicReference<>("OK");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            byte[] b = body.get().getBytes(StandardCharsets.US_ASCII);
            if (!body.get().equals("OK")) {
                ex.getResponseHeaders().add("x-envoy-immediate-health-check-fail", "true");
            }
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try (ClusterManagerImpl cm = new ClusterManagerImpl(new StatsRegistry())) {
            HealthCheckConfig.Http http = HealthCheckConfig.Http.builder("/h").receiveHex(List.of("4f4b")).build();
            Host h = only(HealthCheckerTest.cluster(cm, server.getAddress().getPort(), config(http)));
            await("healthy", h::isHealthy);
            body.set("DRAINING");
            await("failed", () -> h.healthFlagGet(HealthFlag.FAILED_ACTIVE_HC));
            assertTrue(h.healthFlagGet(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL), "excluded by the header");
            body.set("OK");
            await("back", h::isHealthy);
            assertFalse(h.healthFlagGet(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL));
        } finally {
            server.stop(0);
        }
    }
}

package io.remora.e2e.xds;

import io.remora.e2e.TestDnsServer;
import io.remora.testing.SocketServers;
import io.remora.xds.ads.TestControlPlane;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's server init: no listener, static or from the first LDS, listens before the server is
 * initialized (the first xDS fetch bounded by initial_fetch_timeout, the static DNS clusters' first
 * resolution, the clusters' first health-check round); until then a connect is refused, the admin
 * answers and /ready says 503. The ADS stream opens once its own cluster is initialized; LDS is asked for on it
 * only once the cluster manager is (CDS's first response and its clusters' EDS in).
 */
class ServerInitE2ETest extends MeshTestBase {

    /** A static listener answering 200 "static" on every path; list item for {@code listeners:} at two spaces. */
    private static String staticListener(int port) {
        return XdsProxy.staticHttpListener("static-http", port, """
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: { prefix: "/" }
                      direct_response: { status: 200, body: { inline_string: static } }
                """);
    }

    /** A socket that accepts and never answers: a health check of it is pending until the test closes what it held. */
    private static ServerSocket silent(List<Socket> held) throws IOException {
        ServerSocket silent = new ServerSocket(0);
        SocketServers.acceptEach(silent, "silent-checked", held::add);
        return silent;
    }

    private static void awaitHeld(List<Socket> held) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (held.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, held.size(), "the health check connected");
    }

    private static void assertRefused(int port, String why) {
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), why);
    }

    @Test
    void staticListenerWaitsForTheFirstAdsResponse() throws Exception {
        int port = XdsProxy.freePort();
        proxy = XdsProxy.start(XdsProxy.adsBootstrap(cp.port, false) + staticListener(port));
        cp.awaitRequest("the first CDS request", r -> r.getTypeUrl().equals(XdsAdsE2ETest.CDS));
        assertRefused(port, "bound, not listened on, while the first CDS response is held");
        assertEquals("INITIALIZING", proxy.admin("/ready").trim());
        String dump = proxy.admin("/init_dump");
        assertTrue(dump.contains("LDS") && dump.contains("CDS"), dump);
        Thread.sleep(300); // still held: still refused, and LDS not asked for before the clusters are initialized
        assertRefused(port, "the control plane has still not answered");
        assertTrue(cp.requests(XdsAdsE2ETest.LDS).isEmpty(), "LDS waits for the cluster manager: " + cp.requests);

        cp.set(mesh.snapshot());
        cp.awaitRequest("LDS once CDS and its clusters' EDS are in", r -> r.getTypeUrl().equals(XdsAdsE2ETest.LDS));
        XdsProxy.Reply r = proxy.awaitReply("the static listener serves once initialized", port, "/",
                x -> x.status() == 200);
        assertEquals("static", r.body());
        awaitLive();
        assertEquals("u-a", proxy.awaitReply("the LDS listener serves too", mesh.listenerPort, "/",
                x -> x.status() == 200).body());
    }

    @Test
    void initialFetchTimeoutMakesTheServerLiveAndListening() throws Exception {
        int port = XdsProxy.freePort();
        String bootstrap = XdsProxy.adsBootstrap(cp.port, false)
                .replace("lds_config: { ads: {}, resource_api_version: V3 }",
                        "lds_config: { ads: {}, resource_api_version: V3, initial_fetch_timeout: 2s }")
                .replace("cds_config: { ads: {}, resource_api_version: V3 }",
                        "cds_config: { ads: {}, resource_api_version: V3, initial_fetch_timeout: 2s }");
        assertTrue(bootstrap.contains("initial_fetch_timeout: 2s }\n  cds_config"), bootstrap);
        proxy = XdsProxy.start(bootstrap + staticListener(port));
        assertRefused(port, "the control plane never answers; the timeout has not run out yet");
        // The control plane never answers: after 2 s the server goes on without, and listens.
        XdsProxy.Reply r = proxy.awaitReply("listening after initial_fetch_timeout", port, "/",
                x -> x.status() == 200);
        assertEquals("static", r.body());
        awaitLive();
    }

    @Test
    void listenerWaitsForTheFirstHealthCheckRound() throws Exception {
        int port = XdsProxy.freePort();
        // A health-checked host that accepts and never answers: its first check is pending until closed.
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = silent(held)) {
            String bootstrap = XdsProxy.staticBootstrap()
                    + XdsProxy.checkedCluster("checked", silent.getLocalPort(), "http_health_check: { path: /healthz }")
                    + staticListener(port);
            proxy = XdsProxy.start(bootstrap);
            awaitHeld(held);
            assertRefused(port, "the cluster's first health check has not finished");
            assertEquals("INITIALIZING", proxy.admin("/ready").trim());
            String dump = proxy.admin("/init_dump");
            assertTrue(dump.contains("Cluster checked"), dump);

            for (Socket s : held) {
                s.close(); // the check fails: the round is done, pass or fail
            }
            XdsProxy.Reply r = proxy.awaitReply("listening after the first round", port, "/",
                    x -> x.status() == 200);
            assertEquals("static", r.body());
            awaitLive();
            assertEquals("{}", proxy.admin("/init_dump").trim());
        }
    }

    @Test
    void listenerWaitsForTheFirstDnsAnswerWithoutBlockingTheStart() throws Exception {
        int port = XdsProxy.freePort();
        int upstreamPort = XdsProxy.freePort();
        try (TestDnsServer dns = TestDnsServer.start().answer("svc.remora.test", 30, "127.0.0.1").hold()) {
            String bootstrap = """
                    admin:
                      address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                    static_resources:
                      clusters:
                      - name: named
                        type: STRICT_DNS
                        connect_timeout: 1s
                        dns_resolvers: [ { socket_address: { address: 127.0.0.1, port_value: %d } } ]
                        load_assignment:
                          cluster_name: named
                          endpoints:
                          - lb_endpoints:
                            - endpoint: { address: { socket_address: { address: svc.remora.test, port_value: %d } } }
                    """.formatted(dns.port(), upstreamPort) + staticListener(port);
            long t0 = System.nanoTime();
            proxy = XdsProxy.start(bootstrap);
            long startMillis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(startMillis < 3_000, "the start does not wait for DNS: " + startMillis + " ms");
            assertRefused(port, "the DNS cluster's first resolution is pending");
            assertEquals("INITIALIZING", proxy.admin("/ready").trim());
            String dump = proxy.admin("/init_dump");
            assertTrue(dump.contains("init manager ClusterManager") && dump.contains("Cluster named"), dump);
            Thread.sleep(300);
            assertRefused(port, "still no answer");

            dns.release();
            assertEquals("static", proxy.awaitReply("listening after the first answer", port, "/",
                    x -> x.status() == 200).body());
            awaitLive();
            assertEquals("{}", proxy.admin("/init_dump").trim());
            assertTrue(proxy.admin("/clusters").contains("named::127.0.0.1:" + upstreamPort),
                    "the answer's host is the cluster's");
        }
    }

    @Test
    void strictDnsClusterIsInitializedByItsFirstNamesAnswer() throws Exception {
        int port = XdsProxy.freePort();
        int upstreamPort = XdsProxy.freePort();
        // a.remora.test answers; b.remora.test is held, and its query would not time out for 30 s.
        try (TestDnsServer dns = TestDnsServer.start().answer("a.remora.test", 30, "127.0.0.1")
                .answer("b.remora.test", 30, "127.0.0.2").hold("b.remora.test")) {
            String bootstrap = """
                    admin:
                      address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                    static_resources:
                      clusters:
                      - name: named
                        type: STRICT_DNS
                        connect_timeout: 1s
                    %s
                        load_assignment:
                          cluster_name: named
                          endpoints:
                          - lb_endpoints:
                            - endpoint: { address: { socket_address: { address: a.remora.test, port_value: %d } } }
                            - endpoint: { address: { socket_address: { address: b.remora.test, port_value: %d } } }
                    """.formatted(dns.caresResolver(4).stripTrailing(), upstreamPort, upstreamPort) + staticListener(port);
            proxy = XdsProxy.start(bootstrap);
            // As Envoy's STRICT_DNS pre-init: done with the first name's answer, the held one notwithstanding.
            assertEquals("static", proxy.awaitReply("listening after the first name's answer", port, "/",
                    x -> x.status() == 200).body());
            awaitLive();
            String clusters = proxy.admin("/clusters");
            assertTrue(clusters.contains("named::127.0.0.1:" + upstreamPort), clusters);
            assertTrue(!clusters.contains("named::127.0.0.2:" + upstreamPort), "b is still unanswered: " + clusters);

            dns.release();
            TestControlPlane.await("the second name's host joins",
                    () -> proxy.admin("/clusters").contains("named::127.0.0.2:" + upstreamPort));
        }
    }

    @Test
    void adsStreamWaitsForItsClusterToInitialize() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = silent(held)) {
            // The xDS cluster's host is health checked on a port that never answers: its first round is pending.
            String bootstrap = XdsProxy.adsBootstrap(cp.port, false)
                    .replace("      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: "
                            + cp.port + " } } }",
                            "      - endpoint:\n"
                            + "            address: { socket_address: { address: 127.0.0.1, port_value: " + cp.port + " } }\n"
                            + "            health_check_config: { port_value: " + silent.getLocalPort() + " }")
                    + XdsProxy.minuteHealthChecks("http_health_check: { path: /healthz }");
            assertTrue(bootstrap.contains("health_check_config: { port_value: " + silent.getLocalPort()), bootstrap);
            proxy = XdsProxy.start(bootstrap);
            awaitHeld(held);
            Thread.sleep(500);
            assertTrue(cp.requests.isEmpty(), "no discovery request: " + cp.requests);
            assertTrue(cp.streamTypes.isEmpty(), "no ADS stream before the xDS cluster is initialized: " + cp.streamTypes);
            String dump = proxy.admin("/init_dump");
            assertTrue(dump.contains("Cluster xds-grpc"), dump);

            for (Socket s : held) {
                s.close(); // the check fails: the round is done, pass or fail
            }
            cp.awaitRequest("the first CDS request once the cluster is initialized",
                    r -> r.getTypeUrl().equals(XdsAdsE2ETest.CDS));
            cp.set(mesh.snapshot());
            assertEquals("u-a", proxy.awaitReply("the LDS listener serves", mesh.listenerPort, "/",
                    x -> x.status() == 200).body());
        }
    }

    @Test
    void aHostCheckedBeforeTheRoundWasAskedForDoesNotHoldIt() throws Exception {
        int port = XdsProxy.freePort();
        // A TCP check passes on connect, at once: before the server asks for the cluster's first round.
        try (ServerSocket accepting = new ServerSocket(0)) {
            String bootstrap = XdsProxy.staticBootstrap()
                    + XdsProxy.checkedCluster("checked", accepting.getLocalPort(), "tcp_health_check: {}")
                    + staticListener(port);
            proxy = XdsProxy.start(bootstrap);
            // Not the next check a minute later: the round is done with the first.
            assertEquals("static", proxy.awaitReply("listening after the first check", port, "/",
                    x -> x.status() == 200).body());
            awaitLive();
        }
    }

    /**
     * LIVE follows the listeners' start, as Envoy's startWorkers callback does, so a listener's first
     * reply can come just before it.
     */
    private void awaitLive() {
        TestControlPlane.await("LIVE", () -> proxy.admin("/ready").trim().equals("LIVE"));
    }
}

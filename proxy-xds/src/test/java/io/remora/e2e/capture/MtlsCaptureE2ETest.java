package io.remora.e2e.capture;

import io.remora.e2e.ProxyProcess;
import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;

import static io.remora.e2e.PrometheusSamples.awaitSample;
import static io.remora.e2e.PrometheusSamples.sampleSubset;
import static io.remora.e2e.capture.CaptureTests.cluster;
import static io.remora.e2e.capture.CaptureTests.listener;
import static io.remora.e2e.capture.CapturedPod.PEER_GRPC;
import static io.remora.e2e.capture.CapturedPod.PEER_HTTP;
import static io.remora.e2e.capture.CapturedPod.PEER_IP;
import static io.remora.e2e.capture.CapturedPod.PEER_TCP;
import static io.remora.e2e.capture.CapturedPod.PROXY_UID;
import static io.remora.e2e.capture.IstioMtlsBootstrap.CLIENT_SA;
import static io.remora.e2e.capture.IstioMtlsBootstrap.CLIENT_WORKLOAD;
import static io.remora.e2e.capture.IstioMtlsBootstrap.SERVER_SA;
import static io.remora.e2e.capture.IstioMtlsBootstrap.SERVER_WORKLOAD;
import static io.remora.e2e.capture.IstioSidecarBootstrap.OUT_GRPC;
import static io.remora.e2e.capture.IstioSidecarBootstrap.OUT_HTTP;
import static io.remora.e2e.capture.IstioSidecarBootstrap.OUT_TCP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutual TLS between two captured pods, as in an Istio mesh: both pods run Istio's REDIRECT rules
 * ({@code iptables-redirect.golden}) and a Remora sidecar as uid 1337 ({@link IstioMtlsBootstrap}).
 * The client app's plain HTTP, gRPC and TCP leave its pod through 15001 as ISTIO_MUTUAL (picked
 * by {@code transport_socket_matches} on the endpoint's tlsMode), enter the peer pod through 15006
 * on Istio's mTLS chains, and reach the peer app from 127.0.0.6. The peer sidecar sees the
 * client's SPIFFE identity (forwarded to the app in x-forwarded-client-cert, reported as
 * {@code source_principal} with {@code connection_security_policy="mutual_tls"}), the client
 * sidecar the peer's; a plaintext client is refused on the STRICT ports and accepted on the
 * PERMISSIVE one. Each connection is accepted once on either side: no capture loop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MtlsCaptureE2ETest {
    private CapturedPod pods;
    private Path certs;

    @BeforeAll
    void setUp() throws Exception {
        pods = CapturedPod.createMesh();
        try {
            certs = TempPaths.directory("remora-mesh-certs");
            TestCerts.Ca ca = TestCerts.ca("cluster.local");
            ca.issue("app", CLIENT_SA).write(certs, "app");
            ca.issue("peer", SERVER_SA).write(certs, "peer");
            // The sidecars run as uid 1337: they must read their certificates.
            Files.setPosixFilePermissions(certs, PosixFilePermissions.fromString("rwxr-xr-x"));
            try (Stream<Path> files = Files.list(certs)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
            pods.startWorkloads();
            // The two sidecars start side by side: neither waits for the other to be ready.
            String peerBootstrap = IstioMtlsBootstrap.server(certs);
            java.util.concurrent.CompletableFuture<Void> peer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    pods.startPeerRemora(peerBootstrap);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            try {
                pods.startRemora(IstioMtlsBootstrap.client(certs));
            } finally {
                // Started or failed before any tear-down, so that no sidecar is left behind.
                peer.exceptionally(e -> null).join();
            }
            peer.join();
        } catch (Exception | Error e) {
            String diag = pods.diagnostics();
            tearDown();
            throw new IllegalStateException("mesh set-up failed: " + e + diag, e);
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        try {
            if (pods != null) {
                pods.close();
                pods = null;
            }
        } finally {
            if (certs != null) {
                try (Stream<Path> files = Files.list(certs)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Files.delete(f);
                    }
                }
                Files.delete(certs);
                certs = null;
            }
        }
    }

    private ProxyProcess client() {
        return pods.remora;
    }

    private ProxyProcess server() {
        return pods.peerRemora;
    }

    /** What each sidecar counted of one exchange, read before and checked after it. */
    private final class Counts {
        /** Every listener of the client's: 15001 hands each connection to the service listener that counts it. */
        final double outbound = sampleSubset(client(), "envoy_listener_downstream_cx_total", Map.of());
        final double inbound = server().metric(listener("downstream_cx_total", "0.0.0.0_15006"));
        final double meshConnections = client().metric(cluster("upstream_cx_total", OUT_HTTP))
                + client().metric(cluster("upstream_cx_total", OUT_GRPC))
                + client().metric(cluster("upstream_cx_total", OUT_TCP));

        Counts() throws Exception {
        }

        /** One app connection captured once in the client pod; the peer accepted exactly what the client opened. */
        void assertNoLoop() throws Exception {
            Counts now = new Counts();
            assertEquals(outbound + 1, now.outbound, pods.diagnostics());
            assertEquals(now.meshConnections - meshConnections, now.inbound - inbound, pods.diagnostics());
        }
    }

    private static Map<String, String> destinationSaw(String protocol) {
        return Map.of("reporter", "destination", "source_principal", CLIENT_SA, "source_workload", CLIENT_WORKLOAD,
                "destination_principal", SERVER_SA, "destination_workload", SERVER_WORKLOAD,
                "request_protocol", protocol, "connection_security_policy", "mutual_tls");
    }

    private static Map<String, String> sourceSaw(String protocol) {
        return Map.of("reporter", "source", "source_principal", CLIENT_SA, "source_workload", CLIENT_WORKLOAD,
                "destination_principal", SERVER_SA, "destination_workload", SERVER_WORKLOAD,
                "destination_service", IstioSidecarBootstrap.SVC, "request_protocol", protocol);
    }

    @Test
    void httpBetweenTheAppsIsMutualTlsWithTheClientsSpiffeIdentity() throws Exception {
        Counts before = new Counts();
        Map<String, String> inbound = destinationSaw("http");
        Map<String, String> outbound = sourceSaw("http");
        double seenIn = sampleSubset(server(), "istio_requests_total", inbound);
        double seenOut = sampleSubset(client(), "istio_requests_total", outbound);

        String body = CapturedPod.curl(pods.pod, "http://" + PEER_IP + ":" + PEER_HTTP + "/hello");

        assertTrue(body.startsWith("peer saw 127.0.0.6:") && body.contains(" path /hello xfcc "), body + pods.diagnostics());
        String xfcc = body.substring(body.indexOf(" xfcc ") + 6);
        assertTrue(xfcc.startsWith("By=" + SERVER_SA + ";") && xfcc.contains(";URI=" + CLIENT_SA), xfcc);
        // the client certificate's subject in RFC 2253 order, as Envoy prints it
        assertTrue(xfcc.contains(";Subject=\"O=remora-test,CN=app\";"), xfcc);
        assertEquals(seenIn + 1, sampleSubset(server(), "istio_requests_total", inbound),
                server().admin("/stats/prometheus"));
        assertEquals(seenOut + 1, sampleSubset(client(), "istio_requests_total", outbound),
                client().admin("/stats/prometheus"));
        before.assertNoLoop();
    }

    @Test
    void grpcBetweenTheAppsIsMutualTlsOverHttp2() throws Exception {
        Counts before = new Counts();
        Map<String, String> inbound = destinationSaw("grpc");
        double seenIn = sampleSubset(server(), "istio_requests_total", inbound);
        double seenOut = sampleSubset(client(), "istio_requests_total", sourceSaw("grpc"));

        String out = pods.grpc(pods.pod, PEER_IP, PEER_GRPC, "hi");

        assertTrue(out.startsWith("peer saw 127.0.0.6:") && out.endsWith("grpc hi"), out + pods.diagnostics());
        assertEquals(seenIn + 1, sampleSubset(server(), "istio_requests_total", inbound),
                server().admin("/stats/prometheus"));
        assertEquals(seenOut + 1, sampleSubset(client(), "istio_requests_total", sourceSaw("grpc")),
                client().admin("/stats/prometheus"));
        before.assertNoLoop();
    }

    /**
     * The peer's TCP service is client-first, as the exchange needs: a server-first app's greeting
     * would reach the peer sidecar's metadata exchange before the TLS handshake has chosen the
     * ALPN, which (in istio-proxy as here) gives the exchange up for that connection.
     */
    @Test
    void tcpBetweenTheAppsIsMutualTlsWithThePeersExchangedMetadata() throws Exception {
        Counts before = new Counts();
        Map<String, String> inbound = destinationSaw("tcp");
        Map<String, String> outbound = sourceSaw("tcp");
        double seenIn = sampleSubset(server(), "istio_tcp_connections_opened_total", inbound);
        double seenOut = sampleSubset(client(), "istio_tcp_connections_opened_total", outbound);

        String out = pods.tcp(pods.pod, PEER_IP, PEER_TCP, "ping");

        assertTrue(out.startsWith("peer saw 127.0.0.6:") && out.endsWith("echo ping"), out + pods.diagnostics());
        // source_workload and destination_workload come from the exchange over ALPN istio-peer-exchange
        awaitSample(server(), "istio_tcp_connections_opened_total", inbound, seenIn + 1);
        awaitSample(client(), "istio_tcp_connections_opened_total", outbound, seenOut + 1);
        before.assertNoLoop();
    }

    /** A client outside the mesh: a process of the proxy's uid, which Istio's rules let out uncaptured. */
    private String plaintextCurl(String url) throws Exception {
        return pods.pod.execQuietly("setpriv", "--reuid", String.valueOf(PROXY_UID), "--regid",
                String.valueOf(PROXY_UID), "--clear-groups", "curl", "-sS", "--max-time", "10", url).trim();
    }

    @Test
    void plaintextIsRefusedOnStrictPortsAndAcceptedOnThePermissiveOne() throws Exception {
        double noChain = server().metric("envoy_listener_no_filter_chain_match{envoy_listener_address=\"0.0.0.0_15006\"}");
        double toApp = server().metric(cluster("upstream_cx_total", IstioMtlsBootstrap.IN_TCP))
                + server().metric(cluster("upstream_cx_total", IstioMtlsBootstrap.IN_GRPC))
                + server().metric(cluster("upstream_cx_total", "InboundPassthroughClusterIpv4"));

        // STRICT: only TLS chains for the port, and Envoy's matching never falls back to the
        // plaintext catch-all once the destination port has chains of its own.
        String strictTcp = plaintextCurl("http://" + PEER_IP + ":" + PEER_TCP + "/");
        String strictGrpc = plaintextCurl("http://" + PEER_IP + ":" + PEER_GRPC + "/");
        assertFalse(strictTcp.contains("saw"), strictTcp);
        assertFalse(strictGrpc.contains("saw"), strictGrpc);
        assertEquals(noChain + 2, server().metric(
                "envoy_listener_no_filter_chain_match{envoy_listener_address=\"0.0.0.0_15006\"}"), pods.diagnostics());
        assertEquals(toApp, server().metric(cluster("upstream_cx_total", IstioMtlsBootstrap.IN_TCP))
                + server().metric(cluster("upstream_cx_total", IstioMtlsBootstrap.IN_GRPC))
                + server().metric(cluster("upstream_cx_total", "InboundPassthroughClusterIpv4")), pods.diagnostics());

        // PERMISSIVE: the plaintext chain serves it, with no client identity
        Map<String, String> plain = Map.of("reporter", "destination", "source_principal", "unknown",
                "connection_security_policy", "none", "response_code", "200");
        double seen = sampleSubset(server(), "istio_requests_total", plain);
        String permissive = plaintextCurl("http://" + PEER_IP + ":" + PEER_HTTP + "/plain");
        assertTrue(permissive.startsWith("peer saw 127.0.0.6:") && permissive.endsWith("path /plain"),
                permissive + pods.diagnostics());
        assertEquals(seen + 1, sampleSubset(server(), "istio_requests_total", plain), server().admin("/stats/prometheus"));
    }
}

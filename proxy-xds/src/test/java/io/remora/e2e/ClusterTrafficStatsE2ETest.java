package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the pools charge Envoy's cluster traffic stats (envoy/upstream/upstream.h's ALL_CLUSTER_TRAFFIC_STATS), against
 * upstreams that close, announce their close, and are slow or absent: conn_pool_base.cc's onConnectionEvent
 * (upstream_cx_destroy_local/_remote and _with_active_rq, upstream_cx_length_ms), its Connected event
 * (upstream_cx_connect_ms), newPendingStream, onPendingStreamCancel and purgePendingStreams (upstream_rq_pending_*,
 * upstream_rq_cancelled), the last stream max_requests_per_connection allows (upstream_cx_max_requests), and the
 * HTTP/1 pool's response that closes its connection (upstream_cx_close_notify).
 */
class ClusterTrafficStatsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        TestUpstream dropper = stack.upstream((ctx, req, n) -> ctx.close());
        TestUpstream closer = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "bye",
                Map.of("connection", "close")));
        TestUpstream ok = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        String large = "x".repeat(LARGE);
        TestUpstream big = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, large));
        TestUpstream slow = stack.upstream((ctx, req, n) -> ctx.executor().schedule(
                () -> TestUpstream.send(ctx, req, 200, "late"), 3, TimeUnit.SECONDS));
        String routes = """
                - match: { prefix: "/dropper" }
                  route: { cluster: dropper }
                - match: { prefix: "/closer" }
                  route: { cluster: closer }
                - match: { prefix: "/once" }
                  route: { cluster: once }
                - match: { prefix: "/slow" }
                  route: { cluster: slow }
                - match: { prefix: "/refused" }
                  route: { cluster: refused }
                - match: { prefix: "/big" }
                  route: { cluster: big }
                """;
        String clusters = String.join("\n",
                Bootstraps.cluster("dropper", false, null, dropper.port()),
                Bootstraps.cluster("closer", false, null, closer.port()),
                Bootstraps.cluster("once", false, """
                          typed_extension_protocol_options:
                            envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                              "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                              common_http_protocol_options: { max_requests_per_connection: 1 }
                              explicit_http_config: { http_protocol_options: {} }
                        """, ok.port()),
                Bootstraps.cluster("slow", false, """
                          circuit_breakers: { thresholds: [ { max_connections: 1 } ] }
                        """, slow.port()),
                Bootstraps.cluster("refused", false, null, ProxyProcess.freePort()),
                Bootstraps.cluster("big", false, null, big.port()));
        proxy = stack.start(stack.http(TempPaths.file("cluster-traffic-access", ".log").toString(), routes, clusters));
    }

    /** A response far larger than the socket buffers and the connection's write buffer on the way. */
    private static final int LARGE = 32 << 20;

    private static double stat(String cluster, String name) throws Exception {
        return proxy.metric("envoy_cluster_" + name + "{envoy_cluster_name=\"" + cluster + "\"}");
    }

    private static void await(String cluster, String name, double value) throws Exception {
        HostHealthFailureE2ETest.await(cluster + " " + name + " " + value, () -> stat(cluster, name) == value);
    }

    @Test
    void aPeerThatClosesUnderARequestIsARemoteDestroyWithAnActiveRequest() throws Exception {
        assertEquals(503, Curl.run(stack.url("/dropper")).status());
        await("dropper", "upstream_cx_destroy", 1);
        assertEquals(1.0, stat("dropper", "upstream_cx_destroy_remote"));
        assertEquals(1.0, stat("dropper", "upstream_cx_destroy_with_active_rq"));
        assertEquals(1.0, stat("dropper", "upstream_cx_destroy_remote_with_active_rq"));
        assertEquals(0.0, stat("dropper", "upstream_cx_destroy_local"));
        assertEquals(0.0, stat("dropper", "upstream_cx_destroy_local_with_active_rq"));
        assertEquals(1.0, stat("dropper", "upstream_rq_pending_total"), "the request waited for the connection");
        assertEquals(0.0, stat("dropper", "upstream_rq_pending_active"));
        // a sample each (promtool refuses their unit, so they are in /stats only)
        String stats = proxy.admin("/stats?filter=dropper.upstream_cx_");
        assertTrue(stats.contains("cluster.dropper.upstream_cx_connect_ms: P0("), stats);
        assertTrue(stats.contains("cluster.dropper.upstream_cx_length_ms: P0("), stats);
    }

    @Test
    void aResponseThatClosesItsConnectionIsACloseNotifyAndALocalDestroy() throws Exception {
        assertEquals(200, Curl.run(stack.url("/closer")).status());
        await("closer", "upstream_cx_destroy", 1);
        assertEquals(1.0, stat("closer", "upstream_cx_close_notify"));
        assertEquals(1.0, stat("closer", "upstream_cx_destroy_local"));
        assertEquals(0.0, stat("closer", "upstream_cx_destroy_with_active_rq"));
    }

    @Test
    void theLastRequestAConnectionMayCarryCountsMaxRequests() throws Exception {
        assertEquals(200, Curl.run(stack.url("/once")).status());
        await("once", "upstream_cx_destroy", 1);
        assertEquals(1.0, stat("once", "upstream_cx_max_requests"));
        assertEquals(1.0, stat("once", "upstream_cx_destroy_local"));
        assertEquals(0.0, stat("once", "upstream_cx_destroy_remote"));
        assertEquals(0.0, stat("once", "upstream_cx_close_notify"));
    }

    @Test
    void aWaitingRequestItsClientGivesUpOnIsCancelled() throws Exception {
        Thread first = new Thread(() -> {
            try {
                Curl.run(stack.url("/slow"));
            } catch (IOException | InterruptedException ignored) {
                // only its hold on the cluster's one connection matters
            }
        });
        first.start();
        await("slow", "upstream_rq_active", 1);
        // the one connection max_connections allows is busy: this request waits, then its client leaves
        assertThrows(IOException.class, () -> Curl.run("--max-time", "1", stack.url("/slow")));
        await("slow", "upstream_rq_cancelled", 1);
        assertEquals(2.0, stat("slow", "upstream_rq_pending_total"));
        assertEquals(0.0, stat("slow", "upstream_rq_pending_active"));
        first.join(10_000);
    }

    /**
     * The router's DownstreamWatermarkManager: a client that does not read its response fills the downstream
     * connection, the upstream stream's reads pause (upstream_flow_control_paused_reading_total), and resume
     * (resumed_reading_total) as the client catches up; each pause is followed by a resume.
     */
    @Test
    void aClientThatDoesNotReadPausesTheUpstreamsReads() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", stack.port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("GET /big HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            HostHealthFailureE2ETest.await("upstream reads paused", () -> stat("big", "upstream_flow_control_paused_reading_total") >= 1);
            assertEquals(0.0, stat("big", "upstream_flow_control_backed_up_total"), "the upstream took the request");
            java.io.InputStream in = s.getInputStream();
            long body = -1;
            byte[] buf = new byte[64 * 1024];
            StringBuilder head = new StringBuilder();
            while (body < 0) {
                int c = in.read();
                assertTrue(c >= 0, head.toString());
                head.append((char) c);
                if (head.toString().endsWith("\r\n\r\n")) {
                    body = 0;
                }
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
            for (int n; body < LARGE && (n = in.read(buf)) > 0; ) {
                body += n;
            }
            assertEquals(LARGE, body);
        }
        HostHealthFailureE2ETest.await("every pause resumed", () -> stat("big", "upstream_flow_control_resumed_reading_total")
                == stat("big", "upstream_flow_control_paused_reading_total"));
    }

    @Test
    void aFailedConnectEjectsTheRequestsWaitingForIt() throws Exception {
        assertEquals(503, Curl.run(stack.url("/refused")).status());
        await("refused", "upstream_rq_pending_failure_eject", 1);
        assertEquals(1.0, stat("refused", "upstream_rq_pending_total"));
        assertEquals(0.0, stat("refused", "upstream_rq_pending_active"));
        assertTrue(stat("refused", "upstream_cx_connect_fail") >= 1);
    }
}

package io.remora.e2e.capture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static io.remora.e2e.capture.CapturedPod.APP_HTTP;
import static io.remora.e2e.capture.CapturedPod.APP_TCP;
import static io.remora.e2e.capture.CapturedPod.PEER_GRPC;
import static io.remora.e2e.capture.CapturedPod.PEER_HTTP;
import static io.remora.e2e.capture.CapturedPod.PEER_IP;
import static io.remora.e2e.capture.CapturedPod.PEER_TCP;
import static io.remora.e2e.capture.CapturedPod.PEER_TCP_UNKNOWN;
import static io.remora.e2e.capture.CapturedPod.POD_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a captured pod must show in either capture mode: outbound and inbound HTTP and TCP
 * through Istio's listener and cluster shapes, each connection through the proxy exactly once
 * (no capture loop). The subclasses pick the mode and say what address the app sees.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CaptureTests {
    CapturedPod pod;

    abstract CapturedPod.Mode mode();

    /** The source address the app sees for a connection from the peer. */
    abstract String inboundSourceSeenByApp();

    @BeforeAll
    void setUp() throws Exception {
        pod = CapturedPod.create(mode());
        try {
            pod.startWorkloads();
            pod.startRemora(IstioSidecarBootstrap.yaml(mode()));
        } catch (Exception | Error e) {
            String diag = pod.diagnostics();
            pod.close();
            pod = null;
            throw new IllegalStateException("pod set-up failed: " + e + diag, e);
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        if (pod != null) {
            pod.close();
        }
    }

    double metric(String sample) throws Exception {
        return pod.remora.metric(sample);
    }

    static String cluster(String stat, String cluster) {
        return "envoy_cluster_" + stat + "{envoy_cluster_name=\"" + cluster + "\"}";
    }

    static String listener(String stat, String address) {
        return "envoy_listener_" + stat + "{envoy_listener_address=\"" + address + "\"}";
    }

    @Test
    void outboundHttpIsCapturedAndRoutedByTheServiceListener() throws Exception {
        double before = metric(cluster("upstream_rq_total", IstioSidecarBootstrap.OUT_HTTP));
        String body = CapturedPod.curl(pod.pod, "http://" + PEER_IP + ":" + PEER_HTTP + "/hello");
        assertTrue(body.startsWith("peer saw " + POD_IP + ":"), body + pod.diagnostics());
        assertTrue(body.endsWith("path /hello"), body);
        assertEquals(before + 1, metric(cluster("upstream_rq_total", IstioSidecarBootstrap.OUT_HTTP)),
                pod.diagnostics());
    }

    @Test
    void outboundGrpcIsCapturedAndRoutedOverHttp2() throws Exception {
        double before = metric(cluster("upstream_rq_total", IstioSidecarBootstrap.OUT_GRPC));
        String out = pod.grpc(pod.pod, PEER_IP, PEER_GRPC, "hi");
        assertTrue(out.startsWith("peer saw " + POD_IP + ":") && out.endsWith("grpc hi"), out + pod.diagnostics());
        assertEquals(before + 1, metric(cluster("upstream_rq_total", IstioSidecarBootstrap.OUT_GRPC)), pod.diagnostics());
    }

    @Test
    void outboundTcpIsHandedToTheListenerAtItsOriginalDestination() throws Exception {
        double before = metric(cluster("upstream_cx_total", IstioSidecarBootstrap.OUT_TCP));
        String out = pod.tcp(pod.pod, PEER_IP, PEER_TCP, "ping");
        assertTrue(out.startsWith("peer saw " + POD_IP + ":"), out + pod.diagnostics());
        assertTrue(out.endsWith("echo ping"), out);
        assertEquals(before + 1, metric(cluster("upstream_cx_total", IstioSidecarBootstrap.OUT_TCP)), pod.diagnostics());
    }

    @Test
    void outboundTcpToAnUnknownPortTakesPassthroughCluster() throws Exception {
        double before = metric(cluster("upstream_cx_total", "PassthroughCluster"));
        String out = pod.tcp(pod.pod, PEER_IP, PEER_TCP_UNKNOWN, "pass");
        assertTrue(out.startsWith("peer saw " + POD_IP + ":") && out.contains("at " + PEER_IP + ":" + PEER_TCP_UNKNOWN),
                out + pod.diagnostics());
        assertTrue(out.endsWith("echo pass"), out);
        assertEquals(before + 1, metric(cluster("upstream_cx_total", "PassthroughCluster")), pod.diagnostics());
    }

    @Test
    void inboundHttpReachesTheAppOnceThroughItsInboundCluster() throws Exception {
        double accepted = metric(listener("downstream_cx_total", "0.0.0.0_15006"));
        double requests = metric(cluster("upstream_rq_total", IstioSidecarBootstrap.IN_HTTP));
        String body = CapturedPod.curl(pod.peer, "http://" + POD_IP + ":" + APP_HTTP + "/in");
        assertTrue(body.startsWith("app saw " + inboundSourceSeenByApp() + ":"), body + pod.diagnostics());
        assertTrue(body.contains(" at " + POD_IP + ":" + APP_HTTP + " path /in"), body);
        assertEquals(requests + 1, metric(cluster("upstream_rq_total", IstioSidecarBootstrap.IN_HTTP)), pod.diagnostics());
        // A capture loop would bring the proxy's own upstream connection back to 15006.
        assertEquals(accepted + 1, metric(listener("downstream_cx_total", "0.0.0.0_15006")), pod.diagnostics());
    }

    @Test
    void inboundTcpReachesTheAppOnceThroughItsInboundCluster() throws Exception {
        double accepted = metric(listener("downstream_cx_total", "0.0.0.0_15006"));
        String out = pod.tcp(pod.peer, POD_IP, APP_TCP, "in");
        assertTrue(out.startsWith("app saw " + inboundSourceSeenByApp() + ":"), out + pod.diagnostics());
        assertTrue(out.endsWith("echo in"), out);
        assertTrue(metric(cluster("upstream_cx_total", IstioSidecarBootstrap.IN_TCP)) >= 1, pod.diagnostics());
        assertEquals(accepted + 1, metric(listener("downstream_cx_total", "0.0.0.0_15006")), pod.diagnostics());
    }

    @Test
    void connectionsToTheCapturePortThemselvesGoToBlackHoleCluster() throws Exception {
        double before = metric(cluster("upstream_cx_none_healthy", "BlackHoleCluster"));
        String out = pod.tcp(pod.pod, POD_IP, 15001, "loop?");
        assertFalse(out.contains("saw"), out);
        assertEquals(before + 1, metric(cluster("upstream_cx_none_healthy", "BlackHoleCluster")), pod.diagnostics());
    }
}

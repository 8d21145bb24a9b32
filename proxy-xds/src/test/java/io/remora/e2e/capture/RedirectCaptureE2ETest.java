package io.remora.e2e.capture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.remora.e2e.capture.CapturedPod.PEER_HTTP;
import static io.remora.e2e.capture.CapturedPod.PEER_IP;
import static io.remora.e2e.capture.CapturedPod.PEER_TCP;
import static io.remora.e2e.capture.CapturedPod.PEER_TCP_UNKNOWN;
import static io.remora.e2e.capture.CapturedPod.POD_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Remora behind Istio's default capture (nat REDIRECT both ways), rules from
 * {@code iptables-redirect.golden}, the proxy as uid 1337 in the pod.
 */
class RedirectCaptureE2ETest {
    private static CapturedPod pod;

    @BeforeAll
    static void setUp() throws Exception {
        pod = CapturedPod.create(CapturedPod.Mode.REDIRECT);
        try {
            pod.startWorkloads();
            pod.startRemora(IstioSidecarBootstrap.yaml(CapturedPod.Mode.REDIRECT));
        } catch (Exception | Error e) {
            String diag = pod.diagnostics();
            pod.close();
            pod = null;
            throw new IllegalStateException("pod set-up failed: " + e + diag, e);
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (pod != null) {
            pod.close();
        }
    }

    private double metric(String sample) throws Exception {
        return pod.remora.metric(sample);
    }

    @Test
    void outboundHttpIsCapturedAndRoutedByTheServiceListener() throws Exception {
        double before = metric("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"" + IstioSidecarBootstrap.OUT_HTTP + "\"}");
        String body = CapturedPod.curl(pod.pod, "http://" + PEER_IP + ":" + PEER_HTTP + "/hello");
        assertTrue(body.startsWith("peer saw " + POD_IP + ":"), body + pod.diagnostics());
        assertTrue(body.endsWith("path /hello"), body);
        assertEquals(before + 1, metric("envoy_cluster_upstream_rq_total{envoy_cluster_name=\""
                + IstioSidecarBootstrap.OUT_HTTP + "\"}"), pod.diagnostics());
    }

    @Test
    void outboundTcpIsHandedToTheListenerAtItsOriginalDestination() throws Exception {
        String out = pod.tcp(pod.pod, PEER_IP, PEER_TCP, "ping");
        assertTrue(out.startsWith("peer saw " + POD_IP + ":"), out + pod.diagnostics());
        assertTrue(out.endsWith("echo ping"), out);
        assertTrue(metric("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"" + IstioSidecarBootstrap.OUT_TCP
                + "\"}") >= 1, pod.diagnostics());
    }

    @Test
    void outboundTcpToAnUnknownPortTakesPassthroughCluster() throws Exception {
        double before = metric("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"PassthroughCluster\"}");
        String out = pod.tcp(pod.pod, PEER_IP, PEER_TCP_UNKNOWN, "pass");
        assertTrue(out.startsWith("peer saw " + POD_IP + ":") && out.contains("at " + PEER_IP + ":" + PEER_TCP_UNKNOWN),
                out + pod.diagnostics());
        assertTrue(out.endsWith("echo pass"), out);
        assertEquals(before + 1, metric("envoy_cluster_upstream_cx_total{envoy_cluster_name=\"PassthroughCluster\"}"),
                pod.diagnostics());
    }
}

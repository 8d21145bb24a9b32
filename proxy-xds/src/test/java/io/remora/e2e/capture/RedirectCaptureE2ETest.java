package io.remora.e2e.capture;

import org.junit.jupiter.api.Test;

import static io.remora.e2e.capture.CapturedPod.APP_GRPC;
import static io.remora.e2e.capture.CapturedPod.POD_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio's default capture, nat REDIRECT both ways ({@code iptables-redirect.golden}): the inbound
 * clusters bind to 127.0.0.6, which the rules let through, so that is the source the app sees.
 */
class RedirectCaptureE2ETest extends CaptureTests {
    @Override
    CapturedPod.Mode mode() {
        return CapturedPod.Mode.REDIRECT;
    }

    @Override
    String inboundSourceSeenByApp() {
        return "127.0.0.6";
    }

    /** Every inbound port is captured in this mode, so gRPC to the app goes through 15006 over HTTP/2. */
    @Test
    void inboundGrpcReachesTheAppOnceOverHttp2() throws Exception {
        double accepted = metric(listener("downstream_cx_total", "0.0.0.0_15006"));
        double requests = metric(cluster("upstream_rq_total", IstioSidecarBootstrap.IN_GRPC));
        String out = pod.grpc(pod.peer, POD_IP, APP_GRPC, "in");
        assertTrue(out.startsWith("app saw 127.0.0.6:") && out.endsWith("grpc in"), out + pod.diagnostics());
        assertEquals(requests + 1, metric(cluster("upstream_rq_total", IstioSidecarBootstrap.IN_GRPC)), pod.diagnostics());
        assertEquals(accepted + 1, metric(listener("downstream_cx_total", "0.0.0.0_15006")), pod.diagnostics());
    }
}

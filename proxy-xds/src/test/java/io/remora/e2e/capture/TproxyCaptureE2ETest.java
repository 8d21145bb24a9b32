package io.remora.e2e.capture;

import org.junit.jupiter.api.Test;

import static io.remora.e2e.capture.CapturedPod.APP_GRPC;
import static io.remora.e2e.capture.CapturedPod.PEER_IP;
import static io.remora.e2e.capture.CapturedPod.POD_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio's TPROXY inbound capture ({@code iptables-tproxy.golden}; outbound still REDIRECT): the
 * inbound listener is transparent and original_src gives the upstream connection the client's
 * address (marked 1337 so the app's answers come back to the proxy), so the app sees the peer.
 */
class TproxyCaptureE2ETest extends CaptureTests {
    @Override
    CapturedPod.Mode mode() {
        return CapturedPod.Mode.TPROXY;
    }

    @Override
    String inboundSourceSeenByApp() {
        return PEER_IP;
    }

    /** The golden captures inbound ports 32000 and 31000 only: other ports reach the app directly. */
    @Test
    void inboundPortsOutsideTheCapturedListBypassTheProxy() throws Exception {
        double accepted = metric(listener("downstream_cx_total", "0.0.0.0_15006"));
        String out = pod.grpc(pod.peer, POD_IP, APP_GRPC, "direct");
        assertTrue(out.startsWith("app saw " + PEER_IP + ":") && out.endsWith("grpc direct"), out + pod.diagnostics());
        assertEquals(accepted, metric(listener("downstream_cx_total", "0.0.0.0_15006")), pod.diagnostics());
    }
}

package io.remora.e2e.capture;

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
        return CapturedPod.PEER_IP;
    }
}

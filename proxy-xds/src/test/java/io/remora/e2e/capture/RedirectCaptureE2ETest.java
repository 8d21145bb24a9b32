package io.remora.e2e.capture;

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
}

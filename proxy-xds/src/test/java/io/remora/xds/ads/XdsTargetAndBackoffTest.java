package io.remora.xds.ads;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XdsTargetAndBackoffTest {
    @Test
    void parsesGrpcTargetUris() {
        assertEquals(XdsTarget.tcp("istiod.istio-system.svc", 15012), XdsTarget.parse("istiod.istio-system.svc:15012"));
        assertEquals(XdsTarget.tcp("10.0.0.1", 15010), XdsTarget.parse("dns:///10.0.0.1:15010"));
        assertEquals(XdsTarget.tcp("::1", 15010), XdsTarget.parse("[::1]:15010"));
        assertEquals(XdsTarget.uds("/etc/istio/proxy/XDS"), XdsTarget.parse("unix:///etc/istio/proxy/XDS"));
        assertEquals(XdsTarget.uds("./etc/istio/proxy/XDS"), XdsTarget.parse("unix:./etc/istio/proxy/XDS"));
        assertThrows(IllegalArgumentException.class, () -> XdsTarget.parse("istiod"));
    }

    @Test
    void backoffIsJitteredBelowAnExponentialCeilingCappedAtTheMax() {
        Backoff b = new Backoff(500, 30_000);
        for (int attempt = 0; attempt < 40; attempt++) {
            long ceiling = Math.min(30_000, 500L << Math.min(attempt, 20));
            long d = b.nextDelayMs();
            assertTrue(d >= 0 && d < ceiling, "attempt " + attempt + ": " + d + " not below " + ceiling);
        }
        b.reset();
        assertTrue(b.nextDelayMs() < 500);
    }
}

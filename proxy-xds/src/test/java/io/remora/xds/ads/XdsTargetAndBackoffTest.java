package io.remora.xds.ads;

import io.remora.util.JitteredBackOff;

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
        JitteredBackOff b = new JitteredBackOff(XdsClientOptions.DEFAULT_BACKOFF_BASE_MS,
                XdsClientOptions.DEFAULT_BACKOFF_MAX_MS);
        for (int attempt = 0; attempt < 40; attempt++) {
            long ceiling = Math.min(30_000, 500L << Math.min(attempt, 20));
            long d = b.nextMillis();
            assertTrue(d >= 0 && d < ceiling, "attempt " + attempt + ": " + d + " not below " + ceiling);
        }
        b.reset();
        assertTrue(b.nextMillis() < 500);
    }
}

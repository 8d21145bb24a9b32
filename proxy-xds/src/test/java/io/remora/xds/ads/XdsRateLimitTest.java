package io.remora.xds.ads;

import com.google.protobuf.DoubleValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.RateLimitSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Set;

import static io.remora.xds.ads.XdsTestResources.NODE;
import static io.remora.xds.ads.XdsTestResources.full;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ads_config.rate_limit_settings against java-control-plane's server: the client's discovery requests wait for
 * tokens (the control plane sees them spaced by the fill rate), nothing is lost, and the waits are counted.
 */
class XdsRateLimitTest {
    private final TestControlPlane cp = new TestControlPlane();
    private final RecordingApplier applier = new RecordingApplier();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private XdsClient client;

    @BeforeEach
    void startServer() throws Exception {
        cp.startTcp(0);
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        cp.close();
    }

    private void start(boolean delta, RateLimitSettings limit) {
        XdsClientOptions o = XdsClientOptions.ads(XdsTarget.tcp("127.0.0.1", cp.port), delta, NODE).withBackoff(50, 400);
        o = new XdsClientOptions(o.target(), o.delta(), o.node(), o.nodeOnFirstMessageOnly(), o.adsTypes(),
                o.fileSources(), o.initialFetchTimeout(), o.typeRegistry(), o.backoffBaseMs(), o.backoffMaxMs(),
                o.sourceResolver(), o.apiSubscriptions(), limit);
        client = new XdsClient(o, applier, registry);
        client.start();
    }

    private int requestsSeen(boolean delta) {
        return delta ? cp.deltaRequests.size() : cp.requests.size();
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void requestsBeyondTheBucketWaitForTokensAndAllArrive(boolean delta) throws Exception {
        cp.set(full("1"));
        // One token to start with, one more every 400 ms: CDS goes at once, EDS waits for the next token.
        start(delta, RateLimitSettings.newBuilder().setMaxTokens(UInt32Value.of(1)).setFillRate(DoubleValue.of(2.5))
                .build());
        TestControlPlane.await("the first request", () -> requestsSeen(delta) >= 1);
        Thread.sleep(150);
        assertEquals(1, requestsSeen(delta), "the second request waits for a token");

        XdsSnapshot first = applier.await("the listeners", s -> !s.listeners().isEmpty());
        assertEquals(Set.of("listener-0"), first.listeners().keySet());
        assertEquals(Set.of("cluster-a", "svc-b"), first.endpoints().keySet());
        for (String type : List.of(XdsResourceType.LISTENER.typeUrl, XdsResourceType.ROUTE.typeUrl,
                XdsResourceType.CLUSTER.typeUrl, XdsResourceType.ENDPOINT.typeUrl)) {
            if (delta) {
                cp.awaitDeltaAck(type, "1");
            } else {
                cp.awaitSotwAck(type, "1");
            }
        }
        assertTrue(registry.get("envoy_control_plane_rate_limit_enforced").counter().count() > 0);
        TestControlPlane.await("the queue drained", () ->
                registry.get("envoy_control_plane_pending_requests").gauge().value() == 0);
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void withoutSettingsNothingIsLimitedOrCounted(boolean delta) {
        cp.set(full("1"));
        start(delta, null);
        applier.await("a snapshot", s -> true);
        Counter enforced = registry.find("envoy_control_plane_rate_limit_enforced").counter();
        assertNull(enforced, "Envoy limits nothing without rate_limit_settings");
    }
}

package io.remora.xds.ads;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.epoll.Epoll;
import io.remora.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

import static io.remora.xds.ads.XdsTestResources.NODE;
import static io.remora.xds.ads.XdsTestResources.full;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Istio's bootstrap points the ADS cluster at a pipe (./etc/istio/proxy/XDS) and asks for delta xDS with the node on
 * the first message only: the same client, shaped so, over a Unix socket.
 */
class XdsClientUdsTest {
    @TempDir
    Path dir;

    @Test
    void fetchesAndAcksOverAUnixDomainSocket() throws Exception {
        assertTrue(Epoll.isAvailable(), "native epoll transport: " + Epoll.unavailabilityCause());
        String socket = dir.resolve("XDS").toString();
        RecordingApplier applier = new RecordingApplier();
        try (LogCapture netty = LogCapture.on(Logger.getLogger("io.netty.bootstrap"));
             TestControlPlane cp = new TestControlPlane().startUds(socket)) {
            cp.set(full("7"));
            XdsClientOptions istioLike = XdsClientOptions.ads(XdsTarget.uds(socket), true, NODE).withNodeOnFirstMessageOnly(true);
            try (XdsClient client = new XdsClient(istioLike, applier, new SimpleMeterRegistry())) {
                client.start();
                XdsSnapshot s = applier.await("the listeners over the socket", x -> !x.listeners().isEmpty());
                assertEquals(Set.of("listener-0"), s.listeners().keySet());
                assertEquals(Set.of("cluster-a", "svc-b"), s.endpoints().keySet());
                cp.awaitDeltaAck(XdsResourceType.LISTENER.typeUrl, "7");
                cp.awaitDeltaAck(XdsResourceType.ENDPOINT.typeUrl, "7");
                assertEquals(NODE.getId(), cp.deltaRequests.get(0).getNode().getId());
                assertTrue(cp.deltaRequests.stream().skip(1).noneMatch(r -> r.hasNode()), "the node goes on the first message only");
            }
            assertEquals(List.of(), netty.messages(), "no socket option a Unix socket refuses");
        }
    }
}

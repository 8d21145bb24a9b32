package io.remora.http.router;

import io.remora.config.Http2Options;
import io.remora.http.testing.LeakCheck;
import io.remora.stats.ClusterStats;
import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.remora.http.router.RawH2Upstream.awaitRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster's outbound frame limits on its HTTP/2 connections, as Envoy's client codec keeps
 * them (ClientConnectionImpl shares ConnectionImpl's ProtocolConstraints with the server codec):
 * an upstream that makes the proxy queue frames it does not read (here PING ACKs) loses its
 * connection, counted in {@code cluster.<name>.http2.outbound_flood} or
 * {@code outbound_control_flood}; the request on it fails instead of waiting.
 */
class Http2UpstreamFloodTest {
    static {
        LeakCheck.install();
    }

    private RawH2Upstream proxy;

    @AfterEach
    void stop() throws Exception {
        RawH2Upstream.closeCheckingLeaks(proxy);
        proxy = null;
    }

    /** PINGs from an upstream whose receive buffer stays full: the proxy's ACKs pile up unread. */
    private static RawH2.Ending pingFloodWithoutReading(RawH2 up) throws Exception {
        up.socket().setReceiveBufferSize(4096);
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 1000; i++) {
                up.ping(round * 1000L + i);
            }
            try {
                up.flush();
            } catch (java.io.IOException closed) {
                break;
            }
        }
        return up.awaitEnd();
    }

    /** Was: no limit upstream, the ACKs queued for as long as the upstream held its connection. */
    @Test
    void framesQueuedPastTheClustersMaxOutboundFramesCostTheConnection() throws Exception {
        proxy = new RawH2Upstream(b -> b.http2Options(Http2Options.builder()
                .maxOutboundFrames(300).maxOutboundControlFrames(1_000_000).build()));
        ClusterStats stats = proxy.stats();
        CompletableFuture<HttpResponse<String>> r = proxy.get();
        try (RawH2 up = proxy.accept()) {
            awaitRequest(up);
            RawH2.Ending end = pingFloodWithoutReading(up);
            assertTrue(end.closed(), end.toString());
        }
        assertEquals(503, r.get(15, TimeUnit.SECONDS).statusCode());
        assertEquals(1.0, stats.http2Outbound.outboundFlood().count());
        assertEquals(0.0, stats.http2Outbound.outboundControlFlood().count());
    }

    /** The default max_outbound_control_frames (1000): GOAWAY ENHANCE_YOUR_CALM, best effort. */
    @Test
    void controlFramesQueuedPastTheClustersLimitCostTheConnection() throws Exception {
        proxy = new RawH2Upstream();
        ClusterStats stats = proxy.stats();
        CompletableFuture<HttpResponse<String>> r = proxy.get();
        try (RawH2 up = proxy.accept()) {
            awaitRequest(up);
            RawH2.Ending end = pingFloodWithoutReading(up);
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), end.toString());
        }
        assertEquals(503, r.get(15, TimeUnit.SECONDS).statusCode());
        assertEquals(1.0, stats.http2Outbound.outboundControlFlood().count());
        assertEquals(0.0, stats.http2Outbound.outboundFlood().count());
    }
    /**
     * Envoy's client codec counts empty header frames as its server codec does: a response head
     * strung out over empty CONTINUATIONs is an empty-frame flood at the second
     * ({@code cluster.<name>.http2.inbound_empty_frames_flood}), and the request fails.
     */
    @Test
    void emptyContinuationFramesFromTheUpstreamAreAnEmptyFrameFlood() throws Exception {
        proxy = new RawH2Upstream();
        ClusterStats stats = proxy.stats();
        CompletableFuture<HttpResponse<String>> r = proxy.get();
        try (RawH2 up = proxy.accept()) {
            int stream = awaitRequest(up);
            up.frame(RawH2.HEADERS, 0, stream, RawH2.block(":status", "200")).frame(RawH2.CONTINUATION, 0, stream,
                    new byte[0]).frame(RawH2.CONTINUATION, 0, stream, new byte[0]).flush();
            RawH2.Ending end = up.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), end.toString());
        }
        assertTrue(r.get(15, TimeUnit.SECONDS).statusCode() >= 500);
        assertEquals(1.0, stats.http2Floods.inboundEmptyFramesFlood().count());
    }
}

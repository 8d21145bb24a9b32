package io.remora.http;

import io.remora.http.testing.TestServerContext;
import io.remora.http.testing.LeakCheck;
import io.micrometer.core.instrument.Gauge;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.config.OverloadManagerConfig;
import io.remora.config.OverloadManagerConfig.Action;
import io.remora.config.OverloadManagerConfig.Trigger;
import io.remora.overload.OverloadManager;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Overload actions as clients see them, driven by Envoy's injected resource monitor (a pressure
 * written to a file): shed under pressure, back to normal when it falls.
 */
@ExtendWith(LeakCheck.class)
class OverloadActionsTest {

    private Path pressure;
    private OverloadManager overload;
    private HcmServer server;

    @BeforeEach
    void start() throws Exception {
        pressure = TempPaths.file("pressure", ".txt");
        Files.writeString(pressure, "0.1");
        String r = OverloadManagerConfig.INJECTED_RESOURCE;
        TestServerContext context = new TestServerContext();
        overload = OverloadManager.create(new OverloadManagerConfig(Duration.ofSeconds(1),
                List.of(new OverloadManagerConfig.InjectedResource(pressure.toString())),
                List.of(new Action(OverloadManagerConfig.STOP_ACCEPTING_REQUESTS, List.of(Trigger.threshold(r, 0.95)), null),
                        new Action(OverloadManagerConfig.DISABLE_HTTP_KEEPALIVE, List.of(Trigger.threshold(r, 0.8)), null)),
                0, Map.of()), context.stats);
        context.overload = overload;
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO)).toBuilder().appendLocalOverload(true)
                .build(), null, context);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        overload.close();
        Files.deleteIfExists(pressure);
    }

    private void pressure(String value) throws Exception {
        Files.writeString(pressure, value);
        overload.refresh();
    }

    private double gauge(String name) {
        Gauge g = server.context.stats.meterRegistry().find(name).gauge();
        assertNotNull(g, name);
        return g.value();
    }

    @Test
    void shedsRequestsWith503OmAndRecovers() throws Exception {
        HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        URI uri = URI.create(server.url("/x"));
        pressure("0.99");
        assertEquals(1.0, gauge("envoy_overload_envoy_overload_actions_stop_accepting_requests_active"));
        assertEquals(99.0, gauge("envoy_overload_envoy_resource_monitors_injected_resource_pressure"));
        HttpResponse<String> r = h1.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, r.statusCode());
        assertEquals("envoy overloaded", r.body());
        assertEquals("true", r.headers().firstValue("x-envoy-local-overloaded").orElse(null), "append_local_overload");
        assertOverloadLogged();
        // HTTP/2 (a client that copes with the GOAWAY disable_http_keepalive sends after the answer).
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(
                    new io.netty.handler.codec.http2.DefaultHttp2Headers().method("GET").path("/x").scheme("http")
                            .authority("a"), true));
            var h = (io.netty.handler.codec.http2.Http2HeadersFrame) s.next();
            assertEquals("503", h.headers().status().toString());
            assertEquals(0L, c.goAways.poll(5, TimeUnit.SECONDS).errorCode());
        }
        assertOverloadLogged();
        assertEquals(2.0, server.context.stats.meterRegistry().find("envoy_http_downstream_rq_overload_close")
                .counter().count());
        pressure("0.2");
        assertEquals(0.0, gauge("envoy_overload_envoy_overload_actions_stop_accepting_requests_active"));
        for (HttpClient c : List.of(h1, h2)) {
            assertEquals(200, c.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
        }
    }

    private void assertOverloadLogged() throws InterruptedException {
        StreamInfo info = server.context.logged.poll(5, TimeUnit.SECONDS);
        assertNotNull(info);
        assertTrue(info.hasFlag(ResponseFlag.OVERLOAD_MANAGER));
        assertEquals("overload", info.responseCodeDetails);
    }

    @Test
    void disablesKeepAliveUnderPressure() throws Exception {
        pressure("0.85");
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByPeer());
        }
        assertEquals(1.0, server.context.stats.meterRegistry()
                .find("envoy_http_downstream_cx_overload_disable_keepalive").counter().count());
        pressure("0.1");
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals(null, r.header("connection"));
        }
    }

    @Test
    void anUnreadableMonitorKeepsItsLastPressure() throws Exception {
        pressure("0.99");
        Files.delete(pressure);
        overload.refresh();
        assertTrue(overload.stopAcceptingRequests.isSaturated());
        assertEquals(1.0, server.context.stats.meterRegistry()
                .find("envoy_overload_envoy_resource_monitors_injected_resource_failed_updates").counter().count());
        Files.writeString(pressure, "0.0");
    }
}

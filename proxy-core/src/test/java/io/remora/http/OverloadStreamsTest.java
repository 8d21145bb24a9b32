package io.remora.http;

import io.micrometer.core.instrument.Counter;
import io.remora.http.testing.LeakCheck;
import io.remora.testing.RawH2;
import io.remora.http.testing.TestServerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.HttpConnectionManagerConfig.CodecType;
import io.remora.config.OverloadManagerConfig;
import io.remora.config.OverloadManagerConfig.Action;
import io.remora.config.OverloadManagerConfig.TimerScale;
import io.remora.config.OverloadManagerConfig.TimerType;
import io.remora.config.OverloadManagerConfig.Trigger;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.TestServerContext;
import io.remora.overload.OverloadManager;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * reduce_timeouts on timers already running (stream idle after the headers, connection idle) and
 * reset_high_memory_stream choosing streams by the body they buffer, through real sockets, with
 * Envoy's injected resource monitor driving the pressure.
 */
@ExtendWith(LeakCheck.class)
class OverloadStreamsTest {

    private Path pressure;
    private OverloadManager overload;
    private HcmServer server;

    @BeforeEach
    void start() throws Exception {
        pressure = TempPaths.file("pressure", ".txt");
        Files.writeString(pressure, "0.0");
        String r = OverloadManagerConfig.INJECTED_RESOURCE;
        TestServerContext context = new TestServerContext();
        Duration floor = Duration.ofMillis(300);
        overload = OverloadManager.create(new OverloadManagerConfig(Duration.ofSeconds(1),
                List.of(new OverloadManagerConfig.InjectedResource(pressure.toString())),
                List.of(new Action(OverloadManagerConfig.REDUCE_TIMEOUTS, List.of(Trigger.scaled(r, 0.5, 0.7)),
                                List.of(new TimerScale(TimerType.HTTP_DOWNSTREAM_CONNECTION_IDLE, floor, 0),
                                        new TimerScale(TimerType.HTTP_DOWNSTREAM_STREAM_IDLE, floor, 0))),
                        new Action(OverloadManagerConfig.RESET_HIGH_MEMORY_STREAMS,
                                List.of(Trigger.scaled(r, 0.3, 0.4)), null)),
                0, Map.of(), 14), context.stats);
        context.overload = overload;
        server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO).streamIdle(Duration.ofMinutes(1))
                .idle(Duration.ofMinutes(1))), null, context);
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

    private double counter(String name) {
        Counter c = server.context.stats.meterRegistry().find(name).counter();
        assertNotNull(c, name);
        return c.count();
    }

    @Test
    void reduceTimeoutsShortensTheStreamIdleTimeoutOfARunningRequest() throws Exception {
        // The reset action saturates at 0.4 and the timeouts scale from 0.5: the test's pressures
        // drive one at a time.
        TestFilter.EVENTS.clear();
        try (RawHttp c = new RawHttp(server.port)) {
            // Headers complete, body unfinished: the stream idle timer (1 min) runs.
            c.send("POST / HTTP/1.1\r\nHost: a\r\nx-test: hang\r\nContent-Length: 10\r\n\r\nabc");
            String e;
            do {
                e = TestFilter.EVENTS.poll(5, TimeUnit.SECONDS);
            } while (e != null && !e.equals("data:3"));
            assertEquals("data:3", e);
            pressure("0.75");
            RawHttp.Response r = c.read();
            assertEquals(408, r.status());
        }
        assertEquals(1.0, counter("envoy_http_downstream_rq_idle_timeout"));
        TestFilter.EVENTS.clear();
    }

    @Test
    void reduceTimeoutsShortensRunningHeaderPhases() throws Exception {
        // An HTTP/1.1 head and an HTTP/2 header block, both unfinished with a one-minute stream idle
        // timer running; pressure scales it to its 300 ms floor, which both have outlived.
        try (RawHttp h1 = new RawHttp(server.port); RawH2 h2 = new RawH2("127.0.0.1", server.port)) {
            h1.send("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ");
            h2.settingsAck().frame(RawH2.HEADERS, 0, 1, new byte[] {(byte) 0x82, (byte) 0x86, (byte) 0x84}).flush();
            Thread.sleep(500);
            pressure("0.75");
            RawHttp.Response r = h1.read();
            assertEquals(408, r.status());
            assertEquals("stream timeout", r.body());
            RawH2.Frame goAway = h2.awaitGoAway();
            assertNotNull(goAway, "the unfinished HTTP/2 header block outlived the scaled timeout");
        }
        assertEquals(2.0, counter("envoy_http_downstream_rq_idle_timeout"));
    }

    @Test
    void reduceTimeoutsClosesAlreadyIdleConnections() throws Exception {
        try (RawHttp idle = new RawHttp(server.port)) {
            idle.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, idle.read().status());
            // Idle now, with a one-minute timer; pressure scales it to the 300 ms floor.
            pressure("0.75");
            assertTrue(idle.closedByPeer());
        }
        pressure("0.0");
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, c.read().status());
            c.socket.setSoTimeout(1000);
            assertThrows(SocketTimeoutException.class, c::closedByPeer, "idle timeout back to one minute");
        }
    }

    @Test
    void resetHighMemoryStreamResetsOnlyStreamsBufferingLargeBodies() throws Exception {
        try (RawHttp big = new RawHttp(server.port); RawHttp small = new RawHttp(server.port)) {
            big.send("POST /big HTTP/1.1\r\nHost: a\r\nx-test: buffer\r\nContent-Length: 10000000\r\n\r\n"
                    + "x".repeat(200 * 1024));
            small.send("POST /small HTTP/1.1\r\nHost: a\r\nx-test: buffer\r\nContent-Length: 10000000\r\n\r\n"
                    + "x".repeat(1024));
            // Saturated: every class from 2^14 bytes up may go; the 1 KiB stream is not tracked.
            String reset = "envoy_overload_remora_reset_high_memory_stream_streams_reset";
            for (int i = 0; i < 100 && counter(reset) == 0; i++) {
                pressure("0.45");
                Thread.sleep(100);
            }
            assertEquals(1.0, counter(reset));
            assertTrue(big.closedByPeer());
            StreamInfo info = server.context.logged.poll(5, TimeUnit.SECONDS);
            assertNotNull(info);
            assertEquals("/big", info.path());
            assertTrue(info.hasFlag(ResponseFlag.OVERLOAD_MANAGER));
            assertEquals("overload", info.responseCodeDetails);
            pressure("0.45");
            small.socket.setSoTimeout(500);
            assertThrows(SocketTimeoutException.class, small::closedByPeer);
            assertEquals(1.0, counter(reset));
        }
    }

    @Test
    void resetHighMemoryStreamResetsAnHttp2StreamAndKeepsTheConnection() throws Exception {
        try (H2Client c = new H2Client(server.port)) {
            H2Client.Stream s = c.open();
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("POST").path("/big")
                    .scheme("http").authority("a").set("x-test", "buffer"), false));
            for (int i = 0; i < 3; i++) {
                s.channel.writeAndFlush(new DefaultHttp2DataFrame(
                        io.netty.buffer.Unpooled.wrappedBuffer(new byte[16 * 1024]), false));
            }
            String reset = "envoy_overload_remora_reset_high_memory_stream_streams_reset";
            for (int i = 0; i < 100 && counter(reset) == 0; i++) {
                pressure("0.45");
                Thread.sleep(100);
            }
            assertEquals(1.0, counter(reset));
            // The stream's channel closes on the RST_STREAM; the connection carries on.
            assertEquals("closed", s.next());
            assertTrue(c.goAways.isEmpty());
            pressure("0.0");
            // The connection carries on.
            H2Client.Stream next = c.open();
            next.channel.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET").path("/")
                    .scheme("http").authority("a"), true));
            var h = (io.netty.handler.codec.http2.Http2HeadersFrame) next.next();
            assertEquals("200", h.headers().status().toString());
        }
    }

    @Test
    void unfinishedHttp2HeaderBlocksCountAgainstTheHeaderBudget() throws Exception {
        var budget = overload.headerBudget();
        long before = budget.held();
        try (RawHttp c = new RawHttp(server.port)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // SETTINGS
            int n = 5000;
            out.write(new byte[] {0, (byte) (n >>> 8), (byte) n, 1, 0, 0, 0, 0, 1}); // HEADERS, no END_HEADERS
            out.write(new byte[n]);
            c.socket.getOutputStream().write(out.toByteArray());
            c.socket.getOutputStream().flush();
            for (int i = 0; i < 100 && budget.held() < before + n; i++) {
                Thread.sleep(20);
            }
            assertEquals(before + n, budget.held(), "the open header block is held");
        }
        for (int i = 0; i < 100 && budget.held() != before; i++) {
            Thread.sleep(20);
        }
        assertEquals(before, budget.held(), "given back when the connection closed");
    }
}

package io.remora.e2e;

import io.remora.testing.RawH2;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Http2ProtocolOptions through real sockets, frame by frame ({@link RawH2}) and with curl: the
 * SETTINGS we advertise (hpack_table_size, custom_settings_parameters) both ways, Envoy's inbound
 * flood limits (empty DATA, PRIORITY, WINDOW_UPDATE) cutting a connection at exactly the
 * configured count with their stats, and an invalid request costing its stream or its connection
 * as override_stream_error_on_invalid_http_message / stream_error_on_invalid_http_message say.
 */
class Http2ProtocolOptionsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static ServerSocket rawUpstream;
    static final Map<String, Integer> PORTS = new HashMap<>();

    private static final String ROUTES = """
            - match: { prefix: "/flooder" }
              route: { cluster: flooder }
            - match: { prefix: "/strict" }
              route: { cluster: strict }
            - match: { prefix: "/lenient" }
              route: { cluster: lenient }
            - match: { prefix: "/" }
              route: { cluster: web }
            """;

    @BeforeAll
    static void start() throws Exception {
        TestUpstream web = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "fine"));
        rawUpstream = stack.own(new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()));
        rawUpstream.setSoTimeout(20_000);
        for (String l : List.of("opts", "table", "defaults", "hcm_only", "override_false")) {
            PORTS.put(l, ProxyProcess.freePort());
        }
        String flooder = Bootstraps.cluster("flooder", true, null, rawUpstream.getLocalPort()).replace(
                "http2_protocol_options: {}", "http2_protocol_options: { hpack_table_size: 1024,"
                        + " max_inbound_priority_frames_per_stream: 2,"
                        + " custom_settings_parameters: [{ identifier: 0x30, value: 9 }] }");
        proxy = stack.start(Bootstraps.listeners(stack.adminPort,
                Bootstraps.httpListener("opts", "", """
                        http2_protocol_options:
                          max_consecutive_inbound_frames_with_empty_payload: 3
                          max_inbound_priority_frames_per_stream: 5
                          max_inbound_window_update_frames_per_data_frame_sent: 1
                          override_stream_error_on_invalid_http_message: true
                          use_oghttp2_codec: true
                          custom_settings_parameters:
                          - { identifier: 0x10, value: 42 }
                          - { identifier: 0x20, value: 7 }
                        """, ROUTES)
                        // A client must shrink its table first thing after this SETTINGS: RawH2 does not.
                        + Bootstraps.httpListener("table", "", "http2_protocol_options: { hpack_table_size: 0 }", ROUTES)
                        + Bootstraps.httpListener("defaults", "", "", ROUTES)
                        + Bootstraps.httpListener("hcm_only", "", "stream_error_on_invalid_http_message: true", ROUTES)
                        + Bootstraps.httpListener("override_false", "", """
                                stream_error_on_invalid_http_message: true
                                http2_protocol_options: { override_stream_error_on_invalid_http_message: false }
                                """, ROUTES),
                Bootstraps.cluster("web", false, null, web.port()) + "\n" + flooder + "\n"
                        + Bootstraps.cluster("strict", true, null, rawUpstream.getLocalPort()) + "\n"
                        + Bootstraps.cluster("lenient", true, null, rawUpstream.getLocalPort()).replace(
                                "http2_protocol_options: {}",
                                "http2_protocol_options: { override_stream_error_on_invalid_http_message: true }"),
                PORTS));
    }

    private static RawH2 connect(String listener) throws Exception {
        RawH2 h2 = new RawH2("127.0.0.1", PORTS.get(listener));
        h2.settingsAck().flush();
        return h2;
    }

    /** Our first SETTINGS on a new connection to {@code listener}. */
    private static Map<Integer, Long> serverSettings(String listener) throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", PORTS.get(listener))) {
            RawH2.Frame f = h2.read();
            assertNotNull(f, "no SETTINGS");
            assertEquals(RawH2.SETTINGS, f.type());
            return RawH2.settingsOf(f);
        }
    }

    @Test
    void settingsCarryTheTableSizeAndTheCustomParameters() throws Exception {
        Map<Integer, Long> s = serverSettings("opts");
        assertEquals(42L, s.get(0x10), s.toString());
        assertEquals(7L, s.get(0x20), s.toString());
        assertEquals(4096L, s.get(0x1), "Envoy's default table size: " + s);
        assertEquals(0L, serverSettings("table").get(0x1), "SETTINGS_HEADER_TABLE_SIZE from hpack_table_size");
        // With no dynamic table a real client still gets its answer.
        Curl r = Curl.run("--http2-prior-knowledge", "http://127.0.0.1:" + PORTS.get("table") + "/x");
        assertEquals(200, r.status());
        assertEquals("fine", new String(r.body()));
    }

    /**
     * Envoy 1.36's safe defaults (safe_http2_options, whose guard later releases removed): without
     * http2_protocol_options a connection offers 1024 concurrent streams, a 16 MiB stream window and
     * a 24 MiB connection window; an upstream connection gets the same windows (and opens at most 1024
     * streams: the pool's limit, which its SETTINGS do not carry).
     */
    @Test
    void unsetOptionsAreEnvoysSafeDefaults() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", PORTS.get("defaults"))) {
            h2.readTimeout(5000);
            assertSafeDefaults(h2, "downstream", true);
        }
        CompletableFuture<Curl> client = request("/strict");
        try (RawH2 up = RawH2.accept(rawUpstream)) {
            assertSafeDefaults(up, "upstream", false);
        }
        client.get(60, TimeUnit.SECONDS);
    }

    /** Reads the peer's SETTINGS and its connection WINDOW_UPDATE (the window past RFC 9113's 65,535). */
    private static void assertSafeDefaults(RawH2 h2, String side, boolean streams) throws Exception {
        Map<Integer, Long> settings = null;
        long connectionIncrement = -1;
        for (RawH2.Frame f = h2.read(); f != null && (settings == null || connectionIncrement < 0); f = h2.read()) {
            if (f.type() == RawH2.SETTINGS && (f.flags() & 0x1) == 0) {
                settings = RawH2.settingsOf(f);
            } else if (f.type() == RawH2.WINDOW_UPDATE && f.streamId() == 0) {
                byte[] p = f.payload();
                connectionIncrement = ((p[0] & 0x7fL) << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff);
            }
        }
        assertNotNull(settings, side + ": no SETTINGS");
        if (streams) {
            assertEquals(1024L, settings.get(0x3), side + " SETTINGS_MAX_CONCURRENT_STREAMS: " + settings);
        }
        assertEquals(16L * 1024 * 1024, settings.get(0x4), side + " SETTINGS_INITIAL_WINDOW_SIZE: " + settings);
        assertEquals(24L * 1024 * 1024 - 65_535, connectionIncrement, side + " connection WINDOW_UPDATE");
    }

    private static RawH2 openUpload(String listener) throws Exception {
        RawH2 h2 = connect(listener);
        h2.request(1, false, ":method", "POST", ":scheme", "http", ":path", "/upload", ":authority", "x").flush();
        return h2;
    }

    private static RawH2 emptyData(RawH2 h2, int frames) {
        for (int i = 0; i < frames; i++) {
            h2.frame(RawH2.DATA, 0, 1, new byte[0]);
        }
        return h2;
    }

    @Test
    void emptyDataFramesPastTheLimitCostTheConnection() throws Exception {
        double before = proxy.stat("http2.inbound_empty_frames_flood");
        try (RawH2 h2 = openUpload("opts")) {
            assertTrue(emptyData(h2, 3).pingPong(1), "three empty frames are within the limit of 3");
            emptyData(h2, 1).flush();
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), "fourth empty frame: " + end);
        }
        assertEquals(before + 1, proxy.stat("http2.inbound_empty_frames_flood"));
        // Envoy's default is 1: a second consecutive empty frame is a flood.
        try (RawH2 h2 = openUpload("defaults")) {
            assertTrue(emptyData(h2, 1).pingPong(2), "one empty frame is allowed by default");
            emptyData(h2, 1).flush();
            assertTrue(h2.awaitEnd().closed(), "the second empty frame closes the connection");
        }
        assertEquals(before + 2, proxy.stat("http2.inbound_empty_frames_flood"));
    }

    /** METADATA (type 0x4D, END_METADATA) is read and dropped, as Envoy without allow_metadata: the request goes on. */
    @Test
    void metadataFramesAreDropped() throws Exception {
        try (RawH2 h2 = openUpload("opts")) {
            h2.frame(0x4d, 0x4, 1, new byte[] {0, 1, 'k', 1, 'v'}).frame(RawH2.DATA, 0x1, 1, new byte[] {'x'}).flush();
            RawH2.Frame f = h2.read();
            while (f != null && !(f.type() == RawH2.HEADERS && f.streamId() == 1)) {
                assertTrue(f.type() != RawH2.GOAWAY && f.type() != RawH2.RST_STREAM, "METADATA was not dropped: " + f);
                f = h2.read();
            }
            assertNotNull(f, "the request was not answered");
        }
    }

    @Test
    void priorityFramesPastLimitTimesStreamsCostTheConnection() throws Exception {
        double before = proxy.stat("http2.inbound_priority_frames_flood");
        try (RawH2 h2 = connect("opts")) {
            // No stream opened yet: 5 * (1 + 0) PRIORITY frames are allowed.
            for (int i = 0; i < 5; i++) {
                h2.priority(3 + 2 * i);
            }
            assertTrue(h2.pingPong(3), "five PRIORITY frames are within the limit");
            h2.priority(13).flush();
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), "sixth PRIORITY frame: " + end);
        }
        assertEquals(before + 1, proxy.stat("http2.inbound_priority_frames_flood"));
    }

    @Test
    void windowUpdatesPastTheirBudgetCostTheConnection() throws Exception {
        double before = proxy.stat("http2.inbound_window_update_frames_flood");
        try (RawH2 h2 = connect("opts")) {
            h2.get(1, "x", "/answer", true).flush();
            int dataFrames = 0;
            for (RawH2.Frame f = h2.read(); ; f = h2.read()) {
                assertNotNull(f, "no complete response");
                if (f.streamId() == 1 && f.type() == RawH2.DATA) {
                    dataFrames++;
                }
                if (f.streamId() == 1 && (f.flags() & 0x1) != 0) {
                    break;
                }
            }
            assertTrue(dataFrames > 0);
            // Envoy's budget: 1 + 2 * (streams opened + per-DATA-frame limit * DATA frames sent).
            int budget = 1 + 2 * (1 + dataFrames);
            for (int i = 0; i < budget; i++) {
                h2.windowUpdate(0, 1);
            }
            assertTrue(h2.pingPong(4), budget + " WINDOW_UPDATEs are within the budget");
            h2.windowUpdate(0, 1).flush();
            RawH2.Ending end = h2.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), "one WINDOW_UPDATE past the budget: " + end);
        }
        assertEquals(before + 1, proxy.stat("http2.inbound_window_update_frames_flood"));
    }

    /** A request with an upper-case header name, then (when the connection lives) a good one on stream 3. */
    private static boolean onlyTheStreamIsReset(String listener) throws Exception {
        try (RawH2 h2 = connect(listener)) {
            h2.request(1, true, ":method", "GET", ":scheme", "http", ":path", "/bad", ":authority", "x",
                    "X-Upper", "v").flush();
            RawH2.Frame f = h2.read();
            while (f != null && f.type() != RawH2.RST_STREAM && f.type() != RawH2.GOAWAY) {
                f = h2.read();
            }
            assertNotNull(f, listener + ": neither RST_STREAM nor GOAWAY");
            if (f.type() == RawH2.GOAWAY) {
                assertEquals(1, f.goAwayError(), "PROTOCOL_ERROR");
                assertTrue(h2.awaitEnd().closed(), listener + ": GOAWAY but the connection stayed open");
                return false;
            }
            assertEquals(1, f.streamId());
            assertEquals(1, f.payload()[3], "PROTOCOL_ERROR");
            h2.get(3, "x", "/good", true).flush();
            for (f = h2.read(); f != null && !(f.type() == RawH2.HEADERS && f.streamId() == 3); f = h2.read()) {
                assertTrue(f.type() != RawH2.GOAWAY, listener + ": GOAWAY after a stream error");
            }
            assertNotNull(f, listener + ": the next stream was not answered");
            return true;
        }
    }

    @Test
    void anInvalidRequestCostsItsStreamOrItsConnectionAsConfigured() throws Exception {
        assertTrue(onlyTheStreamIsReset("opts"), "override_stream_error_on_invalid_http_message: true");
        assertTrue(onlyTheStreamIsReset("hcm_only"), "the HCM's stream_error_on_invalid_http_message");
        assertTrue(!onlyTheStreamIsReset("defaults"), "Envoy's default closes the connection");
        assertTrue(!onlyTheStreamIsReset("override_false"), "the HTTP/2 override wins over the HCM's");
    }

    /**
     * Upstream: the cluster's SETTINGS carry its table size and custom parameter, and its
     * PRIORITY limit (2 per stream, one stream opened: 4) cuts off an upstream that floods.
     */
    @Test
    void aClustersOptionsApplyToItsUpstreamConnections() throws Exception {
        double before = proxy.stat("cluster.flooder.http2.inbound_priority_frames_flood");
        CompletableFuture<Curl> client = request("/flooder");
        try (RawH2 up = RawH2.accept(rawUpstream)) {
            Map<Integer, Long> settings = new HashMap<>();
            int stream = awaitRequest(up, settings);
            assertEquals(1024L, settings.get(0x1), settings.toString());
            assertEquals(9L, settings.get(0x30), settings.toString());
            up.settingsAck();
            for (int i = 0; i < 4; i++) {
                up.priority(stream);
            }
            assertTrue(up.pingPong(5), "four PRIORITY frames are within 2 * (1 + 1)");
            up.priority(stream).flush();
            RawH2.Ending end = up.awaitEnd();
            assertTrue(end.closedWith(RawH2.ENHANCE_YOUR_CALM), "fifth PRIORITY frame: " + end);
        }
        // A flood fails Envoy's dispatch: the codec client's protocol error, 502 (Http2UpstreamErrors).
        assertEquals(502, client.get(60, TimeUnit.SECONDS).status());
        assertEquals(before + 1, proxy.stat("cluster.flooder.http2.inbound_priority_frames_flood"));
    }

    /** A request through the "defaults" listener, answered or not (curl fails on a response cut short). */
    private static CompletableFuture<Curl> request(String path) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Curl.run("http://127.0.0.1:" + PORTS.get("defaults") + path);
            } catch (Exception e) {
                return null;
            }
        });
    }

    /** Reads the proxy's frames up to its request's HEADERS, its SETTINGS into {@code settings}; returns the stream id. */
    private static int awaitRequest(RawH2 up, Map<Integer, Long> settings) throws Exception {
        RawH2.Frame f = up.read();
        for (; f != null && f.type() != RawH2.HEADERS; f = up.read()) {
            if (f.type() == RawH2.SETTINGS && (f.flags() & 0x1) == 0) {
                settings.putAll(RawH2.settingsOf(f));
            }
        }
        assertNotNull(f, "no request from the proxy");
        up.settingsAck();
        return f.streamId();
    }

    /**
     * An upstream's invalid response (a connection-specific header in its head) costs its
     * connection by default (GOAWAY PROTOCOL_ERROR), only its stream with the cluster's
     * override_stream_error_on_invalid_http_message; counted in cluster.<name>.http2.rx_messaging_error.
     * (DATA past the content-length is no messaging error: it resets its stream either way,
     * Http2UpstreamFaultsTest.)
     */
    @Test
    void anInvalidResponseCostsTheUpstreamConnectionUnlessTheClusterSaysStream() throws Exception {
        for (String cluster : List.of("strict", "lenient")) {
            double before = proxy.stat("cluster." + cluster + ".http2.rx_messaging_error");
            CompletableFuture<Curl> client = request("/" + cluster);
            try (RawH2 up = RawH2.accept(rawUpstream)) {
                int stream = awaitRequest(up, new HashMap<>());
                up.request(stream, false, ":status", "200", "connection", "keep-alive")
                        .frame(RawH2.DATA, 0x1, stream, new byte[] {'a', 'b', 'c'}).flush();
                RawH2.Frame f = up.read();
                while (f != null && f.type() != RawH2.RST_STREAM && f.type() != RawH2.GOAWAY) {
                    f = up.read();
                }
                assertNotNull(f, cluster + ": neither RST_STREAM nor GOAWAY");
                if (cluster.equals("strict")) {
                    assertEquals(RawH2.GOAWAY, f.type());
                    assertEquals(1, f.goAwayError(), "PROTOCOL_ERROR");
                } else {
                    assertEquals(RawH2.RST_STREAM, f.type());
                    assertEquals(stream, f.streamId());
                    assertEquals(1, f.payload()[3], "PROTOCOL_ERROR");
                    assertTrue(up.pingPong(6), "the connection lives on after a stream error");
                }
            }
            client.get(60, TimeUnit.SECONDS);
            assertEquals(before + 1, proxy.stat("cluster." + cluster + ".http2.rx_messaging_error"), cluster);
        }
    }

    /**
     * A response refused for its HEADERS (an upper-case name) or for DATA that came before any
     * HEADERS: the requester gets 502 (Envoy's ProtocolError reset, both ways) at once, whatever DATA follows in the same read, whether the
     * connection goes (default) or only the stream (override_stream_error_on_invalid_http_message).
     * DATA after a refused response once reached the requester as a body without headers, and the
     * request hung until the client gave up.
     */
    @Test
    void aRefusedResponseEndsItsRequestEvenWithDataBehindIt() throws Exception {
        for (String cluster : List.of("strict", "lenient")) {
            for (boolean dataFirst : List.of(false, true)) {
                String what = cluster + (dataFirst ? ": DATA before HEADERS" : ": upper-case response header");
                CompletableFuture<Curl> client = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Curl.run("-m", "20", "http://127.0.0.1:" + PORTS.get("defaults") + "/" + cluster);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                try (RawH2 up = RawH2.accept(rawUpstream)) {
                    int stream = awaitRequest(up, new HashMap<>());
                    if (dataFirst) {
                        up.frame(RawH2.DATA, 0x0, stream, new byte[] {'a'});
                    } else {
                        up.request(stream, false, ":status", "200", "X-Upper", "v");
                    }
                    up.frame(RawH2.DATA, 0x1, stream, new byte[] {'b'}).flush();
                    RawH2.Frame f = up.read();
                    while (f != null && f.type() != RawH2.RST_STREAM && f.type() != RawH2.GOAWAY) {
                        f = up.read();
                    }
                    assertNotNull(f, what + ": neither RST_STREAM nor GOAWAY");
                    assertEquals(cluster.equals("strict") ? RawH2.GOAWAY : RawH2.RST_STREAM, f.type(), what);
                    assertEquals(502, client.get(30, TimeUnit.SECONDS).status(), what);
                }
            }
        }
    }
}

package io.remora.e2e;

import io.remora.testing.RawH2;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The overload manager's {@code loadshed_points} through real sockets: one injected pressure
 * drives eight points with rising thresholds, so each shedding answer is seen on its own as the
 * pressure climbs (a new upstream connection, the router's check, the connection manager's
 * headers check, the HTTP/2 codec's GOAWAY, the HTTP/1 codec's aborted dispatch, the HTTP/2
 * codec's GOAWAY and close, codec creation, accept), then everything is served again when it falls.
 */
class LoadShedPointsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static Path pressure;
    static int port;

    static String point(String name, double threshold) {
        return """
                  - name: envoy.load_shed_points.%s
                    triggers:
                    - name: envoy.resource_monitors.injected_resource
                      threshold: { value: %s }
                """.formatted(name, threshold);
    }

    @BeforeAll
    static void start() throws Exception {
        TestUpstream upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "up"));
        pressure = TempPaths.file("pressure", ".txt");
        Files.writeString(pressure, "0");
        port = ProxyProcess.freePort();
        String listener = Bootstraps.httpListener("web", "", "", """
                - match: { prefix: "/direct" }
                  direct_response: { status: 200, body: { inline_string: "direct" } }
                - match: { prefix: "/fresh" }
                  route: { cluster: fresh }
                - match: { prefix: "/" }
                  route: { cluster: up }
                """).replace("${web}", Integer.toString(port));
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                overload_manager:
                  refresh_interval: 0.1s
                  resource_monitors:
                  - name: envoy.resource_monitors.injected_resource
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.resource_monitors.injected_resource.v3.InjectedResourceConfig
                      filename: %s
                  loadshed_points:
                %s%s%s%s%s%s%s%s
                static_resources:
                  listeners:
                %s
                  clusters:
                %s
                %s
                """.formatted(stack.adminPort, pressure,
                point("connection_pool_new_connection", 0.2), point("http_downstream_filter_check", 0.4),
                point("http_connection_manager_decode_headers", 0.6),
                point("http2_server_go_away_on_dispatch", 0.64), point("http1_server_abort_dispatch", 0.68),
                point("http2_server_go_away_and_close_on_dispatch", 0.72), point("hcm_ondata_creating_codec", 0.8),
                point("tcp_listener_accept", 0.95),
                Bootstraps.indent(listener, 2),
                Bootstraps.indent(Bootstraps.cluster("up", false, null, upstream.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("fresh", false, null, upstream.port()), 2));
        // One worker: upstream pools are per worker, and the test relies on one pooled connection.
        proxy = stack.start(yaml, List.of("-Xmx256m"), "--concurrency", "1");
    }

    @AfterAll
    static void stop() throws Exception {
        Files.deleteIfExists(pressure);
    }

    static void pressure(String value, String point, double scalePercent) throws Exception {
        Files.writeString(pressure, value);
        String gauge = "envoy_overload_envoy_load_shed_points_" + point + "_scale_percent";
        for (int i = 0; i < 100 && proxy.metric(gauge) != scalePercent; i++) {
            Thread.sleep(100);
        }
        assertEquals(scalePercent, proxy.metric(gauge), gauge);
    }

    static double shed(String point) throws Exception {
        return proxy.stat("overload.envoy.load_shed_points." + point + ".shed_load_count");
    }

    /** The connection was closed without an answer. */
    static void closedUnanswered() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            try {
                s.getOutputStream().write("GET /direct HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = s.getInputStream();
                assertEquals(-1, in.read(), "a shed connection was answered");
            } catch (java.net.SocketException reset) {
                // closed with a reset: shed as well
            }
        }
    }

    /** An HTTP/2 connection (prior knowledge) with stream 1 a POST to /fresh whose body is still to come. */
    static RawH2 uploadInProgress() throws Exception {
        RawH2 h2 = new RawH2("127.0.0.1", port);
        h2.settingsAck().request(1, false, ":method", "POST", ":scheme", "http", ":path", "/fresh",
                ":authority", "a").flush();
        return h2;
    }

    static void endUpload(RawH2 h2) {
        h2.frame(RawH2.DATA, 0x1, 1, "body".getBytes(StandardCharsets.US_ASCII));
    }

    /** The frames read until the connection ends or the socket timeout passes. */
    static List<RawH2.Frame> framesToEnd(RawH2 h2) throws Exception {
        List<RawH2.Frame> frames = new java.util.ArrayList<>();
        for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
            frames.add(f);
        }
        return frames;
    }

    static List<Integer> answered(List<RawH2.Frame> frames) {
        return frames.stream().filter(f -> f.type() == RawH2.HEADERS).map(RawH2.Frame::streamId).toList();
    }

    static List<RawH2.Frame> goAways(List<RawH2.Frame> frames) {
        return frames.stream().filter(f -> f.type() == RawH2.GOAWAY).toList();
    }

    @Test
    void eachPointShedsAtItsOwnPressureAndAllRecover() throws Exception {
        assertFalse(proxy.log().contains("never sheds"), "a configured point is not checked:\n" + proxy.log());
        assertEquals("up", Curl.get(port, "/").text());
        // Two HTTP/2 requests begun before any shedding, for the codec points below; each holds an
        // upstream connection to "fresh", so /fresh still needs a new one.
        RawH2 goAway = uploadInProgress();
        RawH2 goAwayAndClose = uploadInProgress();
        for (int i = 0; i < 100 && proxy.stat("cluster.fresh.upstream_cx_total") < 2; i++) {
            Thread.sleep(50);
        }
        assertEquals(2, proxy.stat("cluster.fresh.upstream_cx_total"));

        // A new upstream connection is shed; the pooled one to "up" still serves.
        pressure("0.3", "connection_pool_new_connection", 100);
        Curl fresh = Curl.get(port, "/fresh");
        assertEquals(503, fresh.status());
        assertTrue(fresh.text().contains("reset reason: overflow"), fresh.text());
        assertEquals(200, Curl.get(port, "/").status(), "a pooled connection needs no new one");
        assertEquals(1, shed("connection_pool_new_connection"));

        // The router answers before making an upstream request; a direct response is not one.
        pressure("0.5", "http_downstream_filter_check", 100);
        Curl routed = Curl.get(port, "/");
        assertEquals(503, routed.status());
        assertEquals("envoy overloaded", routed.text());
        assertEquals(1, proxy.stat("http.web.rq_overload_local_reply"));
        assertEquals("direct", Curl.get(port, "/direct").text());

        // The connection manager answers once the headers are read, before any filter.
        pressure("0.62", "http_connection_manager_decode_headers", 100);
        Curl early = Curl.get(port, "/direct");
        assertEquals(503, early.status());
        assertEquals("envoy overloaded", early.text());
        double overloadClosed = proxy.stat("http.web.downstream_rq_overload_close");
        assertTrue(overloadClosed >= 1);

        // HTTP/2: a GOAWAY naming the last stream received before this read; that stream finishes,
        // the one opened in the same read is refused.
        double goAwaysBefore = proxy.stat("http2.goaway_sent");
        pressure("0.66", "http2_server_go_away_on_dispatch", 100);
        endUpload(goAway);
        goAway.get(3, "a", "/direct", true).flush();
        List<RawH2.Frame> frames = framesToEnd(goAway);
        goAway.close();
        assertEquals(1, goAways(frames).size(), "one GOAWAY");
        assertEquals(1, goAways(frames).get(0).goAwayLastStreamId());
        assertEquals(RawH2.NO_ERROR, goAways(frames).get(0).goAwayError());
        assertEquals(List.of(1), answered(frames), "stream 1 answered, stream 3 not");
        assertEquals(1, shed("http2_server_go_away_on_dispatch"));
        assertEquals(goAwaysBefore + 1, proxy.stat("http2.goaway_sent"));

        // HTTP/1: the dispatch is aborted: 500 and the connection closes.
        pressure("0.7", "http1_server_abort_dispatch", 100);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /direct HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 500 Internal Server Error\r\n"), answer);
            assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n"), answer);
            assertTrue(answer.endsWith("\r\n\r\nInternal Server Error"), answer);
        }
        assertEquals(1, shed("http1_server_abort_dispatch"));
        assertEquals(overloadClosed + 1, proxy.stat("http.web.downstream_rq_overload_close"));

        // HTTP/2: GOAWAY, then the connection closes at once; its open stream is never answered.
        pressure("0.74", "http2_server_go_away_and_close_on_dispatch", 100);
        endUpload(goAwayAndClose);
        goAwayAndClose.flush();
        frames = framesToEnd(goAwayAndClose);
        goAwayAndClose.close();
        assertEquals(1, goAways(frames).size(), "one GOAWAY");
        assertEquals(1, goAways(frames).get(0).goAwayLastStreamId());
        assertEquals(List.of(), answered(frames), "the open stream is reset with the connection");
        assertEquals(1, shed("http2_server_go_away_and_close_on_dispatch"));
        assertEquals(overloadClosed + 2, proxy.stat("http.web.downstream_rq_overload_close"));
        assertEquals(goAwaysBefore + 2, proxy.stat("http2.goaway_sent"));

        // A new connection is closed before any codec reads it.
        pressure("0.9", "hcm_ondata_creating_codec", 100);
        closedUnanswered();
        assertTrue(shed("hcm_ondata_creating_codec") >= 1);

        // And refused at accept.
        pressure("0.99", "tcp_listener_accept", 100);
        double codecBefore = shed("hcm_ondata_creating_codec");
        closedUnanswered();
        assertTrue(proxy.stat("listener.127.0.0.1_" + port + ".downstream_cx_overload_reject") >= 1);
        assertEquals(codecBefore, shed("hcm_ondata_creating_codec"), "refused before the connection manager saw it");

        pressure("0", "tcp_listener_accept", 0);
        for (String path : List.of("/", "/fresh", "/direct")) {
            assertEquals(200, Curl.get(port, path).status(), path);
        }
    }
}

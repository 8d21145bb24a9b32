package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.remora.e2e.LogFiles.field;
import static io.remora.e2e.LogFiles.line;
import static io.remora.e2e.LogFiles.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's upstream, address, time and duration operators through a running proxy: curl through a
 * route to a slow upstream and to no route, and the values the text access log prints are the
 * ones that request had (its upstream's host name and protocol, the listener's socket, durations
 * that add up). Then the upstream connection's connect and handshake moments (a new connection's
 * and a reused one's, to a TLS and a plain upstream), an upstream log's durations, and the
 * downstream handshake a tcp_proxy connection that terminates TLS logs.
 */
class AccessLogTimingOperatorsE2ETest {

    private static final String FORMAT = "flags=%RESPONSE_FLAGS_LONG% uproto=%UPSTREAM_PROTOCOL% "
            + "uraddr=%UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% urport=%UPSTREAM_REMOTE_PORT% uhn=%UPSTREAM_HOST_NAME% "
            + "uhnwp=%UPSTREAM_HOST_NAME_WITHOUT_PORT% dla=%DOWNSTREAM_DIRECT_LOCAL_ADDRESS% "
            + "dlawp=%DOWNSTREAM_DIRECT_LOCAL_ADDRESS_WITHOUT_PORT% dlp=%DOWNSTREAM_DIRECT_LOCAL_PORT% "
            + "local=%START_TIME_LOCAL% emit=%EMIT_TIME(%s)% start=%START_TIME(%s)% rq=%REQUEST_DURATION% "
            + "rqtx=%REQUEST_TX_DURATION% resp=%RESPONSE_DURATION% resptx=%RESPONSE_TX_DURATION% "
            + "hs=%DOWNSTREAM_HANDSHAKE_DURATION% pool=%UPSTREAM_CONNECTION_POOL_READY_DURATION% "
            + "rtt=%ROUNDTRIP_DURATION% total=%COMMON_DURATION(DS_RX_BEG:DS_TX_END:us)% "
            + "uptx=%COMMON_DURATION(US_TX_BEG:US_RX_END)% rxbody=%COMMON_DURATION(DS_RX_BEG:US_RX_BODY_BEG)% "
            + "dur=%DURATION%";

    private static String bootstrap(int admin, int http, int upstream, Path log) {
        String cluster = Bootstraps.namedCluster("up", upstream, "backend.test");
        return Bootstraps.logFormat(Bootstraps.http(admin, http, log.toString(),
                "- match: { prefix: \"/slow\" }\n  route: { cluster: up }", cluster), log, FORMAT);
    }

    @Test
    void upstreamAddressTimeAndDurationOperatorsPrintWhatTheRequestDid() throws Exception {
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> ctx.executor().schedule(
                () -> TestUpstream.send(ctx, req, 200, "slow"), 150, TimeUnit.MILLISECONDS))) {
            int admin = ProxyProcess.freePort();
            int http = ProxyProcess.freePort();
            Path log = TempPaths.file("timing-access", ".log");
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, http, up.port(), log), admin)) {
                long before = System.currentTimeMillis() / 1000;
                assertEquals(200, Curl.get(http, "/slow").status());
                assertEquals(404, Curl.get(http, "/none").status());
                List<String> lines = LogFiles.await(log, 2);
                String ok = lines.get(0);
                assertEquals("-", field(ok, "flags"), ok);
                assertEquals("HTTP/1.1", field(ok, "uproto"), ok);
                assertEquals("127.0.0.1", field(ok, "uraddr"), ok);
                assertEquals(up.port(), number(ok, "urport"), ok);
                assertEquals("backend.test", field(ok, "uhn"), ok);
                assertEquals("backend.test", field(ok, "uhnwp"), ok);
                assertEquals("127.0.0.1:" + http, field(ok, "dla"), ok);
                assertEquals("127.0.0.1", field(ok, "dlawp"), ok);
                assertEquals(http, number(ok, "dlp"), ok);
                assertTrue(field(ok, "local").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4}"), ok);
                long start = number(ok, "start");
                assertTrue(start >= before && number(ok, "emit") >= start, ok);
                // A GET ends with its headers; the upstream answers 150 ms later; then the body goes out.
                long rq = number(ok, "rq");
                long rqtx = number(ok, "rqtx");
                long resp = number(ok, "resp");
                long dur = number(ok, "dur");
                assertTrue(rq <= rqtx && rqtx <= resp, ok);
                assertTrue(resp >= 150 && resp <= dur, ok);
                assertTrue(number(ok, "resptx") <= dur - resp + 1, ok);
                assertTrue(number(ok, "pool") <= resp, ok);
                assertTrue(number(ok, "uptx") >= 145, ok);
                long rxbody = number(ok, "rxbody"); // the body came with the response's head
                assertTrue(rxbody >= resp && rxbody <= dur, ok);
                long totalMicros = number(ok, "total");
                assertTrue(totalMicros / 1000 >= resp && totalMicros / 1000 <= dur + 1, ok);
                assertEquals("-", field(ok, "hs"), "no handshake on an HTTP stream's info, as Envoy: " + ok);
                assertEquals("-", field(ok, "rtt"), "HTTP/3 only in Envoy: " + ok);

                String none = lines.get(1);
                assertEquals("NoRouteFound", field(none, "flags"), none);
                for (String f : List.of("uproto", "uraddr", "urport", "uhn", "rqtx", "resp", "resptx", "pool", "uptx",
                        "rxbody")) {
                    assertEquals("-", field(none, f), f + " without an upstream: " + none);
                }
                assertTrue(number(none, "total") / 1000 <= number(none, "dur") + 1, none);
            }
        }
    }

    /** The stream's view of its upstream connection: connect, handshake, and where they fall against its start. */
    private static final String CONNECT = "cx=%COMMON_DURATION(US_CX_BEG:US_CX_END:us)% "
            + "uhs=%COMMON_DURATION(US_CX_END:US_HS_END:us)% after=%COMMON_DURATION(DS_RX_BEG:US_CX_BEG:us)% "
            + "before=%COMMON_DURATION(US_CX_BEG:DS_RX_BEG:us)% id=%UPSTREAM_CONNECTION_ID%";

    @Test
    void connectMomentsAreTheUpstreamConnectionsAndTheHandshakeTheDownstreamConnections() throws Exception {
        Path certs = TempPaths.directory("timing-certs");
        TestCerts.Ca ca = TestCerts.ca("timing-ca");
        ca.issue("proxy", "127.0.0.1", "localhost").write(certs, "server");
        try (TestUpstream tls = TestUpstream.startTls(ca.issue("upstream", "upstream.example"),
                (ctx, req, n) -> TestUpstream.send(ctx, req, 200, "tls"));
             TestUpstream plain = TestUpstream.text("plain")) {
            Path log = TempPaths.file("timing-connect", ".log");
            Path tries = TempPaths.file("timing-tries", ".log");
            Path tcpLog = TempPaths.file("timing-tcp", ".log");
            Path httpsLog = TempPaths.file("timing-https", ".log");
            Path listenerLog = TempPaths.file("timing-listener", ".log");
            String upstreamLog = "upstream_log: [{ name: envoy.access_loggers.file, typed_config: {"
                    + " \"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog,"
                    + " path: " + tries + ", log_format: { text_format_source: { inline_string:"
                    + " \"%REQ(:PATH)% " + CONNECT + " rq=%REQUEST_DURATION% rqtx=%REQUEST_TX_DURATION%"
                    + " resp=%RESPONSE_DURATION% resptx=%RESPONSE_TX_DURATION% pool=%UPSTREAM_CONNECTION_POOL_READY_DURATION%"
                    + " uptx=%COMMON_DURATION(US_TX_BEG:US_RX_END:us)% dur=%DURATION%\\n\" } } } }]";
            String http = Bootstraps.httpListener("http", "", Bootstraps.fileAccessLog(log,
                    "%REQ(:PATH)% " + CONNECT + " dhs=%DOWNSTREAM_HANDSHAKE_DURATION%"), """
                    - match: { prefix: /tls }
                      route: { cluster: tls }
                    - match: { prefix: / }
                      route: { cluster: plain }
                    """).replace(RouterOptionsE2ETest.ROUTER,
                    "{ \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router, " + upstreamLog + " }");
            // HTTP over TLS: the listener's log has the connection's info, the connection manager's a stream's.
            String https = Bootstraps.httpListener("https", Bootstraps.downstreamTls(certs, "server"),
                    Bootstraps.fileAccessLog(httpsLog, "dhs=%DOWNSTREAM_HANDSHAKE_DURATION%"),
                    "- match: { prefix: / }\n  route: { cluster: plain }\n")
                    .replace("  filter_chains:\n", Bootstraps.indent(Bootstraps.fileAccessLog(listenerLog,
                            "dhs=%DOWNSTREAM_HANDSHAKE_DURATION% dur=%DURATION%"), 2) + "\n  filter_chains:\n");
            String tcp = Bootstraps.tcpListener("tcp", "plain", Bootstraps.fileAccessLog(tcpLog,
                    "dhs=%DOWNSTREAM_HANDSHAKE_DURATION% cx=%COMMON_DURATION(US_CX_BEG:US_CX_END:us)% "
                            + "uhs=%COMMON_DURATION(US_CX_END:US_HS_END:us)% dur=%DURATION%"))
                    .replace("  - filters:\n", "  - " + Bootstraps.indent(Bootstraps.downstreamTls(certs, "server"), 4)
                            .substring(4) + "\n    filters:\n");
            String clusters = Bootstraps.cluster("tls", false, """
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext }
                    """, tls.port()) + Bootstraps.cluster("plain", false, null, plain.port());
            Map<String, Integer> ports = new HashMap<>(Map.of("http", ProxyProcess.freePort(), "tcp", ProxyProcess.freePort(),
                    "https", ProxyProcess.freePort()));
            int admin = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, http + https + tcp, clusters, ports),
                    admin)) {
                String base = "http://127.0.0.1:" + ports.get("http");
                // One curl, one downstream connection, one worker: the second request reuses the first's upstream connection.
                assertEquals(200, Curl.run(base + "/tls/1", base + "/tls/2").status());
                assertEquals(200, Curl.run(base + "/plain/1", base + "/plain/2").status());
                List<String> lines = LogFiles.await(log, 4);

                String tls1 = line(lines, "/tls/1");
                String tls2 = line(lines, "/tls/2");
                assertEquals(field(tls1, "id"), field(tls2, "id"), "one upstream connection: " + lines);
                long connect = number(tls1, "cx");
                long handshake = number(tls1, "uhs");
                assertTrue(connect < 10_000_000 && handshake < 10_000_000, tls1);
                assertTrue(number(tls1, "after") >= 0, "a new connection is made after the stream began: " + tls1);
                assertEquals("-", field(tls1, "before"), tls1);
                // As Envoy: the reused connection's moments, the same ones, before this stream began.
                assertEquals(connect, number(tls2, "cx"), tls2);
                assertEquals(handshake, number(tls2, "uhs"), tls2);
                assertEquals("-", field(tls2, "after"), tls2);
                assertTrue(number(tls2, "before") >= connect + handshake, tls2);
                assertEquals("-", field(tls1, "dhs"), "an HTTP stream's info has no handshake, as Envoy's: " + tls1);

                String plain1 = line(lines, "/plain/1");
                String plain2 = line(lines, "/plain/2");
                assertEquals(field(plain1, "id"), field(plain2, "id"), "one upstream connection: " + lines);
                assertTrue(number(plain1, "cx") < 10_000_000, plain1);
                assertEquals(number(plain1, "cx"), number(plain2, "cx"), plain2);
                assertEquals("-", field(plain1, "uhs"), "no TLS: " + plain1);
                assertEquals("-", field(plain2, "uhs"), "no TLS: " + plain2);

                // The upstream log: the try's own info, timed from the try's start, sharing the upstream moments.
                List<String> tryLines = LogFiles.await(tries, 4);
                String try1 = line(tryLines, "/tls/1");
                assertEquals(connect, number(try1, "cx"), try1);
                assertEquals(handshake, number(try1, "uhs"), try1);
                assertEquals(field(tls1, "id"), field(try1, "id"), try1);
                for (String f : List.of("rq", "resptx")) {
                    assertEquals("-", field(try1, f), "no downstream moments in an upstream log, as Envoy's: " + try1);
                }
                long rqtx = number(try1, "rqtx");
                long resp = number(try1, "resp");
                assertTrue(number(try1, "pool") <= rqtx && rqtx <= resp && resp <= number(try1, "dur"), try1);
                assertTrue(number(try1, "uptx") >= 0, try1);
                String try2 = line(tryLines, "/tls/2");
                assertEquals(connect, number(try2, "cx"), try2);
                assertEquals("-", field(try2, "after"), try2);

                // tcp_proxy terminating TLS: the connection's own info has its downstream handshake.
                Process client = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + ports.get("tcp"),
                        "-quiet").redirectErrorStream(true).start();
                try {
                    OutputStream in = client.getOutputStream();
                    in.write("GET /over-tls HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    in.flush();
                    assertTrue(client.waitFor(30, TimeUnit.SECONDS), "no answer over the TLS connection");
                    String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    assertTrue(out.contains("HTTP/1.1 200") && out.contains("\r\n\r\nplain"), out);
                } finally {
                    client.destroyForcibly();
                }
                String tcpLine = LogFiles.await(tcpLog, 1).get(0);
                long downstreamHandshake = number(tcpLine, "dhs");
                assertTrue(downstreamHandshake <= number(tcpLine, "dur"), tcpLine);
                assertTrue(number(tcpLine, "cx") < 10_000_000, tcpLine);
                assertEquals("-", field(tcpLine, "uhs"), "a plain upstream: " + tcpLine);

                assertEquals("plain", Curl.run("-k", "https://127.0.0.1:" + ports.get("https") + "/over-https").text());
                assertEquals("-", field(LogFiles.await(httpsLog, 1).get(0), "dhs"), "a stream's info, as Envoy's");
                String connectionLine = LogFiles.await(listenerLog, 1).get(0);
                assertTrue(number(connectionLine, "dhs") <= number(connectionLine, "dur"), connectionLine);
            }
        }
    }
}

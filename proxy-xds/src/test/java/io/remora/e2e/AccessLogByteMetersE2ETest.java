package io.remora.e2e;

import io.remora.testing.RawH2;
import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.remora.e2e.LogFiles.field;
import static io.remora.e2e.LogFiles.line;
import static io.remora.e2e.LogFiles.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's wire and header byte meters through a running proxy, each number checked against the
 * bytes on the wire: a raw HTTP/1.1 client and a raw HTTP/2 client downstream, a raw HTTP/1.1
 * upstream that records each request as it arrived and a raw HTTP/2 upstream that records each
 * stream's frames; curl over HTTP/1.1, h2c and TLS h2; and a tcp_proxy connection.
 */
class AccessLogByteMetersE2ETest {

    private static final String FORMAT = "%REQ(:PATH)% dwr=%DOWNSTREAM_WIRE_BYTES_RECEIVED% "
            + "dhr=%DOWNSTREAM_HEADER_BYTES_RECEIVED% dws=%DOWNSTREAM_WIRE_BYTES_SENT% "
            + "dhs=%DOWNSTREAM_HEADER_BYTES_SENT% "
            + "uws=%UPSTREAM_WIRE_BYTES_SENT% uhs=%UPSTREAM_HEADER_BYTES_SENT% uwr=%UPSTREAM_WIRE_BYTES_RECEIVED% "
            + "uhr=%UPSTREAM_HEADER_BYTES_RECEIVED%";
    /** What the HTTP/1.1 upstream answers: extra whitespace around a value, which the parser trims. */
    private static final String ANSWER = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Up:  v1 \r\n\r\nhello";

    private static final String UNAVAILABLE = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";

    private static RawHeadUpstream h1;
    /** Answers 503 then 200, in turn. */
    private static RawHeadUpstream flaky;
    private static ServerSocket h2;
    /** Per stream the HTTP/2 upstream answered, in turn: the wire and header bytes of the frames it had received. */
    private static final BlockingQueue<long[]> H2_STREAMS = new LinkedBlockingQueue<>();
    private static ServerSocket echo;
    private static ProxyProcess proxy;
    private static Map<String, Integer> ports;
    private static Path log;
    private static Path tcpLog;
    private static Path tries;

    @BeforeAll
    static void start() throws Exception {
        h1 = new RawHeadUpstream(head -> ANSWER);
        java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
        flaky = new RawHeadUpstream(head -> answered.getAndIncrement() % 2 == 0 ? UNAVAILABLE : ANSWER);
        h2 = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptH2();
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        TcpEcho.serve(echo);
        Path certs = TempPaths.directory("meters-certs");
        TestCerts.ca("meters-ca").issue("proxy", "127.0.0.1", "localhost").write(certs, "server");
        log = TempPaths.file("meters", ".log");
        tcpLog = TempPaths.file("meters-tcp", ".log");
        tries = TempPaths.file("meters-tries", ".log");
        String upstreamLog = "upstream_log: [{ name: envoy.access_loggers.file, typed_config: {"
                + " \"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog,"
                + " path: " + tries + ", log_format: { text_format_source: { inline_string: \"" + FORMAT + "\\n\" } } } }]";
        String routes = """
                - match: { prefix: /h2 }
                  route: { cluster: h2up }
                - match: { prefix: /retry }
                  route: { cluster: flaky, retry_policy: { retry_on: 5xx, num_retries: 1 } }
                - match: { prefix: / }
                  route: { cluster: h1up }
                """;
        String tls = Bootstraps.downstreamTls(certs, "server").replace("      tls_certificates:",
                "      alpn_protocols: [h2, http/1.1]\n      tls_certificates:");
        String listeners = Bootstraps.httpListener("http", "", Bootstraps.fileAccessLog(log, FORMAT), routes)
                .replace(RouterOptionsE2ETest.ROUTER, "{ \"@type\": type.googleapis.com/envoy.extensions.filters.http"
                        + ".router.v3.Router, " + upstreamLog + " }")
                + Bootstraps.httpListener("https", tls, Bootstraps.fileAccessLog(log, FORMAT), routes)
                + Bootstraps.tcpListener("tcp", "echo", Bootstraps.fileAccessLog(tcpLog, FORMAT));
        String clusters = Bootstraps.cluster("h1up", false, null, h1.port())
                + Bootstraps.cluster("h2up", true, null, h2.getLocalPort())
                + Bootstraps.cluster("echo", false, null, echo.getLocalPort())
                + Bootstraps.cluster("flaky", false, null, flaky.port());
        ports = new HashMap<>(Map.of("http", ProxyProcess.freePort(), "https", ProxyProcess.freePort(),
                "tcp", ProxyProcess.freePort()));
        int admin = ProxyProcess.freePort();
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        h1.close();
        flaky.close();
        h2.close();
        echo.close();
    }

    /**
     * An HTTP/2 upstream frame by frame: SETTINGS are acknowledged; a stream's request, once ended,
     * is answered with HEADERS (:status 200, one static-table byte) and DATA "hello".
     */
    private static void serveH2(RawH2 c) {
        Map<Integer, long[]> received = new HashMap<>();
        try (c) {
            for (RawH2.Frame f = c.read(); f != null; f = c.read()) {
                if (f.type() == RawH2.SETTINGS && (f.flags() & 0x1) == 0) {
                    c.settingsAck().flush();
                }
                int id = f.streamId();
                if (id == 0) {
                    continue;
                }
                long[] n = received.computeIfAbsent(id, k -> new long[2]);
                n[0] += 9 + f.payload().length;
                if (f.type() == RawH2.HEADERS || f.type() == 0x9) {
                    n[1] += 9 + f.payload().length;
                }
                if ((f.type() == RawH2.HEADERS || f.type() == RawH2.DATA) && (f.flags() & 0x1) != 0) {
                    H2_STREAMS.add(n.clone());
                    c.frame(RawH2.HEADERS, 0x4, id, new byte[] {(byte) 0x88}) // :status 200, indexed
                            .frame(RawH2.DATA, 0x1, id, "hello".getBytes(StandardCharsets.US_ASCII)).flush();
                }
            }
        } catch (IOException e) {
            // the proxy closed the connection
        }
    }

    private static void acceptH2() {
        Thread t = new Thread(() -> {
            while (!h2.isClosed()) {
                try {
                    RawH2 c = RawH2.accept(h2);
                    Thread serve = new Thread(() -> serveH2(c), "raw-h2-upstream");
                    serve.setDaemon(true);
                    serve.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "raw-h2-accept");
        t.setDaemon(true);
        t.start();
    }

    /** The next stream the HTTP/2 upstream answered: its wire and header bytes received. */
    private static long[] nextH2Stream() throws InterruptedException {
        long[] n = H2_STREAMS.poll(10, TimeUnit.SECONDS);
        if (n == null) {
            throw new AssertionError("no stream reached the HTTP/2 upstream");
        }
        return n;
    }

    /** The access log line of the request to {@code path}, once written. */
    private static String logged(String path) throws Exception {
        return line(LogFiles.await(log, lines -> lines.stream().anyMatch(x -> x.startsWith(path + " "))), path);
    }

    /** Envoy's HTTP/1.1 header bytes received: each field's name and (trimmed) value, plus ':' and CRLF. */
    private static long receivedFields(String head) {
        long n = 0;
        String[] lines = head.split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            if (c > 0) {
                n += c + lines[i].substring(c + 1).trim().length() + 3;
            }
        }
        return n;
    }

    /** Envoy's HTTP/1.1 header bytes sent: the head's field lines as written ("name: value\r\n"). */
    private static long sentFields(String head) {
        int end = head.indexOf("\r\n\r\n");
        return end + 2 - (head.indexOf("\r\n") + 2);
    }

    @Test
    void http11MetersAreTheBytesBothConnectionsCarried() throws Exception {
        String request = "POST /raw HTTP/1.1\r\nHost: meters.test\r\nX-Pad:   padded  \r\nContent-Length: 4\r\n"
                + "Connection: close\r\n\r\nabcd";
        String response;
        try (Socket s = new Socket("127.0.0.1", ports.get("http"))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        assertTrue(response.startsWith("HTTP/1.1 200") && response.endsWith("\r\n\r\nhello"), response);
        String upstreamSaw = h1.next();
        String l = logged("/raw");
        assertEquals(request.length(), number(l, "dwr"), l);
        // Host 4+11+3, X-Pad 5+6+3, Content-Length 14+1+3, Connection 10+5+3.
        assertEquals(18 + 14 + 18 + 18, number(l, "dhr"), l);
        assertEquals(receivedFields(request), number(l, "dhr"), l);
        assertEquals(response.length(), number(l, "dws"), l);
        assertEquals(sentFields(response), number(l, "dhs"), l);
        assertEquals(upstreamSaw.length(), number(l, "uws"), upstreamSaw);
        assertEquals(sentFields(upstreamSaw), number(l, "uhs"), upstreamSaw);
        assertEquals(ANSWER.length(), number(l, "uwr"), l);
        assertEquals(14 + 1 + 3 + 4 + 2 + 3, number(l, "uhr"), "X-Up's value trimmed: " + l);
    }

    /** As Envoy's setUpstreamBytesMeter: a retry's upstream bytes add to the tries' before it. */
    @Test
    void upstreamMetersAddUpOverRetries() throws Exception {
        assertEquals("hello", Curl.run("--http1.1", "http://127.0.0.1:" + ports.get("http") + "/retry").text());
        String first = flaky.next();
        String second = flaky.next();
        String l = logged("/retry");
        assertEquals(first.length() + second.length(), number(l, "uws"), l);
        assertEquals(sentFields(first) + sentFields(second), number(l, "uhs"), l);
        assertEquals(UNAVAILABLE.length() + ANSWER.length(), number(l, "uwr"), l);
        assertEquals(receivedFields(UNAVAILABLE) + 27, number(l, "uhr"), l);
        // The upstream log of each try: the sum so far, as Envoy's try reads the meter the next one adds to.
        List<String> tryLines = LogFiles.await(tries, ls -> ls.stream().filter(x -> x.startsWith("/retry ")).count() == 2)
                .stream().filter(x -> x.startsWith("/retry ")).toList();
        assertEquals(first.length(), number(tryLines.get(0), "uws"), tryLines.toString());
        assertEquals(UNAVAILABLE.length(), number(tryLines.get(0), "uwr"), tryLines.toString());
        assertEquals(first.length() + second.length(), number(tryLines.get(1), "uws"), tryLines.toString());
        assertEquals(UNAVAILABLE.length() + ANSWER.length(), number(tryLines.get(1), "uwr"), tryLines.toString());
        assertEquals(number(l, "dwr"), number(tryLines.get(1), "dwr"), "the stream's downstream meter: " + tryLines);
    }

    @Test
    void curlOverHttp11() throws Exception {
        int port = ports.get("http");
        Curl r = Curl.run("--http1.1", "http://127.0.0.1:" + port + "/curl1");
        assertEquals("hello", r.text());
        String upstreamSaw = h1.next();
        String l = logged("/curl1");
        // curl's request: its three default headers.
        String version = curlVersion();
        String request = "GET /curl1 HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: curl/" + version
                + "\r\nAccept: */*\r\n\r\n";
        assertEquals(request.length(), number(l, "dwr"), l);
        assertEquals(receivedFields(request), number(l, "dhr"), l);
        assertEquals(upstreamSaw.length(), number(l, "uws"), upstreamSaw);
        assertEquals(sentFields(upstreamSaw), number(l, "uhs"), upstreamSaw);
        assertEquals(ANSWER.length(), number(l, "uwr"), l);
        // What went back: the response head curl saw, then the 5 body bytes.
        long head = number(l, "dws") - 5;
        assertEquals(head - "HTTP/1.1 200 OK\r\n".length() - 2, number(l, "dhs"), l);
    }

    private static String curlVersion() throws Exception {
        Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        p.waitFor();
        return out.split(" ")[1];
    }

    /** The HTTP/2 upstream's answer, 24 bytes: HEADERS of one byte (10), DATA "hello" (14). */
    private static void assertUpstreamH2(String l, long[] upstreamReceived) {
        assertEquals(upstreamReceived[0], number(l, "uws"), l);
        assertEquals(upstreamReceived[1], number(l, "uhs"), l);
        assertTrue(upstreamReceived[1] >= 10, "a HEADERS frame: " + l);
        assertEquals(24, number(l, "uwr"), l);
        assertEquals(10, number(l, "uhr"), l);
    }

    @Test
    void http2MetersCountEachStreamsFramesWithTheirHeaders() throws Exception {
        long sent;
        long received = 0;
        long receivedHeaders = 0;
        try (RawH2 c = new RawH2("127.0.0.1", ports.get("http"))) {
            // HEADERS: :method GET and :scheme http indexed (2), :path and :authority literals (2 + 7, 2 + 11).
            c.get(1, "meters.test", "/h2/raw", true).flush();
            sent = 9 + 2 + 2 + 7 + 2 + 11;
            boolean ended = false;
            for (RawH2.Frame f = c.read(); f != null && !ended; f = ended ? null : c.read()) {
                if (f.streamId() != 1) {
                    continue;
                }
                received += 9 + f.payload().length;
                if (f.type() == RawH2.HEADERS || f.type() == 0x9) {
                    receivedHeaders += 9 + f.payload().length;
                }
                ended = (f.flags() & 0x1) != 0 && (f.type() == RawH2.HEADERS || f.type() == RawH2.DATA)
                        || f.type() == RawH2.RST_STREAM;
            }
            assertTrue(ended, "the response ended");
        }
        long[] upstream = nextH2Stream();
        String l = logged("/h2/raw");
        assertEquals(sent, number(l, "dwr"), l);
        assertEquals(sent, number(l, "dhr"), l);
        assertEquals(received, number(l, "dws"), l);
        assertEquals(receivedHeaders, number(l, "dhs"), l);
        assertEquals(received - receivedHeaders, 14, "one DATA frame, \"hello\": " + l);
        assertUpstreamH2(l, upstream);
    }

    /** curl's own frames are its HPACK's: what is exact here is the upstream's side and the response's DATA frame. */
    @Test
    void curlOverH2cAndTlsH2() throws Exception {
        assertEquals("hello",
                Curl.run("--http2-prior-knowledge", "http://127.0.0.1:" + ports.get("http") + "/h2/c").text());
        long[] h2c = nextH2Stream();
        assertEquals("hello", Curl.run("--http2", "-k", "https://127.0.0.1:" + ports.get("https") + "/h2/tls").text());
        long[] tls = nextH2Stream();
        List<String> lines = LogFiles.await(log, ls -> ls.stream().anyMatch(x -> x.startsWith("/h2/tls ")));
        for (String l : List.of(line(lines, "/h2/c"), line(lines, "/h2/tls"))) {
            assertUpstreamH2(l, l.startsWith("/h2/c ") ? h2c : tls);
            long headers = number(l, "dhr");
            assertTrue(headers > 9, "curl's HEADERS: " + l);
            // A GET: its HEADERS, and any WINDOW_UPDATE curl sends on the stream (13 bytes each).
            assertEquals(0, (number(l, "dwr") - headers) % 13, l);
            assertTrue(number(l, "dhs") > 9, l);
            assertEquals(14, number(l, "dws") - number(l, "dhs"), "one DATA frame, \"hello\": " + l);
        }
    }

    @Test
    void tcpProxyMetersWhatItRelaysWithoutHeaderBytes() throws Exception {
        byte[] sent = "twelve bytes".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket("127.0.0.1", ports.get("tcp"))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(sent);
            byte[] back = s.getInputStream().readNBytes(sent.length);
            assertEquals("twelve bytes", new String(back, StandardCharsets.US_ASCII));
        }
        String l = LogFiles.await(tcpLog, 1).get(0);
        assertEquals(List.of(12L, 0L, 12L, 0L, 12L, 0L, 12L, 0L), List.of(number(l, "dwr"), number(l, "dhr"),
                number(l, "dws"), number(l, "dhs"), number(l, "uws"), number(l, "uhs"), number(l, "uwr"),
                number(l, "uhr")), l);
    }
}

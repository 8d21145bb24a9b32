package io.remora.http;

import io.remora.testing.HttpHeads;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.router.RouterFilterProvider;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.HcmHarness;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/1.1 framing on both hops of the proxy, as bytes on real sockets: a scripted upstream
 * answers by path and records the exact request bytes it read; the client is a raw socket. Each
 * case is followed by a second request on the same connections, which a framing mistake (a body
 * read where there is none, a wrong chunk size) would corrupt.
 */
class Http1FramingThroughProxyTest {
    static {
        LeakCheck.install();
    }

    private static final Transport TRANSPORT = Transport.detect();
    private static final String BIG = "x".repeat(3000); // past the size copied into its chunk's framing
    private static ServerSocket upstream;
    private static Thread upstreamThread;
    private static final BlockingQueue<String> RECEIVED = new LinkedBlockingQueue<>();
    private static HcmHarness hcm;
    private static HcmHarness withTrailers;

    @BeforeAll
    static void start() throws Exception {
        upstream = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        upstreamThread = new Thread(Http1FramingThroughProxyTest::serve, "scripted-upstream");
        upstreamThread.setDaemon(true);
        upstreamThread.start();
        TestServerContext ctx = new TestServerContext(TRANSPORT);
        ctx.add(new FixedCluster(FixedCluster.config("up", UpstreamProtocol.HTTP1), ctx.stats,
                FixedCluster.hosts(new java.net.InetSocketAddress("127.0.0.1", upstream.getLocalPort()))));
        hcm = new HcmHarness(TRANSPORT, ctx, new RouterFilterProvider(), List.of(HcmHarness.route("/", "up", null, null)));
        // The same upstream with http_protocol_options.enable_trailers on both hops.
        ctx.add(new FixedCluster(FixedCluster.config("up-trailers", UpstreamProtocol.HTTP1).toBuilder()
                .http1EnableTrailers(true).build(), ctx.stats,
                FixedCluster.hosts(new java.net.InetSocketAddress("127.0.0.1", upstream.getLocalPort()))));
        withTrailers = new HcmHarness(TRANSPORT, ctx, new RouterFilterProvider(),
                List.of(HcmHarness.route("/", "up-trailers", null, null)), b -> b.http1EnableTrailers(true));
    }

    @AfterAll
    static void stop() throws Exception {
        if (hcm != null) {
            hcm.close();
        }
        if (withTrailers != null) {
            withTrailers.close();
        }
        upstream.close();
        List<String> leaks = LeakCheck.leaks();
        assertTrue(leaks.isEmpty(), () -> "ByteBuf leaks: " + leaks);
    }

    private static void serve() {
        while (!upstream.isClosed()) {
            try {
                Socket s = upstream.accept();
                Thread t = new Thread(() -> connection(s), "scripted-upstream-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** One upstream connection: requests one after another, each answered by its path. */
    private static void connection(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = HttpHeads.read(in);
                if (!head.endsWith("\r\n\r\n")) {
                    return;
                }
                String lower = head.toLowerCase();
                String body = "";
                if (lower.contains("\r\ntransfer-encoding: chunked\r\n")) {
                    body = readChunked(in);
                } else if (lower.contains("\r\ncontent-length: ")) {
                    int at = lower.indexOf("\r\ncontent-length: ") + 18;
                    int n = Integer.parseInt(lower.substring(at, lower.indexOf("\r\n", at)).trim());
                    body = new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
                }
                RECEIVED.add(head + body);
                String path = head.split(" ")[1];
                out.write(answer(path).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException ignored) {
            // the proxy closed the connection
        }
    }

    private static String answer(String path) {
        return switch (path) {
            case "/chunked" -> "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n"
                    + Integer.toHexString(BIG.length()) + "\r\n" + BIG + "\r\n0\r\nx-trailer: t\r\n\r\n";
            case "/no-content" -> "HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nx-a: 1\r\n\r\n";
            case "/not-modified" -> "HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\n\r\n";
            case "/head" -> "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-head: yes\r\n\r\n"; // HEAD: no body follows
            case "/head-chunked" -> "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-head: yes\r\n\r\n";
            case "/reset-content" -> "HTTP/1.1 205 Reset Content\r\ncontent-length: 0\r\n\r\n";
            default -> "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok";
        };
    }

    /** A chunked body exactly as it arrived (sizes, data and the last chunk), for the assertions. */
    private static String readChunked(InputStream in) throws IOException {
        StringBuilder raw = new StringBuilder();
        while (true) {
            String sizeLine = line(in);
            raw.append(sizeLine).append("\r\n");
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                for (String l = line(in); ; l = line(in)) {
                    raw.append(l).append("\r\n");
                    if (l.isEmpty()) {
                        return raw.toString();
                    }
                }
            }
            raw.append(new String(in.readNBytes(size), StandardCharsets.ISO_8859_1));
            raw.append(line(in)).append("\r\n");
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private static RawHttp client() throws IOException {
        return new RawHttp(hcm.address().getPort());
    }

    private static void assertStillUsable(RawHttp c) throws IOException {
        c.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
        RawHttp.Response r = c.read();
        assertEquals(200, r.status());
        assertEquals("ok", r.body());
    }

    @Test
    void aChunkedResponseIsRechunkedWithEveryByte() throws Exception {
        try (RawHttp c = client()) {
            c.send("GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("chunked", r.header("transfer-encoding"));
            assertNull(r.header("content-length"));
            assertEquals("hello" + BIG, r.body());
            assertStillUsable(c);
        }
    }

    @Test
    void noContentLosesItsLengthAndResetContentSaysZero() throws Exception {
        try (RawHttp c = client()) {
            c.send("GET /no-content HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(204, r.status());
            assertNull(r.header("content-length"), "1xx and 204 carry no framing headers");
            assertNull(r.header("transfer-encoding"));
            assertEquals("1", r.header("x-a"));
            assertStillUsable(c);
            c.send("GET /reset-content HTTP/1.1\r\nHost: a\r\n\r\n");
            r = c.read();
            assertEquals(205, r.status());
            assertEquals("0", r.header("content-length"));
            assertStillUsable(c);
        }
    }

    @Test
    void notModifiedAndHeadKeepTheirLengthWithoutABody() throws Exception {
        try (RawHttp c = client()) {
            c.send("GET /not-modified HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.readHead();
            assertEquals(304, r.status());
            assertEquals("10", r.header("content-length"));
            assertStillUsable(c);
            // The upstream's response to HEAD says 5 bytes and sends none: the proxy must not wait
            // for them, nor send any.
            c.send("HEAD /head HTTP/1.1\r\nHost: a\r\n\r\n");
            r = c.readHead();
            assertEquals(200, r.status());
            assertEquals("5", r.header("content-length"));
            assertEquals("yes", r.header("x-head"));
            assertStillUsable(c);
        }
    }

    /**
     * Envoy's encoder announces chunked framing on a response to HEAD that has no length
     * ("informational", integration_test's TestHead) and sends no chunk, not even the last.
     */
    @Test
    void aResponseToHeadWithoutALengthSaysChunkedAndSendsNoChunk() throws Exception {
        try (RawHttp c = client()) {
            c.send("HEAD /head-chunked HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.readHead();
            assertEquals(200, r.status());
            assertEquals("chunked", r.header("transfer-encoding"));
            assertEquals(null, r.header("content-length"));
            assertStillUsable(c);
        }
    }

    @Test
    void aChunkedRequestBodyReachesTheUpstreamChunked() throws Exception {
        RECEIVED.clear();
        try (RawHttp c = client()) {
            c.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nX-Mine: 1\r\n\r\n"
                    + "3\r\nabc\r\n" + Integer.toHexString(BIG.length()) + "\r\n" + BIG + "\r\n0\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(200, r.status());
            String seen = RECEIVED.poll(5, TimeUnit.SECONDS);
            assertTrue(seen.startsWith("POST /upload HTTP/1.1\r\nhost: a\r\n"), seen);
            assertTrue(seen.contains("\r\nx-mine: 1\r\n"), seen);
            assertTrue(seen.contains("\r\ntransfer-encoding: chunked\r\n"), seen);
            assertFalse(seen.toLowerCase().contains("transfer-encoding: chunked\r\ntransfer-encoding"), seen);
            // The body's bytes arrive whole, in the chunks the proxy framed (one per read it made).
            String body = seen.substring(seen.indexOf("\r\n\r\n") + 4);
            assertTrue(body.endsWith("0\r\n\r\n"), body);
            assertEquals("abc" + BIG, dechunk(body));
            assertStillUsable(c);
        }
    }

    @Test
    void trailersTravelOnlyWhereEnableTrailersIsSet() throws Exception {
        String upload = "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\nx-req: 1\r\n\r\n";
        // Envoy's default: the HTTP/1.1 codec neither reads nor writes trailers; bodies still end.
        try (RawHttp c = client()) {
            c.send("GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals("hello" + BIG, r.body());
            assertNull(r.header("trailer:x-trailer"));
            RECEIVED.clear();
            c.send(upload);
            assertEquals(200, c.read().status());
            String seen = RECEIVED.poll(5, TimeUnit.SECONDS);
            assertTrue(seen.endsWith("\r\n0\r\n\r\n"), seen);
            assertFalse(seen.contains("x-req: 1"), seen);
        }
        // enable_trailers on the connection manager and on the cluster: both ways.
        try (RawHttp c = new RawHttp(withTrailers.address().getPort())) {
            c.send("GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals("hello" + BIG, r.body());
            assertEquals("t", r.header("trailer:x-trailer"));
            RECEIVED.clear();
            c.send(upload);
            assertEquals(200, c.read().status());
            String seen = RECEIVED.poll(5, TimeUnit.SECONDS);
            assertTrue(seen.endsWith("\r\n0\r\nx-req: 1\r\n\r\n"), seen);
        }
    }

    @Test
    void aBodylessPostSaysContentLengthZeroUpstream() throws Exception {
        RECEIVED.clear();
        try (RawHttp c = client()) {
            c.send("POST /empty HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
            assertEquals(200, c.read().status());
            String seen = RECEIVED.poll(5, TimeUnit.SECONDS);
            assertTrue(seen.contains("\r\ncontent-length: 0\r\n"), seen);
        }
    }

    private static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int eol = body.indexOf("\r\n", at);
            int size = Integer.parseInt(body.substring(at, eol), 16);
            if (size == 0) {
                return out.toString();
            }
            out.append(body, eol + 2, eol + 2 + size);
            at = eol + 2 + size + 2;
        }
    }
}

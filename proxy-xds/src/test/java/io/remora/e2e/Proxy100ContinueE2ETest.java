package io.remora.e2e;

import io.remora.testing.RawH2;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code proxy_100_continue} against an HTTP/1.1 upstream that answers an expectation itself (a
 * 100 before reading the body, or a 417 instead of it) and an HTTP/2 upstream that sends a 100 and
 * a 103 before its answer. By default the proxy answers Expect: 100-continue and strips it; with
 * the option the expectation goes upstream and only the upstream's 100 comes back (from HTTP/1.1
 * and HTTP/2 upstreams, to HTTP/1.1 and HTTP/2 downstreams), and a request is not retried once its
 * 100 went downstream.
 */
class Proxy100ContinueE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ExpectationUpstream upstream;
    static AbuseE2ETest.H2Informational h2Upstream;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.own(new ExpectationUpstream());
        h2Upstream = stack.own(new AbuseE2ETest.H2Informational());
        PORTS.put("answered", ProxyProcess.freePort());
        PORTS.put("proxied", ProxyProcess.freePort());
        String routes = """
                - match: { prefix: "/h2" }
                  route: { cluster: h2 }
                - match: { prefix: "/fail" }
                  route: { cluster: web, retry_policy: { retry_on: 5xx, num_retries: 2 } }
                - match: { prefix: "/" }
                  route: { cluster: web }
                """;
        String listeners = Bootstraps.httpListener("answered", "", "", routes)
                + Bootstraps.httpListener("proxied", "", "proxy_100_continue: true", routes);
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners,
                Bootstraps.cluster("web", false, null, upstream.port())
                        + "\n" + Bootstraps.cluster("h2", true, null, h2Upstream.port()), PORTS), List.of());
    }

    @BeforeEach
    void forgetRequests() {
        upstream.expectations.clear();
    }

    static String url(String listener, String path) {
        return "http://127.0.0.1:" + PORTS.get(listener) + path;
    }

    static Curl post(String listener, String path, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-H", "Expect: 100-continue", "--expect100-timeout", "30",
                "--data-binary", "hello"));
        args.addAll(List.of(extra));
        args.add(url(listener, path));
        return Curl.run(args.toArray(String[]::new));
    }

    @Test
    void byDefaultTheProxyAnswersTheExpectationAndTheUpstreamNeverSeesIt() throws Exception {
        for (String[] version : List.of(new String[0], new String[] {"--http2-prior-knowledge"})) {
            upstream.expectations.clear();
            Curl r = post("answered", "/echo", version);
            assertEquals(200, r.status(), r.text());
            assertEquals("got hello", r.text());
            assertEquals(List.of(100), r.informational());
            assertEquals(List.of("none"), List.copyOf(upstream.expectations), "what the upstream was asked");
        }
        // The upstream refuses any expectation; it is not asked one, so the client's body reaches it.
        Curl refused = post("answered", "/refuse");
        assertEquals(List.of(100), refused.informational());
        assertEquals(200, refused.status(), refused.text());
    }

    @Test
    void proxiedTheUpstreamAnswersTheExpectation() throws Exception {
        for (String[] version : List.of(new String[0], new String[] {"--http2-prior-knowledge"})) {
            upstream.expectations.clear();
            Curl r = post("proxied", "/echo", version);
            assertEquals(200, r.status(), r.text());
            assertEquals("got hello", r.text());
            assertEquals(List.of(100), r.informational(), "the upstream's 100, once");
            assertEquals(List.of("100-continue"), List.copyOf(upstream.expectations));
        }
        // A 417 instead of a 100: the client sees no 100 and its body is never asked for.
        Curl refused = post("proxied", "/refuse");
        assertEquals(417, refused.status(), refused.text());
        assertEquals(List.of(), refused.informational());
        // Over HTTP/2 (raw frames: curl 7.88 reports the RST_STREAM NO_ERROR after an early answer
        // as an empty reply), the one HEADERS frame is the final 417.
        try (RawH2 h2 = new RawH2("127.0.0.1", PORTS.get("proxied"))) {
            h2.settingsAck().request(1, false, ":method", "POST", ":scheme", "http", ":path", "/refuse",
                    ":authority", "a", "expect", "100-continue", "content-length", "5").flush();
            List<String> headers = new java.util.ArrayList<>();
            boolean ended = false;
            for (RawH2.Frame f = h2.read(); f != null && !ended; f = ended ? null : h2.read()) {
                if (f.streamId() == 1 && f.type() == RawH2.HEADERS) {
                    headers.add(new String(f.payload(), StandardCharsets.ISO_8859_1));
                }
                ended = f.streamId() == 1 && (f.flags() & 0x1) != 0;
            }
            assertTrue(ended, "the stream did not end");
            assertEquals(1, headers.size(), headers.toString());
            assertTrue(headers.get(0).contains("417"), headers.toString());
        }
        // An HTTP/2 upstream's 100 (here unasked, after the whole request) comes through; its 103 does not.
        Curl h2 = Curl.run("-H", "Expect:", "--data-binary", "hello", url("proxied", "/h2"));
        assertEquals(200, h2.status());
        assertEquals("final", h2.text());
        assertEquals(List.of(100), h2.informational());
        Curl h2Answered = Curl.run("-H", "Expect:", "--data-binary", "hello", url("answered", "/h2"));
        assertEquals("final", h2Answered.text());
        assertEquals(List.of(), h2Answered.informational());
    }

    @Test
    void aRequestWhose100WentDownstreamIsNotRetried() throws Exception {
        Curl r = post("proxied", "/fail");
        assertEquals(503, r.status(), r.text());
        assertEquals(List.of(100), r.informational());
        assertEquals(1, upstream.expectations.size(), "tries: " + upstream.expectations);
        // Without a 100 passed on, the same route retries twice.
        upstream.expectations.clear();
        Curl answered = post("answered", "/fail");
        assertEquals(503, answered.status());
        assertEquals(3, upstream.expectations.size(), "tries: " + upstream.expectations);
        assertTrue(proxy.metric("envoy_cluster_upstream_rq{envoy_cluster_name=\"web\",envoy_response_code=\"100\"}") >= 1);
    }

    /**
     * An HTTP/1.1 upstream, one request per connection, that records each request's Expect header:
     * {@code /refuse} answers any expectation with 417 without reading the body; otherwise an
     * expectation gets a 100 first, and {@code /fail} ends with a 503, the rest with "got BODY".
     */
    static final class ExpectationUpstream implements AutoCloseable {
        private static final Pattern LENGTH = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)");
        private static final Pattern EXPECT = Pattern.compile("(?i)\r\nexpect: *([^\r]*)");
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Queue<String> expectations = new ConcurrentLinkedQueue<>();

        ExpectationUpstream() throws IOException {
            io.remora.testing.SocketServers.acceptEach(server, "expectation-upstream", this::answer);
        }

        int port() {
            return server.getLocalPort();
        }

        private void answer(Socket s) {
            try (s) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                StringBuilder head = new StringBuilder();
                while (head.indexOf("\r\n\r\n") < 0) {
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    head.append((char) b);
                }
                Matcher expect = EXPECT.matcher(head);
                String expectation = expect.find() ? expect.group(1).trim() : "none";
                expectations.add(expectation);
                if (!expectation.equals("none")) {
                    if (head.indexOf(" /refuse") > 0) {
                        write(out, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        return;
                    }
                    write(out, "HTTP/1.1 100 Continue\r\n\r\n");
                }
                Matcher length = LENGTH.matcher(head);
                String body = length.find()
                        ? new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.ISO_8859_1) : "";
                if (head.indexOf(" /fail") > 0) {
                    write(out, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfail");
                    return;
                }
                String answer = "got " + body;
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + answer.length() + "\r\nConnection: close\r\n\r\n" + answer);
            } catch (IOException e) {
                // the next connection is answered all the same
            }
        }

        private static void write(OutputStream out, String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}

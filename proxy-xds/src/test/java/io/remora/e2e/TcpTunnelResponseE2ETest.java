package io.remora.e2e;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.testing.H2Upstream;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What tcp_proxy's tunneling_config does with the CONNECT answer, after Envoy's
 * tcp_tunneling_integration_test.cc (CopyValidResponseHeaders, CopyInvalidResponseHeaders,
 * CopyResponseTrailers, DownstreamFinOnUpstreamTrailers, BasicHeaderEvaluationTunnelingConfig) and
 * upstream.cc's isValidResponse: over HTTP/2 only a 200 establishes the tunnel; the answer's headers
 * and trailers land in the connection's filter state with {@code propagate_response_headers}/{@code
 * _trailers}, the headers also from a refused answer. The peer is a real h2c server that answers each
 * CONNECT when its request side ended, by the authority the tunnel names.
 */
class TcpTunnelResponseE2ETest {

    static H2Upstream h2;
    static ProxyProcess proxy;
    static Path log;
    static Path jsonLog;
    static final Map<String, Integer> PORTS = new java.util.TreeMap<>();

    @BeforeAll
    static void start() throws Exception {
        h2 = new H2Upstream(io.remora.server.Transport.detect(), 100, (ctx, headers, body, trailers, n) -> {
            if (String.valueOf(headers.authority()).startsWith("ok") || String.valueOf(headers.authority()).startsWith("plain")) {
                ctx.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("echo:" + body, StandardCharsets.US_ASCII), false));
                // The trailers end the answer: Envoy passes that on as the client's FIN.
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(
                        new DefaultHttp2Headers().add("test-trailer-name", "trailer-value"), true));
            } else {
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
            }
        });
        // The CONNECT is answered as it arrives: the proxy sends no bytes before a tunnel is up.
        h2.onOpenHeaders = (ctx, headers, body, trailers, n) -> {
            String authority = String.valueOf(headers.authority());
            String status = authority.startsWith("refused") ? "503" : authority.startsWith("accepted") ? "202" : "200";
            Http2Headers h = new DefaultHttp2Headers().status(status);
            h.add("test-header-name", "secret-value");
            ctx.write(new DefaultHttp2HeadersFrame(h, false));
            if (!status.equals("200")) {
                ctx.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("not a tunnel", StandardCharsets.US_ASCII), false));
            }
            ctx.flush();
        };
        log = TempPaths.file("tunnel-response", ".log");
        jsonLog = TempPaths.file("tunnel-response-json", ".log");
        int admin = ProxyProcess.freePort();
        StringBuilder listeners = new StringBuilder();
        for (String name : new String[]{"ok", "plain", "refused", "accepted"}) {
            PORTS.put(name, ProxyProcess.freePort());
            boolean propagate = !name.equals("plain");
            listeners.append("""
                    - name: %1$s
                      address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                      filter_chains:
                      - filters:
                        - name: envoy.filters.network.tcp_proxy
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                            stat_prefix: %1$s
                            cluster: h2
                            tunneling_config:
                              hostname: "%1$s.test:1"
                              propagate_response_headers: %3$s
                              propagate_response_trailers: %3$s
                            access_log:
                            - name: envoy.access_loggers.file
                              typed_config:
                                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                                path: %4$s
                                log_format:
                                  text_format_source:
                                    inline_string: "%1$s H=%%FILTER_STATE(envoy.tcp_proxy.propagate_response_headers:TYPED)%% T=%%FILTER_STATE(envoy.tcp_proxy.propagate_response_trailers:TYPED)%% P=%%FILTER_STATE(envoy.tcp_proxy.propagate_response_headers:PLAIN)%%\\n"
                            - name: envoy.access_loggers.file
                              typed_config:
                                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                                path: %5$s
                                log_format:
                                  json_format:
                                    listener: "%1$s"
                                    h: "%%FILTER_STATE(envoy.tcp_proxy.propagate_response_headers:TYPED)%%"
                                    t: "%%FILTER_STATE(envoy.tcp_proxy.propagate_response_trailers)%%"
                                    p: "%%FILTER_STATE(envoy.tcp_proxy.propagate_response_headers:PLAIN)%%"
                    """.formatted(name, PORTS.get(name), propagate, log, jsonLog));
        }
        proxy = ProxyProcess.start("""
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                %s
                  clusters:
                %s
                """.formatted(admin, Bootstraps.indent(listeners.toString(), 2),
                Bootstraps.indent(Bootstraps.cluster("h2", true, null, h2.address().getPort()), 2)), admin);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[]{proxy, h2}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** Sends, half-closes, and reads what comes back until the proxy's FIN. */
    private static String roundTrip(String listener, String payload) throws Exception {
        try (Socket s = new Socket("127.0.0.1", PORTS.get(listener))) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(payload.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static String awaitLogLine(String listener) throws Exception {
        return awaitLine(log, listener + " ");
    }

    private static String awaitLine(Path file, String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String l : Files.readAllLines(file)) {
                if (l.startsWith(marker) || (marker.startsWith("\"") && l.contains(marker))) {
                    return l;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no access log line for " + marker + " in:\n" + Files.readString(file));
    }

    @Test
    void theAnswersHeadersAndTrailersAreKeptAndTheTrailersEndTheDownstream() throws Exception {
        assertEquals("echo:hello", roundTrip("ok", "hello"), () -> proxy.log());
        assertEquals("ok H={\"headers\":[{\"key\":\":status\",\"value\":\"200\"},"
                        + "{\"key\":\"test-header-name\",\"value\":\"secret-value\"}]} "
                        + "T={\"headers\":[{\"key\":\"test-trailer-name\",\"value\":\"trailer-value\"}]} P=-",
                awaitLogLine("ok"));
    }

    /**
     * Envoy's FilterStateFormatter::formatValue converts the object's serializeAsProto (a HeaderMap) to a
     * JSON value: an object in a JSON log, not its text in a string; PLAIN is its serializeAsString,
     * which TunnelResponseHeaders lacks, so null.
     */
    @Test
    void aJsonLogHasTheHeadersAsAnObject() throws Exception {
        assertEquals("echo:json", roundTrip("ok", "json"), () -> proxy.log());
        String line = awaitLine(jsonLog, "\"listener\":\"ok\"");
        assertTrue(line.contains("\"h\":{\"headers\":[{\"key\":\":status\",\"value\":\"200\"},"
                + "{\"key\":\"test-header-name\",\"value\":\"secret-value\"}]}"), line);
        assertTrue(line.contains("\"t\":{\"headers\":[{\"key\":\"test-trailer-name\",\"value\":\"trailer-value\"}]}"), line);
        assertTrue(line.contains("\"p\":null"), line);
    }

    @Test
    void withoutPropagationNothingIsKept() throws Exception {
        assertEquals("echo:hi", roundTrip("plain", "hi"), () -> proxy.log());
        assertEquals("plain H=- T=- P=-", awaitLogLine("plain"));
    }

    @Test
    void aRefusedAnswersHeadersAreKeptToo() throws Exception {
        assertEquals("", roundTrip("refused", "lost"), "a 503 opens no tunnel");
        assertEquals("refused H={\"headers\":[{\"key\":\":status\",\"value\":\"503\"},"
                + "{\"key\":\"test-header-name\",\"value\":\"secret-value\"}]} T=- P=-", awaitLogLine("refused"));
    }

    @Test
    void overHttp2OnlyA200OpensTheTunnel() throws Exception {
        double failures = proxy.metric("envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name=\"h2\"}");
        assertEquals("", roundTrip("accepted", "lost"), "a 202 to an HTTP/2 CONNECT opens no tunnel, as Envoy's");
        // Refused on a connection that is up: no connect failure (Envoy's HttpConnPool::Callbacks::onFailure).
        assertEquals(failures, proxy.metric("envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name=\"h2\"}"),
                () -> proxy.log());
    }
}

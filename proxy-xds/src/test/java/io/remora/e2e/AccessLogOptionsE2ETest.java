package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code access_log_options} against an upstream that answers after 1.2 s: the connection
 * manager logs a request when its headers are evaluated (route chosen, no response yet), every
 * 0.25 s while it lasts, when a CONNECT tunnel is established and at its end, each entry's
 * {@code %ACCESS_LOG_TYPE%} naming its event, and a {@code log_type_filter} keeps the ends only;
 * tcp_proxy logs a connection when its upstream connects, periodically, and at its end, each
 * entry's {@code %DURATION%} the time so far.
 */
class AccessLogOptionsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path httpLog;
    static Path endsLog;
    static Path tcpLog;
    static final Map<String, Integer> PORTS = new HashMap<>();

    static String fileLog(Path path, String format, String filter) {
        return """
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format: { text_format_source: { inline_string: "%s\\n" } }
                """.formatted(path, format) + (filter == null ? "" : "  filter: " + filter + "\n");
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> {
            if (!req.uri().startsWith("/slow")) {
                TestUpstream.send(ctx, req, 200, "quick");
                return;
            }
            req.retain();
            ctx.executor().schedule(() -> {
                TestUpstream.send(ctx, req, 200, "slow");
                req.release();
            }, 1200, TimeUnit.MILLISECONDS);
        });
        httpLog = TempPaths.file("options", ".log");
        endsLog = TempPaths.file("ends", ".log");
        tcpLog = TempPaths.file("tcp", ".log");
        PORTS.put("http", ProxyProcess.freePort());
        PORTS.put("tcp", ProxyProcess.freePort());
        String format = "%ACCESS_LOG_TYPE% %RESPONSE_CODE% %ROUTE_NAME% %REQ(:PATH)%";
        String hcm = "upgrade_configs: [{ upgrade_type: CONNECT }]\n"
                + "access_log_options: { flush_access_log_on_new_request: true, access_log_flush_interval: 0.25s,"
                + " flush_log_on_tunnel_successfully_established: true }\n"
                + "access_log:\n" + fileLog(httpLog, format, null)
                + fileLog(endsLog, format, "{ log_type_filter: { types: [DownstreamEnd] } }");
        String http = Bootstraps.httpListener("http", "", hcm, """
                - match: { connect_matcher: {} }
                  name: tunnel
                  route: { cluster: web, upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }] }
                - match: { prefix: "/" }
                  name: main
                  route: { cluster: web }
                """);
        String tcp = Bootstraps.tcpListener("tcp", "web",
                "access_log_options: { flush_access_log_on_connected: true, access_log_flush_interval: 0.25s }\n"
                        + "access_log:\n" + fileLog(tcpLog, "%ACCESS_LOG_TYPE% %UPSTREAM_HOST% %BYTES_RECEIVED% %DURATION%", null));
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, http + tcp,
                Bootstraps.cluster("web", false, null, upstream.port()), PORTS), List.of());
    }

    static long count(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).count();
    }

    @Test
    void aStreamIsLoggedAtItsStartPeriodicallyAndAtItsEnd() throws Exception {
        Curl r = Curl.run("http://127.0.0.1:" + PORTS.get("http") + "/slow");
        assertEquals("slow", r.text());
        List<String> lines = LogFiles.await(httpLog, l -> count(l, "DownstreamEnd 200 main /slow") == 1);
        assertEquals("DownstreamStart 0 main /slow", lines.get(0), "before any filter or response: " + lines);
        long periodic = count(lines, "DownstreamPeriodic 0 main /slow");
        assertTrue(periodic >= 3 && periodic <= 12, "every 0.25 s of over 1.2 s: " + lines);
        assertEquals("DownstreamEnd 200 main /slow", lines.get(lines.size() - 1), lines.toString());

        List<String> ends = LogFiles.await(endsLog, l -> count(l, "DownstreamEnd 200 main /slow") == 1);
        assertEquals(List.of("DownstreamEnd 200 main /slow"), ends, "log_type_filter keeps the end only");
    }

    @Test
    void anEstablishedTunnelIsLoggedWhenTheConnectIsAnswered() throws Exception {
        // curl tunnels through the proxy (CONNECT terminated to the upstream's TCP port) and asks the
        // upstream itself over the tunnel.
        Curl r = Curl.run("-p", "-x", "http://127.0.0.1:" + PORTS.get("http"), "http://127.0.0.1:" + upstream.port() + "/quick");
        assertEquals("quick", r.text());
        List<String> lines = LogFiles.await(httpLog, l -> l.stream().anyMatch(x -> x.startsWith("DownstreamEnd 200 tunnel")));
        assertTrue(lines.contains("DownstreamTunnelSuccessfullyEstablished 200 tunnel -"), lines.toString());
        assertTrue(lines.indexOf("DownstreamTunnelSuccessfullyEstablished 200 tunnel -")
                < lines.indexOf("DownstreamEnd 200 tunnel -"), lines.toString());
    }

    @Test
    void aTcpConnectionIsLoggedWhenItsUpstreamConnectsPeriodicallyAndAtItsEnd() throws Exception {
        String upstreamHost = "127.0.0.1:" + upstream.port();
        try (Socket s = new Socket("127.0.0.1", PORTS.get("tcp"))) {
            s.setSoTimeout(10_000);
            LogFiles.await(tcpLog, l -> count(l, "TcpUpstreamConnected " + upstreamHost + " 0") == 1);
            OutputStream out = s.getOutputStream();
            out.write("GET /slow HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            assertTrue(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).endsWith("slow"));
        }
        List<String> lines = LogFiles.await(tcpLog, l -> count(l, "TcpConnectionEnd " + upstreamHost) == 1);
        assertTrue(count(lines, "TcpPeriodic " + upstreamHost) >= 3, "every 0.25 s of over 1.2 s: " + lines);
        // %DURATION% is Envoy's currentDuration: the time so far in the entries before the end.
        assertTrue(lines.stream().allMatch(l -> l.matches("Tcp\\w+ " + upstreamHost + " \\d+ \\d+")), lines.toString());
        assertTrue(lines.get(lines.size() - 1).matches("TcpConnectionEnd " + upstreamHost + " [1-9][0-9]* [1-9][0-9]{3,}"),
                lines.toString());
    }
}

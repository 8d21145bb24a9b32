package io.remora.e2e;

import io.remora.testing.HttpHeads;
import io.remora.testing.SocketServers;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Envoy 1.38's close operators, %QUERY_PARAMS% and %UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID% through a
 * running proxy: curl and raw sockets downstream; upstreams that answer, close after the request,
 * reset the connection (SO_LINGER 0: an RST) or hold it; tcp_proxy to an echo server, to one that
 * resets, with an idle timeout, and through an internal listener whose endpoint has an id.
 */
class AccessLogCloseOperatorsE2ETest {

    private static final String FORMAT = "%REQ(:PATH)% ds=%DOWNSTREAM_DETECTED_CLOSE_TYPE% "
            + "dr=%DOWNSTREAM_LOCAL_CLOSE_REASON% us=%UPSTREAM_DETECTED_CLOSE_TYPE% ur=%UPSTREAM_LOCAL_CLOSE_REASON% "
            + "flags=%RESPONSE_FLAGS% ep=%UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID% q=%QUERY_PARAMS% qd=%QUERY_PARAMS(DECODED)%";
    private static final String TCP_FORMAT = "%FILTER_CHAIN_NAME% ds=%DOWNSTREAM_DETECTED_CLOSE_TYPE% "
            + "dr=%DOWNSTREAM_LOCAL_CLOSE_REASON% us=%UPSTREAM_DETECTED_CLOSE_TYPE% ur=%UPSTREAM_LOCAL_CLOSE_REASON% "
            + "flags=%RESPONSE_FLAGS%";

    private static TestUpstream ok;
    /** Read a request head (or, for TCP, a byte), then close: with RST when {@code reset}, else with FIN. */
    private static ServerSocket resetting;
    private static ServerSocket finishing;
    private static ServerSocket tcpResetting;
    /** Reads a request head, then holds the connection until the proxy closes it. */
    private static ServerSocket holding;
    private static final BlockingQueue<String> HELD = new LinkedBlockingQueue<>();
    private static ServerSocket echo;
    private static ProxyProcess proxy;
    private static Map<String, Integer> ports;
    private static Path log;
    private static Path tcpLog;

    @BeforeAll
    static void start() throws Exception {
        ok = TestUpstream.text("ok");
        resetting = closer(true, true);
        finishing = closer(true, false);
        tcpResetting = closer(false, true);
        holding = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SocketServers.acceptEach(holding, "holding-upstream", s -> {
            try (s) {
                HELD.add(HttpHeads.read(s.getInputStream()));
                s.getInputStream().readAllBytes();
            } catch (IOException e) {
                // the proxy closed it
            }
        });
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        TcpEcho.serve(echo);
        log = TempPaths.file("close-ops", ".log");
        tcpLog = TempPaths.file("close-ops-tcp", ".log");
        String routes = """
                - match: { prefix: /reset }
                  route: { cluster: resetting }
                - match: { prefix: /fin }
                  route: { cluster: finishing }
                - match: { prefix: /hold }
                  route: { cluster: holding }
                - match: { prefix: / }
                  route: { cluster: ok }
                """;
        String listeners = Bootstraps.httpListener("http", "", Bootstraps.fileAccessLog(log, FORMAT), routes)
                + Bootstraps.tcpListener("echo", "echo", Bootstraps.fileAccessLog(tcpLog, TCP_FORMAT))
                        .replace("  - filters:", "  - name: echo\n    filters:")
                + Bootstraps.tcpListener("idle", "echo", "idle_timeout: 0.3s\n"
                        + Bootstraps.fileAccessLog(tcpLog, TCP_FORMAT)).replace("  - filters:", "  - name: idle\n    filters:")
                + Bootstraps.tcpListener("tcpreset", "tcpresetting", Bootstraps.fileAccessLog(tcpLog, TCP_FORMAT))
                        .replace("  - filters:", "  - name: tcpreset\n    filters:")
                // Through an internal listener whose endpoint has an id, to the echo server.
                + Bootstraps.tcpListener("viainner", "toinner", Bootstraps.fileAccessLog(tcpLog,
                        "%FILTER_CHAIN_NAME% ep=%UPSTREAM_REMOTE_ADDRESS_ENDPOINT_ID%"))
                        .replace("  - filters:", "  - name: viainner\n    filters:")
                + Bootstraps.tcpListener("inner", "echo", "").replace(
                        "  address: { socket_address: { address: 127.0.0.1, port_value: ${inner} } }",
                        "  internal_listener: {}");
        String clusters = Bootstraps.cluster("ok", false, null, ok.port())
                + Bootstraps.cluster("resetting", false, null, resetting.getLocalPort())
                + Bootstraps.cluster("finishing", false, null, finishing.getLocalPort())
                + Bootstraps.cluster("holding", false, null, holding.getLocalPort())
                + Bootstraps.cluster("echo", false, null, echo.getLocalPort())
                + Bootstraps.cluster("tcpresetting", false, null, tcpResetting.getLocalPort())
                + Bootstraps.internalCluster("toinner", "inner", "ep-7", "", "", "").replaceAll("(?m)^  ", "");
        ports = new HashMap<>(Map.of("http", ProxyProcess.freePort(), "echo", ProxyProcess.freePort(),
                "idle", ProxyProcess.freePort(), "tcpreset", ProxyProcess.freePort(),
                "viainner", ProxyProcess.freePort()));
        int admin = ProxyProcess.freePort();
        proxy = ProxyProcess.start(Bootstraps.INTERNAL_LISTENER_EXTENSION
                + Bootstraps.listeners(admin, listeners, clusters, ports), admin);
    }

    /** An upstream that reads a request head ({@code http}) or a byte, then closes: an RST when {@code reset}. */
    private static ServerSocket closer(boolean http, boolean reset) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SocketServers.acceptEach(server, "closing-upstream", s -> {
            try (s) {
                InputStream in = s.getInputStream();
                if (http) {
                    HttpHeads.read(in);
                } else {
                    in.read();
                }
                if (reset) {
                    s.setSoLinger(true, 0);
                }
            } catch (IOException e) {
                // the proxy closed it first
            }
        });
        return server;
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        ok.close();
        for (ServerSocket s : List.of(resetting, finishing, tcpResetting, holding, echo)) {
            s.close();
        }
    }

    private static String logged(String path) throws Exception {
        return line(LogFiles.await(log, lines -> lines.stream().anyMatch(x -> x.startsWith(path + " "))), path);
    }

    /** The first tcp_proxy log line that starts with {@code chain} and contains {@code marker}. */
    private static String tcpLogged(String chain, String marker) throws Exception {
        java.util.function.Predicate<String> wanted = x -> x.startsWith(chain + " ") && x.contains(marker);
        return LogFiles.await(tcpLog, lines -> lines.stream().anyMatch(wanted)).stream().filter(wanted).findFirst()
                .orElseThrow();
    }

    @Test
    void aRequestWhoseConnectionsOutliveItHasNoCloseAndPrintsItsQuery() throws Exception {
        assertEquals(200, Curl.get(ports.get("http"), "/ok?a=1%20b&c=d+e").status());
        // DECODED: percent escapes and '+' as a space.
        // A host that is no internal address has no endpoint id.
        assertEquals("/ok?a=1%20b&c=d+e ds=- dr=- us=- ur=- flags=- ep=- q=a=1%20b&c=d+e qd=a=1 b&c=d e",
                logged("/ok?a=1%20b&c=d+e"));
    }

    @Test
    void anUpstreamThatResetsIsRemoteResetAndOneThatClosesIsNormal() throws Exception {
        assertEquals(503, Curl.get(ports.get("http"), "/reset").status());
        String reset = logged("/reset");
        assertEquals("RemoteReset", field(reset, "us"), reset);
        assertEquals("-", field(reset, "ur"), reset);
        assertEquals("-", field(reset, "ds"), reset);
        assertEquals(503, Curl.get(ports.get("http"), "/fin").status());
        String fin = logged("/fin");
        assertEquals("Normal", field(fin, "us"), fin);
        assertEquals("UC", field(fin, "flags"), fin);
    }

    @Test
    void aClientThatResetsMidRequestIsRemoteReset() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("http"))) {
            s.getOutputStream().write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertNotNull(HELD.poll(10, TimeUnit.SECONDS), "the request reached the upstream");
            s.setSoLinger(true, 0);
        }
        String l = logged("/hold");
        assertEquals("RemoteReset", field(l, "ds"), l);
        assertEquals("DC", field(l, "flags"), l);
    }

    @Test
    void tcpProxyClosesAsEnvoysDoes() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("echo"))) {
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
            s.shutdownOutput(); // FIN both ways: each side's own close
            s.getInputStream().readAllBytes();
        }
        assertEquals("echo ds=Normal dr=- us=Normal ur=- flags=-", tcpLogged("echo", "ds=Normal"));
        try (Socket s = new Socket("127.0.0.1", ports.get("idle"))) {
            s.getInputStream().readAllBytes(); // the proxy closes it after the idle timeout
        }
        assertEquals("idle ds=Normal dr=tcp_session_idle_timeout us=Normal "
                + "ur=closing_upstream_tcp_connection_due_to_downstream_local_close flags=-", tcpLogged("idle", ""));
        try (Socket s = new Socket("127.0.0.1", ports.get("tcpreset"))) {
            s.getOutputStream().write('x');
            s.getInputStream().readAllBytes();
        } catch (IOException e) {
            // the proxy passed the reset on
        }
        // The upstream's reset, passed on as the downstream's (Envoy's AbortReset: LocalReset), UR.
        assertEquals("tcpreset ds=LocalReset dr=- us=RemoteReset ur=- flags=UR", tcpLogged("tcpreset", ""));
    }

    @Test
    void anInternalUpstreamEndpointsIdIsLogged() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("viainner"))) {
            s.getOutputStream().write("via".getBytes(StandardCharsets.US_ASCII));
            assertEquals("via", new String(s.getInputStream().readNBytes(3), StandardCharsets.US_ASCII));
        }
        assertEquals("viainner ep=ep-7", tcpLogged("viainner", ""));
    }

    @Test
    void aTcpClientThatResetsMakesTheProxyCloseItsUpstreamForThat() throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.get("echo"))) {
            s.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
            assertEquals("pong", new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
            s.setSoLinger(true, 0);
        }
        String l = tcpLogged("echo", "ds=RemoteReset");
        assertEquals("echo ds=RemoteReset dr=- us=LocalReset "
                + "ur=closing_upstream_tcp_connection_due_to_downstream_reset_close flags=-", l);
    }
}

package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Admin connections count against global_downstream_max_connections, as Envoy's admin listener's
 * do unless {@code admin.ignore_global_conn_limit}: with the limit reached by a listener's
 * connections, a new admin connection is closed at accept
 * (listener.admin.downstream_global_cx_overflow), and served again once a slot is free.
 * ({@link OverloadE2ETest} runs with the admin exempt and reads its stats at the limit.)
 */
class AdminGlobalConnLimitE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();

    @BeforeAll
    static void start() throws Exception {
        String yaml = Bootstraps.listeners(stack.adminPort, Bootstraps.httpListener("web", "", "", """
                - match: { prefix: "/" }
                  direct_response: { status: 200, body: { inline_string: "ok" } }
                """), Bootstraps.cluster("unused", false, null, ProxyProcess.freePort()), Map.of("web", stack.port))
                + """
                overload_manager:
                  refresh_interval: 0.1s
                  resource_monitors:
                  - name: envoy.resource_monitors.global_downstream_max_connections
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
                      max_active_downstream_connections: 10
                """;
        stack.start(yaml);
    }

    /** A keep-alive connection to the listener that got its answer (it holds a slot), or null if refused. */
    static Socket served() throws IOException {
        Socket s = new Socket("127.0.0.1", stack.port);
        s.setSoTimeout(10_000);
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        byte[] answer = new byte[256];
        int n;
        try {
            n = s.getInputStream().read(answer);
        } catch (java.net.SocketException reset) {
            n = -1; // refused with a reset
        }
        if (n <= 0) {
            s.close();
            return null;
        }
        assertTrue(new String(answer, 0, n, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"));
        return s;
    }

    /** One admin request on a connection of its own: its whole answer, empty when refused. */
    static String adminOnce(String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", stack.adminPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException reset) {
            return "";
        }
    }

    @Test
    void adminConnectionsAreCountedAndRefusedAtTheGlobalLimit() throws Exception {
        assertTrue(adminOnce("/ready").startsWith("HTTP/1.1 200"));
        // The harness's own admin connections (kept alive) hold slots too: fill what is left. Stats
        // are read here on connections that close, so that reading them takes no slot for long.
        List<Socket> held = new ArrayList<>();
        try {
            for (Socket s = served(); s != null; s = held.size() < 10 ? served() : null) {
                held.add(s);
            }
            assertEquals("", adminOnce("/ready"), "an admin connection over the global limit was served");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        Thread.sleep(1000); // the proxy gives the slots back as it sees the closes
        assertTrue(adminOnce("/ready").startsWith("HTTP/1.1 200"), "admin not served once slots were free");
        String stats = adminOnce("/stats?filter=global_cx_overflow");
        assertTrue(stats.contains("\nlistener.admin.downstream_global_cx_overflow: 1\n"), stats);
    }
}

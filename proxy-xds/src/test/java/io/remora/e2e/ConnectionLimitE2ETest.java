package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envoy.filters.network.connection_limit through real sockets: connections beyond max_connections
 * are held for the delay, get nothing and are closed; a freed slot admits the next; the
 * runtime_enabled flag switches the limit off; stats {@code connection_limit.<prefix>.*}.
 */
class ConnectionLimitE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.own(TestUpstream.text("fine"));
        String limit = """
                - name: envoy.filters.network.connection_limit
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit
                    stat_prefix: inbound
                    max_connections: 2
                    delay: 0.3s
                    runtime_enabled: { runtime_key: limits.inbound, default_value: true }
                """;
        String yaml = stack.http(TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: backend }\n",
                Bootstraps.cluster("backend", false, null, upstream.port()), limit, "")
                + """
                layered_runtime:
                  layers:
                  - name: admin
                    admin_layer: {}
                """;
        proxy = stack.start(yaml, List.of());
    }

    /** Opens a connection and sends a GET; the connection stays open (keep-alive). */
    private static Socket request() throws IOException {
        Socket s = new Socket("127.0.0.1", stack.port);
        s.setSoTimeout(10_000);
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return s;
    }

    /** Reads until the end of the first response (its body is "fine"), or EOF / reset; what it read. */
    private static String response(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder sb = new StringBuilder();
        int c;
        try {
            while ((c = in.read()) >= 0) {
                sb.append((char) c);
                if (sb.toString().endsWith("\r\n\r\nfine")) {
                    break;
                }
            }
        } catch (java.net.SocketException e) {
            // Closed with our request unread: the kernel answers with a reset.
        }
        return sb.toString();
    }

    private static double stat(String name) throws Exception {
        return proxy.metric("envoy_connection_limit_" + name + "{envoy_connection_limit_prefix=\"inbound\"}");
    }

    @Test
    void connectionsBeyondTheLimitAreHeldThenClosedAndFreedSlotsAdmitTheNext() throws Exception {
        double limitedBefore = stat("limited_connections");
        try (Socket a = request(); Socket b = request()) {
            assertTrue(response(a).startsWith("HTTP/1.1 200"));
            assertTrue(response(b).startsWith("HTTP/1.1 200"));
            try (Socket over = request()) {
                // Nothing for the third: its bytes never reach the connection manager, and after
                // the delay the proxy closes it.
                assertEquals("", response(over));
            }
            assertEquals(limitedBefore + 1, stat("limited_connections"));
            assertTrue(proxy.admin("/stats?filter=connection_limit")
                    .contains("connection_limit.inbound.limited_connections: " + (long) (limitedBefore + 1)));
        }
        // Both slots free again (closes are seen asynchronously: retry briefly).
        String ok = "";
        for (int i = 0; i < 50 && !ok.startsWith("HTTP/1.1 200"); i++) {
            try (Socket c = request(); Socket d = request()) {
                ok = response(c);
                String second = response(d);
                ok = ok.startsWith("HTTP/1.1 200") && second.startsWith("HTTP/1.1 200") ? ok : "";
            }
            if (!ok.startsWith("HTTP/1.1 200")) {
                Thread.sleep(100);
            }
        }
        assertTrue(ok.startsWith("HTTP/1.1 200"), "two connections admitted again");
    }

    private static void post(String path) throws Exception {
        var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(proxy.adminUri(path))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void runtimeEnabledSwitchesTheLimitOff() throws Exception {
        post("/runtime_modify?limits.inbound=false");
        try {
            try (Socket a = request(); Socket b = request(); Socket c = request()) {
                assertTrue(response(a).startsWith("HTTP/1.1 200"));
                assertTrue(response(b).startsWith("HTTP/1.1 200"));
                assertTrue(response(c).startsWith("HTTP/1.1 200"), "no limit while runtime-disabled");
            }
        } finally {
            post("/runtime_modify?limits.inbound=true");
        }
    }
}

package io.remora.e2e;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code http1_safe_max_connection_duration}: past max_connection_duration an idle HTTP/1.1
 * connection stays open, and its next request is answered with connection: close before the
 * connection closes; without it the idle connection is closed drain_timeout after the duration.
 */
class Http1SafeMaxConnectionDurationE2ETest {

    static final String REQUEST = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    /** One response (content-length framed), or null when the peer closed or said nothing in 5 s. */
    static String response(Socket s) throws Exception {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        StringBuilder sb = new StringBuilder();
        try {
            int body = -1;
            while (body < 0 || sb.length() < body) {
                int c = in.read();
                if (c < 0) {
                    return sb.length() == 0 ? null : sb.toString();
                }
                sb.append((char) c);
                int end = sb.indexOf("\r\n\r\n");
                if (body < 0 && end >= 0) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(sb);
                    body = end + 4 + (m.find() ? Integer.parseInt(m.group(1)) : 0);
                }
            }
            return sb.toString();
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    static boolean closedByPeer(Socket s) throws Exception {
        s.setSoTimeout(5000);
        try {
            return s.getInputStream().read() < 0;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    @Test
    void anIdleConnectionWaitsForItsNextRequestToSayClose() throws Exception {
        try (TestUpstream upstream = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = new HashMap<>(Map.of("safe", ProxyProcess.freePort(), "plain", ProxyProcess.freePort()));
            // Long enough that the first exchanges end inside it on a loaded machine.
            // The plain listener's idle connection closes drain_timeout after the duration, as Envoy's drain.
            String duration = "common_http_protocol_options: { max_connection_duration: 3s }\ndrain_timeout: 1s";
            String routes = "- match: { prefix: / }\n  route: { cluster: web }";
            String yaml = Bootstraps.listeners(admin,
                    Bootstraps.httpListener("safe", "", duration + "\nhttp1_safe_max_connection_duration: true", routes)
                            + Bootstraps.httpListener("plain", "", duration, routes),
                    Bootstraps.cluster("web", false, null, upstream.port()), ports);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of());
                 Socket safe = new Socket("127.0.0.1", ports.get("safe"));
                 Socket plain = new Socket("127.0.0.1", ports.get("plain"))) {
                for (Socket s : List.of(safe, plain)) {
                    s.getOutputStream().write(REQUEST.getBytes(StandardCharsets.US_ASCII));
                    String first = response(s);
                    assertTrue(first != null && first.startsWith("HTTP/1.1 200"), first);
                    assertFalse(first.toLowerCase().contains("connection: close"), first);
                }
                assertTrue(closedByPeer(plain), "without the option the idle connection closes after the duration");
                Thread.sleep(300); // the safe connection, opened first, is past the duration too: still there
                safe.getOutputStream().write(REQUEST.getBytes(StandardCharsets.US_ASCII));
                String last = response(safe);
                assertTrue(last != null && last.startsWith("HTTP/1.1 200"), String.valueOf(last));
                assertTrue(last.toLowerCase().contains("connection: close"), last);
                assertTrue(closedByPeer(safe));
                assertEquals(1.0, proxy.metric("envoy_http_downstream_cx_max_duration_reached{envoy_http_conn_manager_prefix=\"safe\"}"));
            }
        }
    }
}

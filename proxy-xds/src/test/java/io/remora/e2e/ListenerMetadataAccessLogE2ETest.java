package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code %METADATA(LISTENER:...)%} and {@code %METADATA(VIRTUAL_HOST:...)%} print the filter
 * metadata of the listener that accepted the connection and of the virtual host that served the
 * request: in an HTTP log, a tcp_proxy log and a listener log (also for a connection no filter
 * chain took).
 */
class ListenerMetadataAccessLogE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();

    private static final String HTTP_FORMAT = "owner=%METADATA(LISTENER:team:owner)% ns=%METADATA(LISTENER:team)% "
            + "zone=%METADATA(VIRTUAL_HOST:placement:zone)% none=%METADATA(LISTENER:team:nope)% "
            + "other=%METADATA(LISTENER:other)%";

    private static final String TCP_FORMAT = "%RESPONSE_FLAGS% tier=%METADATA(LISTENER:team:tier)%";

    @Test
    void listenerAndVirtualHostMetadataAreLogged() throws Exception {
        TestUpstream up = stack.own(TestUpstream.text("ok"));
        Path httpLog = TempPaths.file("lmeta-http", ".log");
        Path tcpLog = TempPaths.file("lmeta-tcp", ".log");
        Path listenerLog = TempPaths.file("lmeta-listener", ".log");
        String http = Bootstraps.httpListenerWithHosts("http", "", Bootstraps.fileAccessLog(httpLog, HTTP_FORMAT), """
                - name: all
                  domains: ["*"]
                  metadata: { filter_metadata: { placement: { zone: eu-1 } } }
                  routes:
                  - match: { prefix: "/" }
                    route: { cluster: up }
                """).replace("  filter_chains:",
                "  metadata: { filter_metadata: { team: { owner: payments, tier: gold } } }\n  filter_chains:");
        // From 127.0.0.1 only: a connection from elsewhere finds no chain (NR) and is still logged.
        String tcp = Bootstraps.tcpListener("tcp", "up", Bootstraps.fileAccessLog(tcpLog, TCP_FORMAT))
                .replace("  filter_chains:\n  - filters:", "  metadata: { filter_metadata: { team: { tier: silver } } }\n"
                        + Bootstraps.indent(Bootstraps.fileAccessLog(listenerLog, TCP_FORMAT), 2) + "\n  filter_chains:\n"
                        + "  - filter_chain_match: { source_prefix_ranges: [{ address_prefix: 127.0.0.1, prefix_len: 32 }] }\n"
                        + "    filters:");
        int httpPort = ProxyProcess.freePort();
        int tcpPort = ProxyProcess.freePort();
        stack.start(Bootstraps.listeners(stack.adminPort, http + "\n" + tcp,
                Bootstraps.cluster("up", false, null, up.port()), Map.of("http", httpPort, "tcp", tcpPort)));

        Curl c = Curl.get(httpPort, "/a");
        assertEquals(200, c.status());
        String line = LogFiles.await(httpLog, 1).get(0);
        assertEquals("owner=payments ns={\"owner\":\"payments\",\"tier\":\"gold\"} zone=eu-1 none=- other=-", line);

        // Through tcp_proxy from 127.0.0.1 (its chain), then from 127.0.0.3 (no chain: NR).
        assertTrue(send("127.0.0.1", tcpPort).startsWith("HTTP/1.1 200"));
        assertEquals("", send("127.0.0.3", tcpPort), "no filter chain for 127.0.0.3: closed");
        assertEquals("- tier=silver", LogFiles.await(tcpLog, 1).get(0));
        List<String> listenerLines = LogFiles.await(listenerLog, 2);
        assertTrue(listenerLines.contains("- tier=silver"), listenerLines::toString);
        assertTrue(listenerLines.contains("NR tier=silver"), listenerLines::toString);
    }

    /** A request from {@code source} on {@code port}; the whole answer (the peer closes), "" when reset. */
    private static String send(String source, int port) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /t HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (java.net.SocketException reset) {
            return ""; // closed with data unread: a reset
        }
    }
}

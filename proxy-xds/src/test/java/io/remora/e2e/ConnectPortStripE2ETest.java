package io.remora.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * strip_any_host_port on a CONNECT the proxy forwards, after Envoy's tcp_tunneling_integration_test.cc
 * ProxyConnectWithPortStripping: the connection manager strips the port as from any request (the
 * virtual host and %REQ(:AUTHORITY)% see the host alone), and the router puts it back on the CONNECT
 * it sends upstream (Router::OriginalConnectPort, restored after the request headers are added).
 * The upstream is a CONNECT proxy that records each request head, accepts it and echoes.
 */
class ConnectPortStripE2ETest {

    static UpgradeE2ETest.TunnelEcho connectProxy;
    static ProxyProcess proxy;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        connectProxy = new UpgradeE2ETest.TunnelEcho(true);
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        String listener = Bootstraps.httpListenerWithHosts("strip", "", """
                strip_any_host_port: true
                upgrade_configs: [{ upgrade_type: CONNECT }]
                """, """
                - name: by_host
                  domains: ["target.test"]
                  request_headers_to_add:
                  - header: { key: host-in-proxy, value: "%REQ(:AUTHORITY)%" }
                  routes:
                  - match: { connect_matcher: {} }
                    route: { cluster: connect_proxy }
                """);
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listener,
                Bootstraps.cluster("connect_proxy", false, null, connectProxy.port()),
                Map.of("strip", port)), admin);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[]{proxy, connectProxy}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void theRouterPutsTheStrippedPortBackOnTheConnectItForwards() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("CONNECT target.test:443 HTTP/1.1\r\nHost: target.test:443\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = io.remora.testing.HttpHeads.read(in);
            assertTrue(status.startsWith("HTTP/1.1 200"), () -> "the vhost of the port-less host routes it: "
                    + status + "\n" + proxy.log());
            String head = connectProxy.connectHeads.poll(10, TimeUnit.SECONDS);
            assertNotNull(head, "the CONNECT reached the upstream");
            assertTrue(head.startsWith("CONNECT target.test:443 HTTP/1.1\r\n"), head);
            String lower = head.toLowerCase(Locale.ROOT);
            assertTrue(lower.contains("\r\nhost: target.test:443\r\n"), head);
            assertTrue(lower.contains("\r\nhost-in-proxy: target.test\r\n"), "the added header saw the stripped host: " + head);
            out.write("ping".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("ping", new String(in.readNBytes(4), StandardCharsets.US_ASCII));
        }
    }
}

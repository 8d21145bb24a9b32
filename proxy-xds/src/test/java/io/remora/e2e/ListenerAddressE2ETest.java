package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's address families: a listener on 0.0.0.0 takes IPv4 only; one on :: takes IPv6 only,
 * and IPv4 too with ipv4_compat. /listeners prints the address as configured.
 */
class ListenerAddressE2ETest {

    private static boolean connects(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String bootstrap(int admin, int port, String address, boolean ipv4Compat, int upstream) throws IOException {
        Path log = TempPaths.file("access", ".log");
        String yaml = Bootstraps.http(admin, port, log.toString(), "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                Bootstraps.cluster("up", false, null, upstream));
        return yaml.replace("address: { socket_address: { address: 127.0.0.1, port_value: " + port + " } }",
                "address: { socket_address: { address: \"" + address + "\", port_value: " + port
                        + (ipv4Compat ? ", ipv4_compat: true" : "") + " } }");
    }

    @Test
    void ipv4WildcardIsIpv4OnlyAndPrintedAsConfigured() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, "0.0.0.0", false, up.port()), admin)) {
                assertTrue(connects("127.0.0.1", port));
                assertFalse(connects("::1", port), "0.0.0.0 must not accept IPv6");
                String listeners = proxy.admin("/listeners");
                assertTrue(listeners.contains("http::0.0.0.0:" + port + "\n"), listeners);
                String json = proxy.admin("/listeners?format=json");
                assertTrue(json.contains("\"address\":\"0.0.0.0\""), json);
                assertTrue(proxy.log().contains("listener 'http' listening on 0.0.0.0:" + port), proxy.log());
            }
        }
    }

    @Test
    void ipv6WildcardTakesIpv4OnlyWithIpv4Compat() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, "::", false, up.port()), admin)) {
                assertTrue(connects("::1", port));
                assertFalse(connects("127.0.0.1", port), ":: without ipv4_compat is IPv6 only");
                assertTrue(proxy.admin("/listeners").contains("http::[::]:" + port + "\n"), proxy.admin("/listeners"));
            }
            admin = ProxyProcess.freePort();
            port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, "::", true, up.port()), admin)) {
                assertTrue(connects("::1", port));
                assertTrue(connects("127.0.0.1", port), "ipv4_compat accepts IPv4 too");
            }
        }
    }
}

package io.remora.e2e;

import io.remora.server.LocalAddress;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --local-address-ip-version} as Envoy means it: the proxy's local address is the host's first
 * non-loopback address of that family, and a connection manager with {@code use_remote_address}
 * appends it to x-forwarded-for for a request from a loopback peer (an application next to its sidecar).
 */
class LocalAddressE2ETest {

    @Test
    void loopbackPeersGetTheLocalAddressOfTheFamilyInXff() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), """
                    - match: { prefix: "/" }
                      route: { cluster: app }
                    """, Bootstraps.cluster("app", false, null, up.port()));
            Matcher m = Pattern.compile("\\n( *)stat_prefix: ingress\\n").matcher(yaml);
            assertTrue(m.find());
            yaml = yaml.replace(m.group(), m.group() + m.group(1) + "use_remote_address: true\n");
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m"),
                    "--local-address-ip-version", "v4")) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                String expected = LocalAddress.of(false).getHostAddress();
                assertEquals(expected, up.lastHeaders.get("x-forwarded-for"));
                assertTrue(proxy.admin("/server_info").contains("\"local_address_ip_version\": \"v4\"")
                        || proxy.admin("/server_info").contains("\"local_address_ip_version\":\"v4\""),
                        proxy.admin("/server_info"));
            }
        }
    }
}

package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The router's {@code rq_direct_response} on {@code /stats}: Envoy's router answers a
 * {@code direct_response} route and a {@code redirect} route from the same direct response entry
 * and counts both there; {@code rq_redirect} is listed but stays 0.
 */
class DirectResponseStatsE2ETest {

    @Test
    void directResponsesAndRedirectsCountAsDirectResponses() throws Exception {
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        String routes = """
                - match: { prefix: /direct }
                  direct_response: { status: 200, body: { inline_string: "here" } }
                - match: { prefix: /moved }
                  redirect: { host_redirect: elsewhere.example }
                """;
        try (TestUpstream unused = TestUpstream.text("never");
             ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                     TempPaths.file("access", ".log").toString(), routes,
                     Bootstraps.cluster("unused", false, null, unused.port())), admin, List.of())) {
            assertEquals("here", Curl.get(port, "/direct").text());
            assertEquals(301, Curl.get(port, "/moved").status());
            assertEquals(301, Curl.get(port, "/moved/again").status());
            String stats = proxy.admin("/stats");
            assertTrue(stats.contains("http.ingress.rq_direct_response: 3\n"), stats);
            assertTrue(stats.contains("http.ingress.rq_redirect: 0\n"), stats);
        }
    }
}

package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Envoy's newer request operators through a running proxy: curl sends a path with a query and a
 * header, and the access log prints the path without its query, a decoded query parameter, the
 * header by its full operator name, the upstream's response header, the first present of a
 * COALESCE (no SNI on plain HTTP, so the authority), the client address masked to /8, and the
 * server name falling back to the host.
 */
class AccessLogRequestOperatorsE2ETest {

    private static final String FORMAT = "path=%PATH(NQ)% q=%QUERY_PARAM(q)% page=%QUERY_PARAM(page):1% "
            + "agent=%REQUEST_HEADER(x-client?user-agent)% served=%RESPONSE_HEADER(content-type)% "
            + "name=%COALESCE({\\\"operators\\\": [\\\"REQUESTED_SERVER_NAME\\\", "
            + "{\\\"command\\\": \\\"REQ\\\", \\\"param\\\": \\\":authority\\\"}]})% "
            + "net=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT(8)% sni=%REQUESTED_SERVER_NAME(SNI_FIRST:HOST)% "
            + "plain=%REQUESTED_SERVER_NAME%";

    @Test
    void pathQueryHeadersCoalesceAndMaskPrintWhatTheRequestCarried() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int http = ProxyProcess.freePort();
            Path log = TempPaths.file("request-ops", ".log");
            String yaml = Bootstraps.logFormat(Bootstraps.http(admin, http, log.toString(),
                    "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                    Bootstraps.cluster("up", false, "", up.port())), log, FORMAT);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(200, Curl.get(http, "/find/it?q=caf%C3%A9+noir&page=27", "x-client: probe/1",
                        "Host: shop.example").status());
                String line = LogFiles.await(log, 1).get(0);
                assertEquals("path=/find/it q=café noir page=2 agent=probe/1 served=text/plain name=shop.example "
                        + "net=127.0.0.0/8 sni=shop.example plain=-", line);
            }
        }
    }
}

package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A nested {@code json_format} through a running proxy, as Envoy's JSON formatter renders it:
 * objects and lists in place, one-operator values typed (the status a number, metadata a
 * number), constants as written, keys sorted, and with {@code omit_empty_values} a missing header left out.
 */
class AccessLogJsonFormatE2ETest {

    @Test
    void nestedObjectsListsAndConstantsRenderInPlace() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int http = ProxyProcess.freePort();
            Path log = TempPaths.file("json-nested", ".log");
            String json = "log_format: { omit_empty_values: true, json_format: { request: { method: \"%REQ(:METHOD)%\","
                    + " path: \"%PATH(NQ)%\", agent: \"%REQ(x-none)%\" }, response: { code: \"%RESPONSE_CODE%\","
                    + " tries: [\"%UPSTREAM_REQUEST_ATTEMPT_COUNT%\", \"%UPSTREAM_CLUSTER%\"] }, schema: 2, live: true,"
                    + " tenant: \"%DYNAMIC_METADATA(acme:tenant)%\" } }";
            String filters = """
                    - name: envoy.filters.http.set_metadata
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config
                        metadata:
                        - metadata_namespace: acme
                          value: { tenant: 17 }
                    """;
            String yaml = Bootstraps.http(admin, http, log.toString(), "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                    Bootstraps.cluster("up", false, "", up.port()), "", filters)
                    .replace("path: " + log, "path: " + log + "\n              " + json);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(200, Curl.get(http, "/orders?id=3").status());
                assertEquals("{\"live\":true,\"request\":{\"method\":\"GET\",\"path\":\"/orders\"},\"response\":{\"code\":200,"
                        + "\"tries\":[1,\"up\"]},\"schema\":2,\"tenant\":17}", LogFiles.await(log, 1).get(0));
            }
        }
    }

    /**
     * A header sent as UTF-8 is logged as its bytes, as Envoy's (valid UTF-8 passes its JSON
     * sanitizer as it is): "café" is {@code 63 61 66 c3 a9}, not that encoded once more.
     */
    @Test
    void aUtf8HeaderIsLoggedAsItsOwnBytes() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int http = ProxyProcess.freePort();
            Path log = TempPaths.file("json-utf8", ".log");
            String yaml = Bootstraps.http(admin, http, log.toString(), "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                    Bootstraps.cluster("up", false, "", up.port()))
                    .replace("path: " + log, "path: " + log + "\n              log_format: { json_format: { name: \"%REQ(x-name)%\" } }");
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(200, Curl.get(http, "/", "x-name: caf\u00e9").status());
                LogFiles.await(log, 1);
                assertEquals("{\"name\":\"caf\u00e9\"}\n", java.nio.file.Files.readString(log, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }
}

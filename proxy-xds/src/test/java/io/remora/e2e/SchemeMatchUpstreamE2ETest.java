package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code scheme_header_transformation.match_upstream}: a plain-HTTP request's :scheme becomes
 * https when its upstream connection is TLS and stays http when it is not (seen by the access
 * log, which reads the request headers as forwarded); without the option it stays as received.
 */
class SchemeMatchUpstreamE2ETest {

    @Test
    void theSchemeIsTheUpstreamConnections() throws Exception {
        TestCerts.Leaf leaf = TestCerts.ca("scheme-ca").issue("upstream", "upstream.example");
        try (TestUpstream tls = TestUpstream.startTls(leaf, (ctx, req, n) -> TestUpstream.send(ctx, req, 200, "tls"));
             TestUpstream plain = TestUpstream.text("plain")) {
            Path log = TempPaths.file("scheme", ".log");
            String accessLog = """
                    access_log:
                    - name: envoy.access_loggers.file
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                        path: %s
                        log_format: { text_format_source: { inline_string: "%%REQ(:SCHEME)%% %%REQ(:PATH)%%\\n" } }
                    """.formatted(log);
            String routes = """
                    - match: { prefix: /tls }
                      route: { cluster: tls }
                    - match: { prefix: / }
                      route: { cluster: plain }
                    """;
            Map<String, Integer> ports = new HashMap<>(Map.of("match", ProxyProcess.freePort(), "keep", ProxyProcess.freePort()));
            int admin = ProxyProcess.freePort();
            String listeners = Bootstraps.httpListener("match", "",
                    "scheme_header_transformation: { match_upstream: true }\n" + accessLog, routes)
                    + Bootstraps.httpListener("keep", "", accessLog, routes);
            String clusters = Bootstraps.cluster("tls", false, """
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext }
                    """, tls.port()) + Bootstraps.cluster("plain", false, null, plain.port());
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners, clusters, ports), admin,
                    List.of())) {
                String match = "http://127.0.0.1:" + ports.get("match");
                assertEquals("tls", Curl.run(match + "/tls/1").text());
                assertEquals("plain", Curl.run(match + "/plain/2").text());
                assertEquals("tls", Curl.run("http://127.0.0.1:" + ports.get("keep") + "/tls/3").text());
                assertEquals(List.of("https /tls/1", "http /plain/2", "http /tls/3"), LogFiles.await(log, 3));
            }
        }
    }
}

package io.remora.e2e;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.testing.H2Upstream;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster's limits on its upstreams' responses, HTTP/1.1 and HTTP/2: over 100 headers (Envoy's
 * default {@code max_headers_count}) or 60 KiB is, over HTTP/1.1, an upstream protocol error (502
 * UPE: Envoy's codec client closes the connection on a codec error) and, over HTTP/2, a reset of
 * that stream alone that Envoy's codec reports as a remote reset (503 UR, its
 * MultiplexedUpstreamIntegrationTest.TestManyResponseHeadersRejected); raised by the cluster's own
 * options. A cluster's {@code headers_with_underscores_action} leaves responses alone: Envoy's
 * client codecs never apply it (the field's doc: "upstream responses are not affected").
 */
class ResponseHeaderLimitsE2ETest {

    /** The response headers each path asks for. */
    private static Map<String, String> headersFor(String path) {
        Map<String, String> h = new HashMap<>();
        if (path.contains("many")) {
            for (int i = 0; i < 120; i++) {
                h.put("x-h" + i, "v");
            }
        }
        if (path.contains("big")) {
            h.put("x-big", "b".repeat(70 * 1024));
        }
        if (path.contains("underscore")) {
            h.put("x_under", "1");
        }
        return h;
    }

    @Test
    void limitsOnBothCodecs() throws Exception {
        try (TestUpstream h1 = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "h1",
                headersFor(req.uri())));
             H2Upstream h2 = new H2Upstream(io.remora.server.Transport.detect(), 100, (ctx, headers, body, tr, n) -> {
                 Http2Headers h = new DefaultHttp2Headers().status("200");
                 headersFor(headers.path().toString()).forEach(h::add);
                 ctx.write(new DefaultHttp2HeadersFrame(h, false));
                 ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("h2", StandardCharsets.UTF_8), true));
             })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String raised = """
                      typed_extension_protocol_options:
                        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                          common_http_protocol_options:
                            max_headers_count: 200
                            max_response_headers_kb: 96
                            headers_with_underscores_action: DROP_HEADER
                          explicit_http_config: { http_protocol_options: {} }
                    """;
            String reject = """
                      common_http_protocol_options: { headers_with_underscores_action: REJECT_REQUEST }
                    """;
            String routes = """
                    - match: { prefix: /h1/raised/ }
                      route: { cluster: h1-raised }
                    - match: { prefix: /h1/reject/ }
                      route: { cluster: h1-reject }
                    - match: { prefix: /h1/ }
                      route: { cluster: h1 }
                    - match: { prefix: /h2/ }
                      route: { cluster: h2 }
                    """;
            String clusters = String.join("\n",
                    Bootstraps.cluster("h1", false, null, h1.port()),
                    Bootstraps.cluster("h1-raised", false, raised, h1.port()),
                    Bootstraps.cluster("h1-reject", false, reject, h1.port()),
                    Bootstraps.cluster("h2", true, null, h2.address().getPort()));
            java.nio.file.Path accessLog = TempPaths.file("access", ".log");
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.http(admin, port,
                    accessLog.toString(), routes, clusters), admin, List.of())) {
                String base = "http://127.0.0.1:" + port;
                for (String codec : List.of("h1", "h2")) {
                    assertEquals(200, Curl.run(base + "/" + codec + "/plain").status(), codec);
                    int refused = codec.equals("h1") ? 502 : 503;
                    Curl many = Curl.run(base + "/" + codec + "/many");
                    assertEquals(refused, many.status(), codec + ": 120 headers");
                    assertEquals(refused, Curl.run(base + "/" + codec + "/big").status(), codec + ": 70 KiB");
                    assertEquals("1", Curl.run(base + "/" + codec + "/underscore").header("x_under"),
                            codec + ": names with '_' pass by default");
                    if (codec.equals("h2")) {
                        assertEquals("upstream connect error or disconnect/reset before headers. reset reason: remote reset",
                                new String(many.body(), StandardCharsets.UTF_8));
                    }
                }
                // Only the refused streams were reset: no HTTP/2 connection closed for them.
                assertEquals(0, proxy.stat("cluster.h2.upstream_cx_destroy"));
                assertEquals(2, proxy.stat("cluster.h2.http2.header_overflow"));
                assertEquals(2, proxy.stat("cluster.h2.upstream_rq_rx_reset"));
                assertEquals(0, proxy.stat("cluster.h2.upstream_cx_protocol_error"));
                assertEquals(2, proxy.stat("cluster.h1.upstream_cx_protocol_error"));
                String log = Files.readString(accessLog);
                assertTrue(log.contains("\"GET /h2/many HTTP/1.1\" 503 UR "), log);
                assertTrue(log.contains("\"GET /h2/big HTTP/1.1\" 503 UR "), log);
                assertTrue(log.contains("\"GET /h1/many HTTP/1.1\" 502 UPE "), log);
                assertEquals(200, Curl.run(base + "/h1/raised/many").status());
                assertEquals(200, Curl.run(base + "/h1/raised/big").status());
                Curl kept = Curl.run(base + "/h1/raised/underscore");
                assertEquals(200, kept.status());
                assertEquals("1", kept.header("x_under"), "DROP_HEADER on a cluster drops nothing");
                Curl passed = Curl.run(base + "/h1/reject/underscore");
                assertEquals(200, passed.status(), "REJECT_REQUEST on a cluster refuses nothing");
                assertEquals("1", passed.header("x_under"));
                assertEquals(200, Curl.run(base + "/h1/reject/plain").status());
            }
        }
    }
}

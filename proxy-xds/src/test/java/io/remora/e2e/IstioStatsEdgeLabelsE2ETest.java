package io.remora.e2e;

import io.remora.stats.PromtoolSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * istio.stats labels in the edge cases istio-proxy's stats filter settles through Envoy's gRPC
 * helpers: which requests are gRPC ({@code Grpc::Common::isGrpcRequestHeaders}) and the
 * {@code grpc_response_status} of a status that is out of range, not a number or empty
 * ({@code Grpc::Common::getGrpcStatus}); request and response sizes as the downstream
 * connection's wire bytes of the stream (its bytes meter).
 */
class IstioStatsEdgeLabelsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;

    static final String BOOTSTRAP = Bootstraps.ingress("", """
            - name: istio.stats
              typed_config:
                "@type": type.googleapis.com/stats.PluginConfig
            """,
            "- { match: { prefix: \"/\" }, route: { cluster: web } }");

    @BeforeAll
    static void start() throws Exception {
        // The upstream answers with the grpc-status the request asks for (a trailers-only answer's header).
        TestUpstream upstream = stack.upstream((ctx, req, n) -> {
            String status = req.headers().get("x-status");
            TestUpstream.send(ctx, req, 200, "", status == null ? Map.of() : Map.of("grpc-status", status));
        });
        proxy = stack.start(stack.render(BOOTSTRAP, Map.of(
                "CLUSTERS", Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()), 2))), List.of());
    }

    private static void call(String path, String contentType, String status) throws Exception {
        Curl c = status == null
                ? Curl.run("-H", "content-type: " + contentType, stack.url(path))
                : Curl.run("-H", "content-type: " + contentType,
                        "-H", status.isEmpty() ? "x-status;" : "x-status: " + status, stack.url(path));
        assertEquals(200, c.status());
    }

    private static double requests(String protocol, String grpcStatus) throws Exception {
        return PrometheusSamples.sampleSubset(proxy, "istio_requests_total",
                Map.of("request_protocol", protocol, "grpc_response_status", grpcStatus));
    }

    @Test
    void grpcStatusOutOfRangeOrNotANumberIsInvalidCodeAndEmptyIsInferred() throws Exception {
        call("/a.Svc/OutOfRange", "application/grpc", "17");
        call("/a.Svc/NotANumber", "application/grpc", "oops");
        call("/a.Svc/Empty", "application/grpc", "");
        call("/a.Svc/Known", "application/grpc+proto", "16");
        PrometheusSamples.awaitSample(proxy, "istio_requests_total", Map.of("grpc_response_status", "16"), 1);
        assertEquals(2, requests("grpc", "-1"), proxy.admin("/stats/prometheus"));
        // An empty grpc-status is no status: the 200 maps to Unknown.
        assertEquals(1, requests("grpc", "2"), proxy.admin("/stats/prometheus"));
        if (PromtoolSupport.promtool() != null) {
            // The exposition parses; the one lint is of Istio's own name, which dashboards query as it is.
            PromtoolSupport.Result lint = PromtoolSupport.check(proxy.admin("/stats/prometheus"));
            assertEquals(List.of("istio_request_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\""),
                    lint.output().lines().filter(l -> !l.isBlank()).toList(), lint.output());
        }
    }

    @Test
    void requestAndResponseBytesAreTheStreamsWireBytes() throws Exception {
        String request = "GET /wire HTTP/1.1\r\nHost: wire.example\r\nConnection: close\r\n\r\n";
        byte[] response;
        try (Socket s = new Socket("127.0.0.1", URI.create(stack.url("/")).getPort())) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            response = s.getInputStream().readAllBytes();
        }
        Map<String, String> labels = Map.of("destination_service", "wire.example");
        PrometheusSamples.awaitSample(proxy, "istio_response_bytes_count", labels, 1);
        String prom = proxy.admin("/stats/prometheus");
        assertEquals(request.length(), PrometheusSamples.sampleSubset(proxy, "istio_request_bytes_sum", labels), prom);
        assertEquals(response.length, PrometheusSamples.sampleSubset(proxy, "istio_response_bytes_sum", labels),
                new String(response, StandardCharsets.US_ASCII) + prom);
    }

    @Test
    void grpcWebAndParameterisedContentTypesAreNotGrpc() throws Exception {
        call("/web.Svc/Call", "application/grpc-web", "5");
        call("/web.Svc/Call", "application/grpc;charset=utf-8", "5");
        PrometheusSamples.awaitSample(proxy, "istio_requests_total",
                Map.of("request_protocol", "http", "grpc_response_status", ""), 2);
        assertEquals(0, requests("grpc", "5"), proxy.admin("/stats/prometheus"));
    }
}

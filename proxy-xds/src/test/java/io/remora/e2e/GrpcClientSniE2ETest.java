package io.remora.e2e;

import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The SNI of an envoy_grpc client (grpc-java: here the metrics_service stats sink) on a TLS cluster, as Envoy's
 * client sends it through the cluster: the transport socket's sni as configured, with or without a dot; auto_sni's
 * host of the :authority (the envoy_grpc authority) over it; else none, whatever the cluster's name. The sinks'
 * collectors speak HTTP/1.1 only: each records the client hello's server name, and the stream never opens.
 */
class GrpcClientSniE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();

    /** A cluster option block (for Bootstraps.cluster's extra): TLS, with these UpstreamTlsContext fields. */
    private static String tls(String contextFields) {
        return """
                  transport_socket:
                    name: envoy.transport_sockets.tls
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                      %s
                """.formatted(contextFields);
    }

    private static String sink(String cluster, String authority) {
        return """
                - name: envoy.stat_sinks.metrics_service
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig
                    transport_api_version: V3
                    grpc_service: { envoy_grpc: { cluster_name: %s, authority: "%s" } }
                """.formatted(cluster, authority);
    }

    @Test
    void eachSinkSendsTheSniEnvoysWould() throws Exception {
        TestCerts.Leaf leaf = TestCerts.ca("grpc-sni-ca").issue("collector", "collector");
        try (TestUpstream dotless = TestUpstream.startTls(leaf, (ctx, req, n) -> TestUpstream.send(ctx, req, 404, ""));
             TestUpstream auto = TestUpstream.startTls(leaf, (ctx, req, n) -> TestUpstream.send(ctx, req, 404, ""));
             TestUpstream none = TestUpstream.startTls(leaf, (ctx, req, n) -> TestUpstream.send(ctx, req, 404, ""))) {
            String autoSni = """
                      typed_extension_protocol_options:
                        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                          upstream_http_protocol_options: { auto_sni: true }
                          explicit_http_config: { http2_protocol_options: {} }
                    """;
            String clusters = String.join("\n",
                    Bootstraps.cluster("metrics.dotless", true, tls("sni: collector"), dotless.port()),
                    Bootstraps.cluster("metrics.auto", false, autoSni + tls("sni: ignored.example"), auto.port()),
                    Bootstraps.cluster("metrics.none", true, tls("common_tls_context: {}"), none.port()));
            String yaml = Bootstraps.http(stack.adminPort, stack.port, TempPaths.file("access", ".log").toString(),
                    "- match: { prefix: \"/\" }\n  route: { cluster: metrics.none }", clusters)
                    + "stats_flush_interval: 0.3s\nstats_sinks:\n"
                    + sink("metrics.dotless", "") + sink("metrics.auto", "collector.example.com:443")
                    + sink("metrics.none", "");
            stack.start(yaml);
            for (TestUpstream u : java.util.List.of(dotless, auto, none)) {
                io.remora.xds.ads.TestControlPlane.await("a client hello", () -> !u.serverNames.isEmpty());
            }
            assertEquals("collector", dotless.serverNames.get(0), "the sni as configured, without a dot");
            assertEquals("collector.example.com", auto.serverNames.get(0), "auto_sni: the authority's host");
            assertEquals("", none.serverNames.get(0), "no sni: none (not the cluster's name)");
        }
    }
}

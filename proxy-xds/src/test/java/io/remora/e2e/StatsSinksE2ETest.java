package io.remora.e2e;

import io.envoyproxy.envoy.service.metrics.v3.MetricsServiceGrpc;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsMessage;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.prometheus.client.Metrics;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code stats_sinks}: UDP statsd, dog_statsd and graphite_statsd sinks read from real datagram
 * sockets, and two {@code metrics_service} sinks (default, and deltas with tags as labels) streaming to a real
 * grpc-java MetricsService, every {@code stats_flush_interval}.
 */
class StatsSinksE2ETest {

    /** A MetricsService: the messages of each stream, in order, keyed by stream number. */
    private static final class MetricsReceiver implements AutoCloseable {
        final Map<Integer, List<StreamMetricsMessage>> streams = new ConcurrentHashMap<>();
        final Server server;
        private int next;

        MetricsReceiver() throws Exception {
            this(null);
        }

        /** Over TLS presenting {@code leaf} (null: plaintext). */
        MetricsReceiver(io.remora.testing.TestCerts.Leaf leaf) throws Exception {
            NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
            if (leaf != null) {
                b.sslContext(io.grpc.netty.GrpcSslContexts.configure(io.netty.handler.ssl.SslContextBuilder
                        .forServer(leaf.keys().getPrivate(), leaf.cert())).build());
            }
            server = b
                    .addService(new MetricsServiceGrpc.MetricsServiceImplBase() {
                        @Override
                        public StreamObserver<StreamMetricsMessage> streamMetrics(
                                StreamObserver<StreamMetricsResponse> response) {
                            List<StreamMetricsMessage> messages = new CopyOnWriteArrayList<>();
                            synchronized (MetricsReceiver.this) {
                                streams.put(next++, messages);
                            }
                            return new StreamObserver<>() {
                                @Override
                                public void onNext(StreamMetricsMessage m) {
                                    messages.add(m);
                                }

                                @Override
                                public void onError(Throwable t) {
                                }

                                @Override
                                public void onCompleted() {
                                    response.onNext(StreamMetricsResponse.getDefaultInstance());
                                    response.onCompleted();
                                }
                            };
                        }
                    }).build().start();
        }

        int port() {
            return server.getPort();
        }

        @Override
        public void close() {
            server.shutdownNow();
        }
    }

    private static String bootstrap(int admin, int port, int upstream, int statsd, int dog, int graphite, int metrics)
            throws Exception {
        return Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                Bootstraps.cluster("up", false, null, upstream) + "\n" + Bootstraps.cluster("metrics", true, null, metrics))
                + """
                node: { id: sidecar-7, cluster: shop }
                stats_flush_interval: 0.3s
                stats_sinks:
                - name: envoy.stat_sinks.statsd
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.StatsdSink
                    address: { socket_address: { address: 127.0.0.1, port_value: %d, protocol: UDP } }
                - name: envoy.stat_sinks.dog_statsd
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    prefix: mesh
                    max_bytes_per_datagram: 1400
                - name: envoy.stat_sinks.graphite_statsd
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.stat_sinks.graphite_statsd.v3.GraphiteStatsdSink
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    prefix: gr
                - name: envoy.stat_sinks.metrics_service
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig
                    transport_api_version: V3
                    grpc_service: { envoy_grpc: { cluster_name: metrics } }
                - name: envoy.stat_sinks.metrics_service
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig
                    transport_api_version: V3
                    grpc_service: { envoy_grpc: { cluster_name: metrics } }
                    report_counters_as_deltas: true
                    emit_tags_as_labels: true
                    histogram_emit_mode: HISTOGRAM
                """.formatted(statsd, dog, graphite);
    }

    /** Reads every datagram from the start, so none is lost to a full socket buffer. */
    static Thread reader(DatagramSocket socket, List<String> lines) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65536];
            while (!socket.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (java.io.IOException e) {
                    return;
                }
                lines.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            }
        }, "statsd-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The values of the lines that start with prefix and end with suffix. */
    private static long sum(List<String> lines, String prefix, String suffix) {
        long n = 0;
        for (String l : lines) {
            if (l.startsWith(prefix) && l.endsWith(suffix)) {
                n += Long.parseLong(l.substring(prefix.length(), l.length() - suffix.length()));
            }
        }
        return n;
    }

    private static long sum(List<String> lines, String prefix) {
        long n = 0;
        for (String l : lines) {
            if (l.startsWith(prefix)) {
                n += Long.parseLong(l.substring(prefix.length(), l.indexOf('|')));
            }
        }
        return n;
    }

    private static Metrics.MetricFamily family(StreamMetricsMessage m, String name, Metrics.MetricType type) {
        for (Metrics.MetricFamily f : m.getEnvoyMetricsList()) {
            if (f.getName().equals(name) && f.getType() == type) {
                return f;
            }
        }
        return null;
    }

    @Test
    void statsdDatagramsAndMetricsServiceStreams() throws Exception {
        try (DatagramSocket statsd = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket dog = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket graphite = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             MetricsReceiver metrics = new MetricsReceiver(); TestUpstream up = TestUpstream.text("ok")) {
            List<String> lines = new CopyOnWriteArrayList<>();
            reader(statsd, lines);
            List<String> dogDatagrams = new CopyOnWriteArrayList<>();
            reader(dog, dogDatagrams);
            List<String> graphiteLines = new CopyOnWriteArrayList<>();
            reader(graphite, graphiteLines);
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port(), statsd.getLocalPort(),
                    dog.getLocalPort(), graphite.getLocalPort(), metrics.port()), admin)) {
                HttpClient client = HttpClient.newHttpClient();
                for (int i = 0; i < 2; i++) {
                    assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                }
                // Several flushes: counters come as deltas that add up to the total.
                Thread.sleep(2500);
                assertEquals(2, sum(lines, "envoy.cluster.up.upstream_rq_total:"), String.join("\n", lines));
                assertEquals(2, sum(lines, "envoy.cluster.up.upstream_rq_200:"), String.join("\n", lines));
                assertTrue(lines.contains("envoy.server.live:1|g"), String.join("\n", lines));
                // Each request's time is one timer sample, in whole milliseconds, as Envoy sends them.
                assertEquals(2, lines.stream().filter(l -> l.matches("envoy\\.cluster\\.up\\.upstream_rq_time:\\d+\\|ms"))
                        .count(), String.join("\n", lines));
                // DogStatsD: tag-extracted names with |#tags, several metrics per datagram.
                List<String> dogLines = new java.util.ArrayList<>();
                for (String d : dogDatagrams) {
                    dogLines.addAll(List.of(d.split("\n")));
                }
                assertTrue(dogDatagrams.stream().anyMatch(d -> d.contains("\n")), String.join("\n---\n", dogDatagrams));
                assertEquals(2, sum(dogLines, "mesh.cluster.upstream_rq_total:", "|c|#envoy.cluster_name:up"),
                        String.join("\n", dogLines));
                assertEquals(2, dogLines.stream().filter(l -> l.matches(
                        "mesh\\.cluster\\.upstream_rq_time:\\d+\\|ms\\|#envoy\\.cluster_name:up")).count(),
                        String.join("\n", dogLines));
                assertFalse(lines.stream().anyMatch(l -> l.startsWith("envoy.cluster.up.upstream_rq_retry:")),
                        "counters never used are not sent");
                // Graphite: the tags right after the tag-extracted name, one metric per datagram.
                assertEquals(2, sum(graphiteLines, "gr.cluster.upstream_rq_total;envoy.cluster_name=up:", "|c"),
                        String.join("\n", graphiteLines));
                assertEquals(2, graphiteLines.stream().filter(l -> l.matches(
                        "gr\\.cluster\\.upstream_rq_time;envoy\\.cluster_name=up:\\d+\\|ms")).count(),
                        String.join("\n", graphiteLines));
                assertTrue(graphiteLines.contains("gr.server.live:1|g"), String.join("\n", graphiteLines));

                long deadline = System.currentTimeMillis() + 15_000;
                while (metrics.streams.size() < 2 || metrics.streams.values().stream().anyMatch(l -> l.size() < 2)) {
                    assertTrue(System.currentTimeMillis() < deadline, "two metrics streams with a few flushes each");
                    Thread.sleep(100);
                }
                boolean sawPlain = false;
                boolean sawLabelled = false;
                for (List<StreamMetricsMessage> stream : metrics.streams.values()) {
                    StreamMetricsMessage first = stream.get(0);
                    assertEquals("sidecar-7", first.getIdentifier().getNode().getId(), "the first message identifies the node");
                    assertFalse(stream.get(1).hasIdentifier(), "only the first");
                    StreamMetricsMessage last = stream.get(stream.size() - 1);
                    Metrics.MetricFamily plain = family(last, "cluster.up.upstream_rq_total", Metrics.MetricType.COUNTER);
                    if (plain != null) {
                        sawPlain = true;
                        assertEquals(2, plain.getMetric(0).getCounter().getValue(), "cumulative by default");
                        assertTrue(plain.getMetric(0).getTimestampMs() > 0);
                        assertNotNull(family(last, "cluster.up.upstream_rq_time", Metrics.MetricType.SUMMARY));
                        assertNotNull(family(last, "cluster.up.upstream_rq_time", Metrics.MetricType.HISTOGRAM));
                        assertNotNull(family(last, "server.live", Metrics.MetricType.GAUGE));
                    } else {
                        sawLabelled = true;
                        double total = 0;
                        for (StreamMetricsMessage m : stream) {
                            Metrics.MetricFamily f = family(m, "cluster.upstream_rq_total", Metrics.MetricType.COUNTER);
                            if (f != null) {
                                for (Metrics.Metric metric : f.getMetricList()) {
                                    Metrics.LabelPair l = metric.getLabel(0);
                                    if (l.getName().equals("envoy.cluster_name") && l.getValue().equals("up")) {
                                        total += metric.getCounter().getValue();
                                    }
                                }
                            }
                        }
                        assertEquals(2, total, "deltas add up to the total");
                        Metrics.MetricFamily h = null;
                        for (StreamMetricsMessage m : stream) {
                            assertTrue(family(m, "cluster.upstream_rq_time", Metrics.MetricType.SUMMARY) == null,
                                    "histogram_emit_mode HISTOGRAM sends no summary");
                            Metrics.MetricFamily f = family(m, "cluster.upstream_rq_time", Metrics.MetricType.HISTOGRAM);
                            h = f != null ? f : h; // the latest: cumulative over both requests
                        }
                        assertNotNull(h);
                        assertEquals(2, h.getMetric(0).getHistogram().getSampleCount());
                    }
                }
                assertTrue(sawPlain && sawLabelled);
            }
        }
    }

    /** A statsd TCP server: accepts connections one after another and keeps every line. */
    private static Thread tcpReader(java.net.ServerSocket server, List<String> lines, List<java.net.Socket> accepted) {
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (java.net.Socket s = server.accept()) {
                    accepted.add(s);
                    java.io.BufferedReader r = new java.io.BufferedReader(
                            new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        lines.add(l);
                    }
                } catch (java.io.IOException e) {
                    // the test closed this connection, or the server
                }
            }
        }, "statsd-tcp-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void awaitSum(List<String> lines, String prefix, long expected) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (sum(lines, prefix) != expected) {
            assertTrue(System.currentTimeMillis() < deadline, prefix + " should add up to " + expected + ":\n"
                    + String.join("\n", lines));
            Thread.sleep(50);
        }
    }

    @Test
    void statsdOverTcpToAStaticClusterReconnectsAfterTheServerClosed() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestUpstream up = TestUpstream.text("ok")) {
            List<String> lines = new CopyOnWriteArrayList<>();
            List<java.net.Socket> accepted = new CopyOnWriteArrayList<>();
            tcpReader(server, lines, accepted);
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                    "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                    Bootstraps.cluster("up", false, null, up.port()) + "\n"
                            + Bootstraps.cluster("statsd", false, null, server.getLocalPort()))
                    + """
                    stats_flush_interval: 0.2s
                    stats_sinks:
                    - name: envoy.stat_sinks.statsd
                      typed_config:
                        "@type": type.googleapis.com/envoy.config.metrics.v3.StatsdSink
                        tcp_cluster_name: statsd
                        prefix: mesh
                    """;
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                HttpClient client = HttpClient.newHttpClient();
                for (int i = 0; i < 2; i++) {
                    assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                }
                awaitSum(lines, "mesh.cluster.up.upstream_rq_total:", 2);
                assertTrue(lines.contains("mesh.server.live:1|g"), String.join("\n", lines));
                assertTrue(lines.stream().anyMatch(l -> l.matches("mesh\\.cluster\\.up\\.upstream_rq_time:\\d+\\|ms")),
                        String.join("\n", lines));
                assertEquals(1, accepted.size(), "one connection carries every flush");

                accepted.get(0).close();
                assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                long deadline = System.currentTimeMillis() + 15_000;
                while (accepted.size() < 2) {
                    assertTrue(System.currentTimeMillis() < deadline, "the sink connects again");
                    Thread.sleep(50);
                }
                // the third request's count arrives on the new connection (a flush sent into the closed one is lost)
                deadline = System.currentTimeMillis() + 15_000;
                while (sum(lines, "mesh.cluster.up.upstream_rq_total:") < 3) {
                    assertTrue(System.currentTimeMillis() < deadline, String.join("\n", lines));
                    Thread.sleep(50);
                }
            }
        }
    }

    /**
     * A metrics service sink over a TLS cluster with auto_sni and auto_san_validation, as Envoy's router
     * makes each of its gRPC streams: the collector's certificate must carry a SAN for the host of the
     * stream's :authority (the envoy_grpc authority); one trusted by the CA but named otherwise gets nothing.
     */
    @Test
    void autoSanValidationChecksTheCollectorAgainstTheAuthority() throws Exception {
        io.remora.testing.TestCerts.Ca ca = io.remora.testing.TestCerts.ca("metrics-ca");
        java.nio.file.Path caFile = TempPaths.file("metrics-ca", ".pem");
        java.nio.file.Files.writeString(caFile, ca.pem());
        try (MetricsReceiver named = new MetricsReceiver(ca.issue("collector", "collector.example.com"));
             MetricsReceiver other = new MetricsReceiver(ca.issue("other", "other.example.com"));
             E2EStack stack = new E2EStack()) {
            String tls = """
                      typed_extension_protocol_options:
                        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                          upstream_http_protocol_options: { auto_sni: true, auto_san_validation: true }
                          explicit_http_config: { http2_protocol_options: {} }
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                          common_tls_context:
                            validation_context: { trusted_ca: { filename: "%s" } }
                    """.formatted(caFile);
            String clusters = String.join("\n", Bootstraps.cluster("metrics.named", false, tls, named.port()),
                    Bootstraps.cluster("metrics.other", false, tls, other.port()));
            String sinks = "stats_flush_interval: 0.3s\nstats_sinks:\n" + sink("metrics.named") + sink("metrics.other");
            stack.start(Bootstraps.http(stack.adminPort, stack.port, TempPaths.file("access", ".log").toString(),
                    "- match: { prefix: \"/\" }\n  route: { cluster: metrics.named }", clusters) + sinks);
            long deadline = System.currentTimeMillis() + 15_000;
            while (named.streams.values().stream().mapToInt(List::size).sum() < 2) {
                assertTrue(System.currentTimeMillis() < deadline, "the collector the authority names gets the stats");
                Thread.sleep(100);
            }
            Thread.sleep(1000); // a few more flushes
            assertTrue(other.streams.values().stream().allMatch(List::isEmpty),
                    "nothing reached a collector without the authority's SAN: " + other.streams);
        }
    }

    private static String sink(String cluster) {
        return """
                - name: envoy.stat_sinks.metrics_service
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig
                    transport_api_version: V3
                    grpc_service: { envoy_grpc: { cluster_name: %s, authority: "collector.example.com:443" } }
                """.formatted(cluster);
    }
}

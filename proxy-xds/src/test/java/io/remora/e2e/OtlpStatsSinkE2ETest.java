package io.remora.e2e;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.stat_sinks.open_telemetry}: a real proxy exports to a grpc-java OTLP
 * MetricsService every {@code stats_flush_interval}; a collector that is not there yet costs the
 * proxy nothing.
 */
class OtlpStatsSinkE2ETest {

    /** An OTLP metrics collector keeping every export request. */
    private static final class Collector implements AutoCloseable {
        final List<ExportMetricsServiceRequest> requests = new CopyOnWriteArrayList<>();
        final Server server;

        Collector(int port) throws Exception {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                    .addService(new MetricsServiceGrpc.MetricsServiceImplBase() {
                        @Override
                        public void export(ExportMetricsServiceRequest request,
                                           StreamObserver<ExportMetricsServiceResponse> response) {
                            requests.add(request);
                            response.onNext(ExportMetricsServiceResponse.getDefaultInstance());
                            response.onCompleted();
                        }
                    }).build().start();
        }

        /** Every metric of every request so far, oldest first. */
        List<Metric> metrics(String name) {
            List<Metric> out = new ArrayList<>();
            for (ExportMetricsServiceRequest r : requests) {
                r.getResourceMetricsList().forEach(rm -> rm.getScopeMetricsList().forEach(sm -> sm.getMetricsList()
                        .stream().filter(m -> m.getName().equals(name)).forEach(out::add)));
            }
            return out;
        }

        void await(String what, Predicate<Collector> done) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 20_000;
            while (!done.test(this)) {
                assertTrue(System.currentTimeMillis() < deadline, what + "; got " + requests.size() + " request(s)");
                Thread.sleep(100);
            }
        }

        @Override
        public void close() {
            server.shutdownNow();
        }
    }

    private static String bootstrap(int admin, int port, int upstream, int collector, String sinks) throws Exception {
        return Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(),
                "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                Bootstraps.cluster("up", false, null, upstream) + "\n" + Bootstraps.cluster("otel", true, null, collector))
                + "stats_flush_interval: 0.3s\nstats_sinks:\n" + sinks;
    }

    private static final String DEFAULT_SINK = """
            - name: envoy.stat_sinks.open_telemetry
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.stat_sinks.open_telemetry.v3.SinkConfig
                grpc_service: { envoy_grpc: { cluster_name: otel } }
            """;

    private static void get(HttpClient client, int port, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    private static Map<String, String> attributes(List<KeyValue> kvs) {
        Map<String, String> m = new java.util.TreeMap<>();
        kvs.forEach(kv -> m.put(kv.getKey(), kv.getValue().getStringValue()));
        return m;
    }

    /** The latest data point of name whose attributes include cluster_name=up. */
    private static NumberDataPoint latestUpPoint(Collector c, String name) {
        NumberDataPoint latest = null;
        for (Metric m : c.metrics(name)) {
            for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                if ("up".equals(attributes(p.getAttributesList()).get("envoy.cluster_name"))) {
                    latest = p;
                }
            }
        }
        return latest;
    }

    @Test
    void countersGaugesAndHistogramsReachTheCollectorWithTheirTags() throws Exception {
        int collectorPort = ProxyProcess.freePort();
        try (Collector collector = new Collector(collectorPort); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String sinks = DEFAULT_SINK + """
                    - name: envoy.stat_sinks.open_telemetry
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.stat_sinks.open_telemetry.v3.SinkConfig
                        grpc_service: { envoy_grpc: { cluster_name: otel } }
                        report_counters_as_deltas: true
                        report_histograms_as_deltas: true
                        emit_tags_as_attributes: false
                        use_tag_extracted_name: false
                        prefix: plain
                    """;
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port(), collectorPort, sinks), admin)) {
                get(HttpClient.newHttpClient(), port, 2);
                collector.await("the cumulative counter reaches 2", c -> {
                    NumberDataPoint p = latestUpPoint(c, "cluster.upstream_rq_total");
                    return p != null && p.getAsInt() == 2;
                });
                Metric total = collector.metrics("cluster.upstream_rq_total").get(0);
                assertTrue(total.getSum().getIsMonotonic());
                assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                        total.getSum().getAggregationTemporality());
                NumberDataPoint point = latestUpPoint(collector, "cluster.upstream_rq_total");
                assertEquals(Map.of("envoy.cluster_name", "up"), attributes(point.getAttributesList()));
                assertTrue(point.getTimeUnixNano() > point.getStartTimeUnixNano() && point.getStartTimeUnixNano() > 0);
                assertEquals("unknown_service:envoy", attributes(collector.requests.get(0).getResourceMetrics(0)
                        .getResource().getAttributesList()).get("service.name"));

                Metric live = collector.metrics("server.live").get(0);
                assertEquals(1, live.getGauge().getDataPoints(0).getAsInt());

                collector.await("the request time histogram holds both requests", c -> c.metrics(
                        "cluster.upstream_rq_time").stream().anyMatch(m -> m.getHistogram().getDataPoints(0).getCount() == 2));
                Metric time = collector.metrics("cluster.upstream_rq_time").stream()
                        .filter(m -> m.getHistogram().getDataPoints(0).getCount() == 2).findFirst().orElseThrow();
                assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                        time.getHistogram().getAggregationTemporality());
                HistogramDataPoint h = time.getHistogram().getDataPoints(0);
                assertEquals("up", attributes(h.getAttributesList()).get("envoy.cluster_name"));
                assertEquals(h.getExplicitBoundsCount() + 1, h.getBucketCountsCount(), "one bucket past the last bound");
                assertEquals(2, h.getBucketCountsList().stream().mapToLong(Long::longValue).sum(), "disjoint buckets");

                // The second sink: full names with its prefix, no attributes, deltas adding up to the totals.
                collector.await("the deltas add up to both requests", c -> sumOfDeltas(c) == 2 && histogramDeltas(c) == 2);
                for (Metric m : collector.metrics("plain.cluster.up.upstream_rq_total")) {
                    assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA, m.getSum().getAggregationTemporality());
                    assertEquals(0, m.getSum().getDataPoints(0).getAttributesCount());
                }
                for (Metric m : collector.metrics("plain.cluster.up.upstream_rq_time")) {
                    assertEquals(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA,
                            m.getHistogram().getAggregationTemporality());
                    HistogramDataPoint d = m.getHistogram().getDataPoints(0);
                    assertEquals(d.getCount(), d.getBucketCountsList().stream().mapToLong(Long::longValue).sum());
                }
                assertTrue(collector.metrics("plain.cluster.upstream_rq_total").isEmpty());
            }
        }
    }

    private static long sumOfDeltas(Collector c) {
        return c.metrics("plain.cluster.up.upstream_rq_total").stream()
                .mapToLong(m -> m.getSum().getDataPoints(0).getAsInt()).sum();
    }

    private static long histogramDeltas(Collector c) {
        return c.metrics("plain.cluster.up.upstream_rq_time").stream()
                .mapToLong(m -> m.getHistogram().getDataPoints(0).getCount()).sum();
    }

    @Test
    void aCollectorThatIsNotThereCostsNothingAndIsUsedOnceItIs() throws Exception {
        int collectorPort = ProxyProcess.freePort();
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port(), collectorPort, DEFAULT_SINK),
                    admin)) {
                HttpClient client = HttpClient.newHttpClient();
                get(client, port, 2);
                Thread.sleep(1000); // a few flushes fail against the closed port
                get(client, port, 1);
                try (Collector collector = new Collector(collectorPort)) {
                    collector.await("exports arrive once the collector listens", c -> {
                        NumberDataPoint p = latestUpPoint(c, "cluster.upstream_rq_total");
                        return p != null && p.getAsInt() == 3;
                    });
                }
            }
        }
    }
}

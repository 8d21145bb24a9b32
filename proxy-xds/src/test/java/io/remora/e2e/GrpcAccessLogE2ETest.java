package io.remora.e2e;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gRPC access loggers against real collectors: OpenTelemetry's LogsService. */
class GrpcAccessLogE2ETest {

    /** Istio's Telemetry API names the collector's cluster like this. */
    static final String COLLECTOR = "outbound|4317||otel-collector.istio-system.svc.cluster.local";

    /** An OTLP logs receiver: every exported record, with the resource it came under. */
    private static final class LogsReceiver implements AutoCloseable {
        final LinkedBlockingQueue<LogRecord> records = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<ResourceLogs> resources = new LinkedBlockingQueue<>();
        final Server server;

        LogsReceiver() throws Exception {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new LogsServiceGrpc.LogsServiceImplBase() {
                        @Override
                        public void export(ExportLogsServiceRequest request,
                                           StreamObserver<ExportLogsServiceResponse> response) {
                            for (ResourceLogs rl : request.getResourceLogsList()) {
                                resources.add(rl);
                                rl.getScopeLogsList().forEach(sl -> records.addAll(sl.getLogRecordsList()));
                            }
                            response.onNext(ExportLogsServiceResponse.getDefaultInstance());
                            response.onCompleted();
                        }
                    }).build().start();
        }

        LogRecord next() throws InterruptedException {
            return records.poll(15, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            server.shutdownNow();
        }
    }

    /** An HTTP listener whose only access log is the OpenTelemetry one, sending to port {@code collector}. */
    private static String bootstrap(int admin, int port, int upstream, int collector) {
        String otel = """
                "@type": type.googleapis.com/envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig
                common_config:
                  log_name: otel_envoy_accesslog
                  grpc_service: { envoy_grpc: { cluster_name: "%s" } }
                  buffer_flush_interval: 0.2s
                  transport_api_version: V3
                body: { string_value: "[%%START_TIME%%] \\"%%REQ(:METHOD)%% %%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%% %%PROTOCOL%%\\" %%RESPONSE_CODE%% %%UPSTREAM_CLUSTER%%" }
                attributes:
                  values:
                  - { key: method, value: { string_value: "%%REQ(:METHOD)%%" } }
                  - { key: missing, value: { string_value: "%%REQ(X-ABSENT)%%" } }
                  - key: response
                    value: { kvlist_value: { values: [ { key: code, value: { string_value: "%%RESPONSE_CODE%%" } } ] } }
                  - key: paths
                    value: { array_value: { values: [ { string_value: "%%REQ(:PATH)%%" }, { string_value: "fixed" } ] } }
                resource_attributes: { values: [ { key: region, value: { string_value: cn-north-7 } } ] }
                """.formatted(COLLECTOR);
        return http(admin, port, upstream, collector, otel);
    }

    /**
     * An HTTP listener to cluster "up" whose only access log has this typed_config (YAML,
     * unindented), the collector's cluster beside it, and a node.
     */
    static String http(int admin, int port, int upstream, int collector, String typedConfig) {
        String yaml = Bootstraps.http(admin, port, "/dev/null", "- match: { prefix: \"/\" }\n  route: { cluster: up }",
                Bootstraps.cluster("up", false, null, upstream) + "\n"
                        + Bootstraps.cluster(COLLECTOR, true, null, collector));
        String fileLog = "\"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog\n"
                + "              path: /dev/null\n";
        assertTrue(yaml.contains(fileLog));
        yaml = yaml.replace(fileLog, Bootstraps.indent(typedConfig, 14).substring(14) + "\n");
        return yaml + NODE;
    }

    static final String NODE = "node: { id: sidecar~10.0.0.1~productpage.default, cluster: productpage.default,"
                + " locality: { zone: zone-a } }\n";

    private static String attr(List<KeyValue> kvs, String key) {
        for (KeyValue kv : kvs) {
            if (kv.getKey().equals(key)) {
                return kv.getValue().getStringValue();
            }
        }
        return null;
    }

    private static AnyValue value(List<KeyValue> kvs, String key) {
        return kvs.stream().filter(kv -> kv.getKey().equals(key)).findFirst().orElseThrow().getValue();
    }

    @Test
    void aRequestBecomesALogRecordWithTheFormattedBodyAndAttributes() throws Exception {
        try (LogsReceiver collector = new LogsReceiver(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port(), collector.server.getPort()),
                    admin)) {
                long before = System.currentTimeMillis();
                Curl r = Curl.get(port, "/orders?id=7");
                assertEquals(200, r.status());
                LogRecord rec = collector.next();
                assertNotNull(rec, "a log record reached the collector");
                String body = rec.getBody().getStringValue();
                assertTrue(body.startsWith("[20"), body);
                assertTrue(body.endsWith("] \"GET /orders?id=7 HTTP/1.1\" 200 up"), body);
                assertEquals("GET", attr(rec.getAttributesList(), "method"));
                assertEquals("-", attr(rec.getAttributesList(), "missing"));
                assertEquals("200", attr(value(rec.getAttributesList(), "response").getKvlistValue().getValuesList(),
                        "code"));
                List<AnyValue> paths = value(rec.getAttributesList(), "paths").getArrayValue().getValuesList();
                assertEquals("/orders?id=7", paths.get(0).getStringValue());
                assertEquals("fixed", paths.get(1).getStringValue());
                long startMillis = rec.getTimeUnixNano() / 1_000_000;
                assertTrue(startMillis >= before - 1000 && startMillis <= System.currentTimeMillis(),
                        "time_unix_nano is the stream's start: " + rec.getTimeUnixNano());

                List<KeyValue> resource = collector.resources.poll(5, TimeUnit.SECONDS).getResource().getAttributesList();
                assertEquals("otel_envoy_accesslog", attr(resource, "log_name"));
                assertEquals("zone-a", attr(resource, "zone_name"));
                assertEquals("productpage.default", attr(resource, "cluster_name"));
                assertEquals("sidecar~10.0.0.1~productpage.default", attr(resource, "node_name"));
                assertEquals("cn-north-7", attr(resource, "region"));

                assertEquals(200, Curl.get(port, "/second").status());
                LogRecord second = collector.next();
                assertNotNull(second);
                assertTrue(second.getBody().getStringValue().contains("\"GET /second HTTP/1.1\" 200"));
                long deadline = System.currentTimeMillis() + 10_000;
                while (proxy.stat("access_logs.open_telemetry_access_log.logs_written") < 2
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(2, proxy.stat("access_logs.open_telemetry_access_log.logs_written"));
                assertEquals(0, proxy.stat("access_logs.open_telemetry_access_log.logs_dropped"));
                assertTrue(rec.getTraceId().isEmpty(), "no tracing: no trace id");
            }
        }
    }

    @Test
    void aTracedStreamsRecordCarriesItsTraceAndSpanIds() throws Exception {
        try (LogsReceiver collector = new LogsReceiver(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = bootstrap(admin, port, up.port(), collector.server.getPort());
            int at = yaml.indexOf("stat_prefix: ingress\n");
            int indent = at - yaml.lastIndexOf('\n', at) - 1;
            String tracing = "tracing:\n" + Bootstraps.indent("""
                    random_sampling: { value: 100 }
                    provider:
                      name: envoy.tracers.opentelemetry
                      typed_config:
                        "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                        grpc_service: { envoy_grpc: { cluster_name: "%s" } }
                    """.formatted(COLLECTOR), 2);
            yaml = yaml.replace("stat_prefix: ingress\n", "stat_prefix: ingress\n"
                    + Bootstraps.indent(tracing, indent) + "\n");
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
                assertEquals(200, Curl.get(port, "/traced", "traceparent: 00-" + traceId + "-00f067aa0ba902b7-01")
                        .status());
                LogRecord rec = collector.next();
                assertNotNull(rec);
                assertEquals(traceId, HexFormat.of().formatHex(rec.getTraceId().toByteArray()));
                String proxySpan = up.lastHeaders.get("traceparent").split("-")[2];
                assertEquals(proxySpan, HexFormat.of().formatHex(rec.getSpanId().toByteArray()),
                        "the proxy's own span, the upstream's parent");
            }
        }
    }

    @Test
    void aDeadCollectorDropsEntriesAndRequestsStillSucceed() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            int dead = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(bootstrap(admin, port, up.port(), dead), admin)) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, Curl.get(port, "/orders").status());
                }
                long deadline = System.currentTimeMillis() + 15_000;
                while (proxy.stat("access_logs.open_telemetry_access_log.logs_dropped") < 3
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(3, proxy.stat("access_logs.open_telemetry_access_log.logs_dropped"));
                assertEquals(0, proxy.stat("access_logs.open_telemetry_access_log.logs_written"));
            }
        }
    }
}

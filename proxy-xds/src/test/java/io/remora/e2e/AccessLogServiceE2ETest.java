package io.remora.e2e;

import io.envoyproxy.envoy.data.accesslog.v3.HTTPAccessLogEntry;
import io.envoyproxy.envoy.data.accesslog.v3.TCPAccessLogEntry;
import io.envoyproxy.envoy.service.accesslog.v3.AccessLogServiceGrpc;
import io.envoyproxy.envoy.service.accesslog.v3.StreamAccessLogsMessage;
import io.envoyproxy.envoy.service.accesslog.v3.StreamAccessLogsResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The http_grpc and tcp_grpc loggers against a real AccessLogService collector. */
class AccessLogServiceE2ETest {

    /** A StreamAccessLogs receiver: every message, in order. */
    private static final class AlsReceiver implements AutoCloseable {
        final LinkedBlockingQueue<StreamAccessLogsMessage> messages = new LinkedBlockingQueue<>();
        final Server server;

        AlsReceiver() throws Exception {
            this(null);
        }

        /** @param tls the server's TLS, or null for plaintext */
        AlsReceiver(io.netty.handler.ssl.SslContext tls) throws Exception {
            NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
            if (tls != null) {
                b.sslContext(tls);
            }
            server = b
                    .addService(new AccessLogServiceGrpc.AccessLogServiceImplBase() {
                        @Override
                        public StreamObserver<StreamAccessLogsMessage> streamAccessLogs(
                                StreamObserver<StreamAccessLogsResponse> response) {
                            return new StreamObserver<>() {
                                @Override
                                public void onNext(StreamAccessLogsMessage m) {
                                    messages.add(m);
                                }

                                @Override
                                public void onError(Throwable t) {
                                }

                                @Override
                                public void onCompleted() {
                                    response.onNext(StreamAccessLogsResponse.getDefaultInstance());
                                    response.onCompleted();
                                }
                            };
                        }
                    }).build().start();
        }

        StreamAccessLogsMessage next() throws InterruptedException {
            return messages.poll(15, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            server.shutdownNow();
        }
    }

    private static String common(String logName) {
        return "common_config: { log_name: " + logName + ", grpc_service: { envoy_grpc: { cluster_name: \""
                + GrpcAccessLogE2ETest.COLLECTOR + "\" } }, buffer_flush_interval: 0.2s, transport_api_version: V3 }\n";
    }

    private static final String HTTP_GRPC = "\"@type\": type.googleapis.com/envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig\n"
            + common("http_envoy_accesslog")
            + "additional_request_headers_to_log: [X-Tenant, x-absent]\n"
            + "additional_response_headers_to_log: [content-type]\n";

    @Test
    void aRequestBecomesAnHttpEntryAfterTheIdentifier() throws Exception {
        try (AlsReceiver collector = new AlsReceiver(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(GrpcAccessLogE2ETest.http(admin, port, up.port(),
                    collector.server.getPort(), HTTP_GRPC), admin)) {
                assertEquals(200, Curl.get(port, "/orders?id=7", "x-tenant: acme", "referer: http://shop/",
                        "user-agent: test-agent").status());
                StreamAccessLogsMessage first = collector.next();
                assertNotNull(first, "the stream opened");
                assertEquals("sidecar~10.0.0.1~productpage.default", first.getIdentifier().getNode().getId());
                assertEquals("productpage.default", first.getIdentifier().getNode().getCluster());
                assertEquals("http_envoy_accesslog", first.getIdentifier().getLogName());
                assertFalse(first.hasHttpLogs() && first.getHttpLogs().getLogEntryCount() > 0,
                        "the identifier comes alone, first");
                StreamAccessLogsMessage logs = collector.next();
                assertNotNull(logs);
                assertFalse(logs.hasIdentifier(), "only the stream's first message names the node");
                HTTPAccessLogEntry e = logs.getHttpLogs().getLogEntry(0);
                assertEquals("GET", e.getRequest().getRequestMethod().name());
                assertEquals("/orders?id=7", e.getRequest().getPath());
                assertEquals("127.0.0.1:" + port, e.getRequest().getAuthority());
                assertEquals("http", e.getRequest().getScheme());
                assertEquals("test-agent", e.getRequest().getUserAgent());
                assertEquals("http://shop/", e.getRequest().getReferer());
                assertFalse(e.getRequest().getRequestId().isEmpty());
                assertEquals(Map.of("x-tenant", "acme"), e.getRequest().getRequestHeadersMap());
                assertTrue(e.getRequest().getRequestHeadersBytes() > 0);
                assertEquals(200, e.getResponse().getResponseCode().getValue());
                assertEquals("via_upstream", e.getResponse().getResponseCodeDetails());
                assertEquals(2, e.getResponse().getResponseBodyBytes());
                assertTrue(e.getResponse().getResponseHeadersMap().containsKey("content-type"));
                assertEquals(HTTPAccessLogEntry.HTTPVersion.HTTP11, e.getProtocolVersion());
                var common = e.getCommonProperties();
                assertEquals("up", common.getUpstreamCluster());
                assertEquals(up.port(), common.getUpstreamRemoteAddress().getSocketAddress().getPortValue());
                assertEquals("127.0.0.1", common.getDownstreamRemoteAddress().getSocketAddress().getAddress());
                assertEquals(port, common.getDownstreamLocalAddress().getSocketAddress().getPortValue());
                long startMillis = common.getStartTime().getSeconds() * 1000 + common.getStartTime().getNanos() / 1_000_000;
                assertTrue(Math.abs(System.currentTimeMillis() - startMillis) < 60_000, "start time is now-ish");
                assertTrue(common.hasTimeToLastDownstreamTxByte());
                assertFalse(common.hasResponseFlags());
                // The byte meters, as Envoy's utility copies them: the response's wire bytes are its
                // field lines, the status line, the empty line and the 2-byte body.
                long statusLineAndEnd = "HTTP/1.1 200 OK\r\n".length() + 2 + 2;
                assertTrue(e.getRequest().getDownstreamHeaderBytesReceived() > 0, e.toString());
                assertTrue(common.getDownstreamWireBytesReceived() > e.getRequest().getDownstreamHeaderBytesReceived(),
                        e.toString());
                assertEquals(e.getResponse().getDownstreamHeaderBytesSent() + statusLineAndEnd,
                        common.getDownstreamWireBytesSent(), e.toString());
                assertTrue(e.getRequest().getUpstreamHeaderBytesSent() > 0, e.toString());
                assertTrue(common.getUpstreamWireBytesSent() > e.getRequest().getUpstreamHeaderBytesSent(), e.toString());
                // Received header bytes are Envoy's name and value plus 3, one less than "name: value\r\n".
                assertTrue(e.getResponse().getUpstreamHeaderBytesReceived() > 0, e.toString());
                assertTrue(common.getUpstreamWireBytesReceived() > e.getResponse().getUpstreamHeaderBytesReceived()
                        + statusLineAndEnd, e.toString());

                // The next entry goes on the same stream: no second identifier.
                assertEquals(200, Curl.get(port, "/again").status());
                StreamAccessLogsMessage again = collector.next();
                assertNotNull(again);
                assertFalse(again.hasIdentifier());
                assertEquals("/again", again.getHttpLogs().getLogEntry(0).getRequest().getPath());
                assertEquals(2, proxy.stat("access_logs.grpc_access_log.logs_written"));
            }
        }
    }

    /** The collector's cluster has a TLS transport socket: the stream goes over it, the server verified by the CA. */
    @Test
    void theStreamRunsOverTheCollectorClustersTls() throws Exception {
        java.nio.file.Path certs = io.remora.testing.TempPaths.directory("als-tls");
        io.remora.testing.TestCerts.Ca ca = io.remora.testing.TestCerts.ca("als-ca");
        java.nio.file.Path server = ca.issue("collector", "spiffe://cluster.local/ns/obs/sa/collector").write(certs, "server");
        java.nio.file.Files.writeString(certs.resolve("ca.pem"), ca.pem());
        io.netty.handler.ssl.SslContext tls = io.grpc.netty.GrpcSslContexts.forServer(
                certs.resolve("server-cert.pem").toFile(), certs.resolve("server-key.pem").toFile()).build();
        try (AlsReceiver collector = new AlsReceiver(tls); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String transport = """
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                          common_tls_context:
                            validation_context:
                              trusted_ca: { filename: "%s" }
                              match_typed_subject_alt_names:
                              - san_type: URI
                                matcher: { exact: "spiffe://cluster.local/ns/obs/sa/collector" }
                    """.formatted(certs.resolve("ca.pem"));
            String yaml = GrpcAccessLogE2ETest.http(admin, port, up.port(), collector.server.getPort(), HTTP_GRPC);
            String name = "- name: " + GrpcAccessLogE2ETest.COLLECTOR + "\n";
            int at = yaml.indexOf(name);
            String indent = yaml.substring(yaml.lastIndexOf('\n', at) + 1, at);
            yaml = yaml.substring(0, at + name.length())
                    + transport.lines().map(l -> indent + l + "\n").collect(java.util.stream.Collectors.joining())
                    + yaml.substring(at + name.length());
            assertTrue(yaml.contains("UpstreamTlsContext"), yaml);
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                assertEquals(200, Curl.get(port, "/over-tls").status());
                StreamAccessLogsMessage first = collector.next();
                assertNotNull(first, "the stream opened over TLS");
                StreamAccessLogsMessage logs = first.hasHttpLogs() ? first : collector.next();
                assertNotNull(logs);
                assertEquals("/over-tls", logs.getHttpLogs().getLogEntry(0).getRequest().getPath());
            }
        }
    }

    @Test
    void aDeadServiceDropsEntriesAndRequestsStillSucceed() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            try (ProxyProcess proxy = ProxyProcess.start(GrpcAccessLogE2ETest.http(admin, port, up.port(),
                    ProxyProcess.freePort(), HTTP_GRPC), admin)) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, Curl.get(port, "/orders").status());
                }
                long deadline = System.currentTimeMillis() + 15_000;
                while (proxy.stat("access_logs.grpc_access_log.logs_dropped") < 3 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(3, proxy.stat("access_logs.grpc_access_log.logs_dropped"));
                assertEquals(0, proxy.stat("access_logs.grpc_access_log.logs_written"));
            }
        }
    }

    @Test
    void aTcpProxyConnectionBecomesATcpEntry() throws Exception {
        try (AlsReceiver collector = new AlsReceiver(); TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String tcp = Bootstraps.tcpListener("tcp", "up", "access_log:\n- name: envoy.access_loggers.tcp_grpc\n"
                    + "  typed_config:\n" + Bootstraps.indent(
                    "\"@type\": type.googleapis.com/envoy.extensions.access_loggers.grpc.v3.TcpGrpcAccessLogConfig\n"
                            + common("tcp_envoy_accesslog"), 4));
            String yaml = Bootstraps.listeners(admin, tcp, Bootstraps.cluster("up", false, null, up.port()) + "\n"
                    + Bootstraps.cluster(GrpcAccessLogE2ETest.COLLECTOR, true, null, collector.server.getPort()),
                    Map.of("tcp", port)) + GrpcAccessLogE2ETest.NODE;
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                Curl r = Curl.get(port, "/through-tcp");
                assertEquals(200, r.status());
                assertEquals("tcp_envoy_accesslog", collector.next().getIdentifier().getLogName());
                StreamAccessLogsMessage logs = collector.next();
                assertNotNull(logs);
                TCPAccessLogEntry e = logs.getTcpLogs().getLogEntry(0);
                assertEquals("up", e.getCommonProperties().getUpstreamCluster());
                assertEquals(up.port(), e.getCommonProperties().getUpstreamRemoteAddress().getSocketAddress().getPortValue());
                assertTrue(e.getConnectionProperties().getReceivedBytes() > 0);
                assertTrue(e.getConnectionProperties().getSentBytes() > e.getConnectionProperties().getReceivedBytes() / 10);
                // tcp_proxy's meters: what it relayed each way, on both sides.
                var common = e.getCommonProperties();
                assertEquals(e.getConnectionProperties().getReceivedBytes(), common.getDownstreamWireBytesReceived());
                assertEquals(e.getConnectionProperties().getSentBytes(), common.getDownstreamWireBytesSent());
                assertEquals(e.getConnectionProperties().getReceivedBytes(), common.getUpstreamWireBytesSent());
                assertEquals(e.getConnectionProperties().getSentBytes(), common.getUpstreamWireBytesReceived());
                // Envoy's utility copies the stream id provider: tcp_proxy's UUID for the connection.
                assertTrue(common.getStreamId().matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
                        common.getStreamId());
            }
        }
    }
}

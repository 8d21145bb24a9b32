package io.remora.e2e;

import io.remora.testing.RawH2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/2 CONNECTs this proxy terminates, after Envoy's tcp_tunneling_integration_test.cc
 * ConnectTerminationIntegrationTest: BuggyHeaders (a CONNECT whose HEADERS end the stream is a
 * half-close: the upstream gets its FIN, and its own FIN ends the answer cleanly, no reset) and
 * BasicMaxStreamDuration (the cluster's max_stream_duration resets the tunnel's stream and counts
 * upstream_rq_max_duration_reached). The client is a raw HTTP/2 peer; the upstream a TCP echo that
 * writes "bye" after the client's FIN, then closes.
 */
class ConnectTerminationH2E2ETest {

    static UpgradeE2ETest.TunnelEcho echo;
    static ProxyProcess proxy;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        echo = new UpgradeE2ETest.TunnelEcho(false);
        int admin = ProxyProcess.freePort();
        port = ProxyProcess.freePort();
        String listener = Bootstraps.httpListenerWithHosts("terminate", "", """
                codec_type: HTTP2
                upgrade_configs: [{ upgrade_type: CONNECT }]
                http2_protocol_options: { allow_connect: true }
                """, """
                - name: short
                  domains: ["short.test:1"]
                  routes:
                  - match: { connect_matcher: {} }
                    route:
                      cluster: short_echo
                      upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }]
                - name: echo
                  domains: ["*"]
                  routes:
                  - match: { connect_matcher: {} }
                    route:
                      cluster: echo
                      upgrade_configs: [{ upgrade_type: CONNECT, connect_config: {} }]
                """);
        String clusters = Bootstraps.cluster("echo", false, null, echo.port()) + "\n"
                + Bootstraps.cluster("short_echo", false, """
                          typed_extension_protocol_options:
                            envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                              "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                              common_http_protocol_options: { max_stream_duration: 1s }
                              explicit_http_config: { http_protocol_options: {} }
                        """, echo.port());
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listener, clusters, Map.of("terminate", port)), admin);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[]{proxy, echo}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void aConnectWhoseHeadersEndTheStreamIsAHalfClose() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", port)) {
            h2.readTimeout(10_000);
            h2.request(1, true, ":method", "CONNECT", ":authority", "echo.test:1").flush();
            byte[] status = null;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean ended = false;
            while (!ended) {
                RawH2.Frame f = h2.read();
                assertTrue(f != null, "the stream must end before the connection does");
                if (f.streamId() != 1) {
                    continue;
                }
                assertTrue(f.type() != RawH2.RST_STREAM, () -> "no reset: " + proxy.log());
                if (f.type() == RawH2.HEADERS && status == null) {
                    status = f.payload();
                } else if (f.type() == RawH2.DATA) {
                    body.write(f.payload());
                }
                ended = (f.type() == RawH2.HEADERS || f.type() == RawH2.DATA) && (f.flags() & 0x1) != 0;
            }
            // HPACK's static entry 8 is ":status: 200", how an encoder sends it.
            assertTrue(status != null && status.length > 0 && (status[0] & 0xff) == 0x88, "a 200 before the end");
            assertEquals("bye", body.toString(StandardCharsets.US_ASCII),
                    "the upstream saw the client's FIN at once and answered it");
        }
    }

    @Test
    void theClustersMaxStreamDurationResetsTheTunnel() throws Exception {
        try (RawH2 h2 = new RawH2("127.0.0.1", port)) {
            h2.readTimeout(15_000);
            h2.request(1, false, ":method", "CONNECT", ":authority", "short.test:1").flush();
            h2.frame(RawH2.DATA, 0, 1, "ping".getBytes(StandardCharsets.US_ASCII)).flush();
            long start = System.nanoTime();
            StringBuilder echoed = new StringBuilder();
            RawH2.Frame f;
            do {
                f = h2.read();
                assertTrue(f != null, () -> "the stream must be reset before the connection closes: " + proxy.log());
                if (f.streamId() == 1 && f.type() == RawH2.DATA) {
                    echoed.append(new String(f.payload(), StandardCharsets.US_ASCII));
                }
            } while (f.streamId() != 1 || f.type() != RawH2.RST_STREAM);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("ping", echoed.toString(), "the tunnel ran until then");
            assertTrue(took >= 800, "reset after " + took + " ms, before max_stream_duration");
            assertEquals(1.0, proxy.metric(
                    "envoy_cluster_upstream_rq_max_duration_reached{envoy_cluster_name=\"short_echo\"}"));
        }
    }
}

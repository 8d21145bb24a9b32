package io.remora.e2e;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.data.tap.v3.SocketBufferedTrace;
import io.envoyproxy.envoy.data.tap.v3.SocketEvent;
import io.envoyproxy.envoy.data.tap.v3.TraceWrapper;
import io.remora.testing.TempPaths;
import io.remora.testing.TestCerts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.remora.xds.ads.TestControlPlane.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.transport_sockets.tap} around raw_buffer on tcp_proxy listeners, through a real
 * proxy to an echo upstream: the connection's reads and writes land in {@code file_per_tap} files.
 */
class TapSocketE2ETest {

    static ServerSocket echo;
    static ProxyProcess proxy;
    static Path dir;
    static int plain;
    static int cut;
    static int streamed;
    static int tls;
    static int byAdmin;
    static int upstream;
    static TestCerts.Ca ca;

    @BeforeAll
    static void start() throws Exception {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        TcpEcho.serve(echo);
        dir = TempPaths.directory("tapsocket");
        int admin = ProxyProcess.freePort();
        plain = ProxyProcess.freePort();
        cut = ProxyProcess.freePort();
        streamed = ProxyProcess.freePort();
        tls = ProxyProcess.freePort();
        byAdmin = ProxyProcess.freePort();
        upstream = ProxyProcess.freePort();
        ca = TestCerts.ca("tap-ca");
        ca.issue("proxy.test").write(dir, "server");
        String listeners = tapped("plain", toFiles("plain", "", "JSON_BODY_AS_BYTES"), RAW) + "\n"
                + tapped("cut", toFiles("cut", "max_buffered_rx_bytes: 3\nmax_buffered_tx_bytes: 8",
                "JSON_BODY_AS_STRING"), RAW) + "\n"
                + tapped("streamed", toFiles("streamed", "streaming: true\nmax_buffered_tx_bytes: 2",
                "PROTO_BINARY_LENGTH_DELIMITED"), RAW) + "\n"
                + tapped("tls", toFiles("tls", "", "JSON_BODY_AS_STRING"), Bootstraps.downstreamTls(dir, "server")) + "\n"
                + tapped("admin", "admin_config: { config_id: sock }", RAW) + "\n"
                + Bootstraps.tcpListener("upstream", "tapped");
        String clusters = Bootstraps.cluster("echo", false, null, echo.getLocalPort()) + "\n"
                + Bootstraps.cluster("tapped", false, Bootstraps.indent(tapSocket(toFiles("up", "", "JSON_BODY_AS_STRING"),
                RAW), 2) + "\n", echo.getLocalPort());
        String yaml = Bootstraps.listeners(admin, listeners, clusters,
                Map.of("plain", plain, "cut", cut, "streamed", streamed, "tls", tls, "admin", byAdmin,
                "upstream", upstream));
        proxy = ProxyProcess.start(yaml, admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        echo.close();
    }

    static final String RAW = "transport_socket: { name: envoy.transport_sockets.raw_buffer }";

    /** A tcp_proxy listener to the echo whose chain's transport socket is a tap around {@code inner}. */
    private static String tapped(String name, String commonConfig, String inner) {
        return Bootstraps.tcpListener(name, "echo").replace("  - filters:\n",
                "  - " + Bootstraps.indent(tapSocket(commonConfig, inner), 4).stripLeading() + "\n    filters:\n");
    }

    /** A {@code transport_socket} block: the tap with {@code commonConfig} around {@code inner}. */
    private static String tapSocket(String commonConfig, String inner) {
        return """
                transport_socket:
                  name: envoy.transport_sockets.tap
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tap.v3.Tap
                    common_config:
                COMMON
                INNER
                """.replace("COMMON\n", Bootstraps.indent(commonConfig, 6) + "\n")
                .replace("INNER\n", Bootstraps.indent(inner, 4) + "\n");
    }

    /** A static any_match config writing {@code <dir>/<name>_<id>} files with these output_config fields. */
    private static String toFiles(String name, String outputFields, String format) {
        return """
                static_config:
                  match: { any_match: true }
                  output_config:
                OUTPUT
                    sinks:
                    - format: FORMAT
                      file_per_tap: { path_prefix: "PREFIX" }
                """.replace("OUTPUT\n", outputFields.isEmpty() ? "" : Bootstraps.indent(outputFields, 4) + "\n")
                .replace("FORMAT", format).replace("PREFIX", dir.resolve(name).toString());
    }

    /** Sends {@code text}, reads its echo, closes. */
    private static void roundTrip(int port, String text) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            byte[] sent = text.getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(sent);
            byte[] back = s.getInputStream().readNBytes(sent.length);
            assertEquals(text, new String(back, StandardCharsets.UTF_8));
        }
    }

    @Test
    void aBufferedTraceHoldsTheReadAndTheEchoedWrite() throws Exception {
        roundTrip(plain, "hello");
        SocketBufferedTrace t = jsonTrace("plain_");
        assertEquals(List.of("hello"), data(t, true));
        assertEquals(List.of("hello"), data(t, false));
        assertFalse(t.getReadTruncated());
        assertFalse(t.getWriteTruncated());
        assertEquals("127.0.0.1", t.getConnection().getRemoteAddress().getSocketAddress().getAddress());
        assertEquals(plain, t.getConnection().getLocalAddress().getSocketAddress().getPortValue());
        assertTrue(t.getTraceId() > 0, "the connection's id");
        assertTrue(t.getEvents(0).hasTimestamp());
    }

    @Test
    void maxBufferedBytesCutTheTraceAndSaySo() throws Exception {
        roundTrip(cut, "abcdef");
        SocketBufferedTrace t = jsonTrace("cut_");
        assertEquals("abc", String.join("", data(t, true)));
        assertTrue(t.getReadTruncated());
        assertEquals("abcdef", String.join("", data(t, false)), "within max_buffered_tx_bytes");
        assertFalse(t.getWriteTruncated());
    }

    @Test
    void aStreamedTraceIsTheConnectionThenEachEventThenTheClose() throws Exception {
        roundTrip(streamed, "hello");
        Path file = awaitFile("streamed_");
        List<TraceWrapper> segments = new ArrayList<>();
        await("the closed segment", () -> {
            segments.clear();
            try (InputStream in = Files.newInputStream(file)) {
                for (TraceWrapper w; (w = TraceWrapper.parseDelimitedFrom(in)) != null; ) {
                    segments.add(w);
                }
            } catch (Exception e) {
                return false; // still being written
            }
            return !segments.isEmpty() && segments.get(segments.size() - 1).getSocketStreamedTraceSegment()
                    .getEvent().hasClosed();
        });
        long id = segments.get(0).getSocketStreamedTraceSegment().getTraceId();
        assertEquals(streamed, segments.get(0).getSocketStreamedTraceSegment().getConnection().getLocalAddress()
                .getSocketAddress().getPortValue(), "the connection comes first");
        StringBuilder read = new StringBuilder();
        List<String> writes = new ArrayList<>();
        for (TraceWrapper w : segments) {
            assertEquals(id, w.getSocketStreamedTraceSegment().getTraceId());
            SocketEvent e = w.getSocketStreamedTraceSegment().getEvent();
            if (e.hasRead()) {
                read.append(e.getRead().getData().getAsBytes().toStringUtf8());
            } else if (e.hasWrite()) {
                writes.add(e.getWrite().getData().getAsBytes().toStringUtf8());
            }
        }
        assertEquals("hello", read.toString());
        assertFalse(writes.isEmpty());
        assertTrue("hello".startsWith(writes.get(0)), writes.toString());
        assertTrue(writes.stream().allMatch(w -> !w.isEmpty() && w.length() <= 2),
                "each write cut at max_buffered_tx_bytes: " + writes);
    }

    /** Through a tap around tls: the trace holds what the client sent and got, decrypted. */
    @Test
    void aTapAroundTlsRecordsThePlaintext() throws Exception {
        assertEquals("hi", RbacMtlsE2ETest.echoOnce(RbacMtlsE2ETest.client(ca.issue("client.test"), ca), tls));
        SocketBufferedTrace t = jsonTrace("tls_");
        assertEquals("hi", String.join("", data(t, true)));
        assertEquals("hi", String.join("", data(t, false)));
        assertTrue(t.getEvents(0).getRead().getData().hasAsString(), "JSON_BODY_AS_STRING");
    }

    /** A cluster's tap: what the proxy sent upstream is a write, the echo a read. */
    @Test
    void aClusterTapRecordsTheUpstreamConnection() throws Exception {
        roundTrip(upstream, "hello");
        SocketBufferedTrace t = jsonTrace("up_");
        assertEquals("hello", String.join("", data(t, false)));
        assertEquals("hello", String.join("", data(t, true)));
        assertEquals(echo.getLocalPort(), t.getConnection().getRemoteAddress().getSocketAddress().getPortValue());
        assertTrue(t.getConnection().getLocalAddress().getSocketAddress().getPortValue() > 0);
    }

    /** An admin_config tap records nothing until a /tap session for its id streams its traces. */
    @Test
    void aTapSessionStreamsTheConnectionsOfItsConfigId() throws Exception {
        roundTrip(byAdmin, "before");
        String body = """
                config_id: sock
                tap_config:
                  match: { any_match: true }
                  output_config:
                    sinks: [{ format: PROTO_BINARY_LENGTH_DELIMITED, streaming_admin: {} }]
                """;
        Process curl = new ProcessBuilder("curl", "-sS", "-N", "--max-time", "60", "-X", "POST", "--data-binary", body,
                proxy.adminUri("/tap").toString()).start();
        java.util.concurrent.BlockingQueue<TraceWrapper> traces = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (InputStream in = curl.getInputStream()) {
                for (TraceWrapper w; (w = TraceWrapper.parseDelimitedFrom(in)) != null; ) {
                    traces.add(w);
                }
            } catch (Exception e) {
                // the stream ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            // Nothing tells when the session is attached: connect until a trace comes.
            TraceWrapper got = null;
            for (int i = 0; got == null && i < 50; i++) {
                roundTrip(byAdmin, "probe " + i);
                got = traces.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            assertTrue(got != null && got.hasSocketBufferedTrace(), String.valueOf(got));
            String read = String.join("", data(got.getSocketBufferedTrace(), true));
            assertTrue(read.startsWith("probe "), read);
            assertEquals(List.of(read), data(got.getSocketBufferedTrace(), false));
            assertTrue(files("admin_").isEmpty(), "an admin tap writes no files");
        } finally {
            curl.destroy();
        }
    }

    private static List<String> data(SocketBufferedTrace t, boolean reads) {
        List<String> out = new ArrayList<>();
        for (SocketEvent e : t.getEventsList()) {
            if (reads && e.hasRead()) {
                out.add(text(e.getRead().getData()));
            } else if (!reads && e.hasWrite()) {
                out.add(text(e.getWrite().getData()));
            }
        }
        return out;
    }

    private static String text(io.envoyproxy.envoy.data.tap.v3.Body b) {
        return b.hasAsString() ? b.getAsString() : b.getAsBytes().toStringUtf8();
    }

    private static SocketBufferedTrace jsonTrace(String prefix) throws Exception {
        Path file = awaitFile(prefix);
        TraceWrapper.Builder b = TraceWrapper.newBuilder();
        await("a whole trace in " + file, () -> {
            try {
                b.clear();
                JsonFormat.parser().merge(Files.readString(file), b);
                return b.hasSocketBufferedTrace();
            } catch (Exception e) {
                return false; // still being written
            }
        });
        return b.getSocketBufferedTrace();
    }

    private static Path awaitFile(String prefix) {
        await("a tap file " + prefix, () -> !files(prefix).isEmpty());
        List<Path> all = files(prefix);
        assertEquals(1, all.size(), "one file per connection: " + all);
        return all.get(0);
    }

    private static List<Path> files(String prefix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

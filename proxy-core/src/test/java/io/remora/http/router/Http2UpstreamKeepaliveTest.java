package io.remora.http.router;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.Http2Options;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.HcmHarness;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upstream HTTP/2 connection_keepalive: the proxy's pooled connection to a raw HTTP/2 upstream
 * that answers PINGs or does not. Unanswered, the connection is closed after the timeout (the
 * request on it fails, cluster.&lt;name&gt;.http2.keepalive_timeout counts it); answered, a slow
 * response still arrives; connection_idle_interval sends a PING ahead of a stream on a connection
 * that received nothing for that long.
 */
class Http2UpstreamKeepaliveTest {
    static {
        LeakCheck.install();
    }

    static final Transport TRANSPORT = Transport.detect();
    private RawUpstream upstream;
    private HcmHarness hcm;
    private TestServerContext ctx;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() throws Exception {
        if (hcm != null) {
            hcm.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        List<String> leaks = LeakCheck.leaks();
        assertTrue(leaks.isEmpty(), () -> "ByteBuf leaks: " + leaks);
    }

    private void start(boolean acks, long respondAfterMs, Http2Options.Keepalive k) throws Exception {
        upstream = new RawUpstream(acks, respondAfterMs);
        ctx = new TestServerContext(TRANSPORT);
        Http2Options o = Http2Options.DEFAULT;
        ClusterConfig cc = FixedCluster.config("h2ka", UpstreamProtocol.HTTP2).toBuilder()
                .http2Options(new Http2Options(o.maxConcurrentStreams(), o.initialStreamWindowSize(),
                        o.initialConnectionWindowSize(), false, k)).build();
        ctx.add(new FixedCluster(cc, ctx.stats, FixedCluster.hosts(upstream.address())));
        hcm = new HcmHarness(TRANSPORT, ctx, new RouterFilterProvider(),
                List.of(HcmHarness.route("/", "h2ka", null, Duration.ofSeconds(10))));
    }

    private int get() throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + hcm.address().getPort() + "/");
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private double timeouts() {
        return ctx.stats.cluster("h2ka").http2KeepaliveTimeout.count();
    }

    @Test
    void upstreamThatNeverAnswersPingsIsClosed() throws Exception {
        start(false, -1, new Http2Options.Keepalive(100, 200, 0, 0));
        long t0 = System.nanoTime();
        assertEquals(503, get(), "the request on the dead connection fails");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5_000, "took " + ms + " ms");
        assertEquals(1, timeouts());
        assertEquals("cluster.h2ka.http2.keepalive_timeout",
                io.remora.stats.StatNames.envoyName(ctx.stats.cluster("h2ka").http2KeepaliveTimeout.getId()));
        assertTrue(upstream.pings.get() >= 1);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (upstream.closed.get() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, upstream.closed.get(), "the upstream saw its connection closed");
    }

    @Test
    void upstreamThatAnswersPingsKeepsTheConnection() throws Exception {
        // The response comes well after interval + timeout: only the ACKs keep the connection.
        start(true, 1_500, new Http2Options.Keepalive(100, 500, 0, 0));
        assertEquals(200, get());
        assertTrue(upstream.pings.get() >= 3, "PINGs while the response was slow (1.5 s): " + upstream.pings.get());
        assertEquals(0, timeouts());
        assertEquals(1, upstream.accepted.get());
        assertEquals(0, upstream.closed.get());
    }

    @Test
    void idleConnectionIsPingedBeforeItsNextStream() throws Exception {
        // No interval PINGs: only connection_idle_interval.
        start(false, 0, new Http2Options.Keepalive(0, 300, 0, 100));
        assertEquals(200, get());
        assertEquals(0, upstream.pings.get(), "a fresh connection is not pinged");
        Thread.sleep(400);
        assertEquals(200, get());
        assertEquals(1, upstream.pings.get(), "one PING ahead of the stream on the idle connection");
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (timeouts() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, timeouts(), "the unanswered PING closed the connection");
        assertEquals(1, upstream.accepted.get());
    }

    /** HTTP/2 prior knowledge, frame by frame: answers each request with an empty 200 (after a delay, or never). */
    static final class RawUpstream implements AutoCloseable {
        final AtomicInteger pings = new AtomicInteger();
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        private final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final boolean acks;
        private final long respondAfterMs;

        RawUpstream(boolean acks, long respondAfterMs) throws IOException {
            this.acks = acks;
            this.respondAfterMs = respondAfterMs;
            Thread t = new Thread(this::accept, "raw-h2-upstream");
            t.setDaemon(true);
            t.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", server.getLocalPort());
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.incrementAndGet();
                    Thread t = new Thread(() -> serve(s), "raw-h2-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                in.readFully(new byte[24]); // the client preface
                write(out, 4, 0, 0, new byte[0]); // our SETTINGS
                while (true) {
                    int len = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
                    int type = in.readUnsignedByte();
                    int flags = in.readUnsignedByte();
                    int stream = in.readInt() & 0x7fffffff;
                    byte[] payload = new byte[len];
                    in.readFully(payload);
                    if (type == 4 && (flags & 1) == 0) {
                        write(out, 4, 1, 0, new byte[0]); // SETTINGS ACK
                    } else if (type == 6 && (flags & 1) == 0) {
                        pings.incrementAndGet();
                        if (acks) {
                            write(out, 6, 1, 0, payload);
                        }
                    } else if (type == 1 && respondAfterMs >= 0) {
                        respond(out, stream);
                    }
                }
            } catch (IOException | InterruptedException e) {
                closed.incrementAndGet();
            }
        }

        private void respond(OutputStream out, int stream) throws InterruptedException {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(respondAfterMs);
                    write(out, 1, 0x5, stream, new byte[] {(byte) 0x88}); // :status 200, END_HEADERS|END_STREAM
                } catch (IOException | InterruptedException ignored) {
                    // the connection went
                }
            });
            t.setDaemon(true);
            t.start();
        }

        private static void write(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
            synchronized (out) {
                byte[] f = new byte[9 + payload.length];
                f[0] = (byte) (payload.length >>> 16);
                f[1] = (byte) (payload.length >>> 8);
                f[2] = (byte) payload.length;
                f[3] = (byte) type;
                f[4] = (byte) flags;
                f[5] = (byte) (stream >>> 24 & 0x7f);
                f[6] = (byte) (stream >>> 16);
                f[7] = (byte) (stream >>> 8);
                f[8] = (byte) stream;
                System.arraycopy(payload, 0, f, 9, payload.length);
                out.write(f);
                out.flush();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}

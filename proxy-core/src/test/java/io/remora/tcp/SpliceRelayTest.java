package io.remora.tcp;

import static io.remora.tcp.TestNet.chain;
import static io.remora.tcp.TestNet.listener;
import static io.remora.tcp.TestNet.serverConfig;
import static io.remora.tcp.TestNet.tcpListener;
import static io.remora.tcp.TestNet.tcpProxy;
import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.accesslog.AccessLog;
import io.remora.accesslog.StreamInfo;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterSpecifier;
import io.remora.config.FilterChainMatch;
import io.remora.config.ServerConfig;
import io.remora.server.Server;
import io.remora.server.ServerOptions;
import io.remora.server.Transport;
import io.remora.stats.StatsRegistry;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * tcp_proxy relaying with splice(2) (epoll) and, for comparison, through user space: the same
 * bytes, counts, half-closes and timeouts either way. Each test also checks which path ran, from
 * the session's debug line.
 */
class SpliceRelayTest {
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    private final List<StreamInfo> logged = new CopyOnWriteArrayList<>();
    private final List<String> debugLines = new CopyOnWriteArrayList<>();
    private final Logger filterLog = io.remora.log.Logging.logger("filter");
    private Level oldLevel;
    private final boolean spliceDefault = SpliceRelay.enabled;
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            debugLines.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureDebug() {
        oldLevel = filterLog.getLevel();
        filterLog.setLevel(Level.FINE);
        filterLog.addHandler(capture);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        filterLog.removeHandler(capture);
        filterLog.setLevel(oldLevel);
        SpliceRelay.enabled = spliceDefault;
    }

    private Server start(ServerConfig config, boolean splice) {
        Assumptions.assumeTrue(!splice || Transport.detect().kind() == Transport.Kind.EPOLL, "splice needs epoll");
        SpliceRelay.enabled = splice;
        Server server = new Server(new ServerOptions(1, Transport.detect(), Duration.ofSeconds(5), Duration.ofSeconds(10),
                io.remora.server.DrainStrategy.IMMEDIATE),
                new StatsRegistry(), List.of(new TcpProxyFactory()), List.of(new StartOnlyProvider(), new ByteCountingProvider()));
        AccessLog log = logged::add;
        server.accessLogFactory(cfgs -> List.of(log));
        closeables.add(0, server);
        server.start(config);
        return server;
    }

    private void assertPath(boolean splice) throws InterruptedException {
        TcpProxyTest.waitFor(() -> debugLines.stream().anyMatch(l -> l.contains("tcp_proxy splices")
                || l.contains("tcp_proxy copies")));
        String want = splice ? "tcp_proxy splices" : "tcp_proxy copies";
        assertTrue(debugLines.stream().anyMatch(l -> l.contains(want)), "expected '" + want + "' in " + debugLines);
    }

    private static Socket connect(Server s) throws Exception {
        Socket sock = new Socket("127.0.0.1", ((InetSocketAddress) s.boundAddress("l")).getPort());
        sock.setSoTimeout(20_000);
        return sock;
    }

    private static byte[] readAll(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private Server echoProxy(boolean splice) {
        TestNet.EchoServer e = new TestNet.EchoServer();
        closeables.add(e);
        return start(serverConfig(List.of(tcpListener("l", "echo")),
                List.of(staticCluster("echo", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", e.port())))), splice);
    }

    @org.junit.jupiter.api.Test
    void largeTransferBothWaysCountsEveryByteSpliced() throws Exception {
        largeTransferBothWaysCountsEveryByte(true);
    }

    /**
     * Before EpollInterestGuard this lost the tail about 3 runs in 10: the client half-closes, the
     * downstream channel's epoll interest went empty, Netty dropped it from the epoll set, and the
     * EPOLLOUT asked for when the echo outgrew the send buffer failed with ENOENT.
     */
    @org.junit.jupiter.api.Test
    void largeTransferBothWaysCountsEveryByteCopied() throws Exception {
        largeTransferBothWaysCountsEveryByte(false);
    }

    private void largeTransferBothWaysCountsEveryByte(boolean splice) throws Exception {
        Server s = echoProxy(splice);
        byte[] data = new byte[48 * 1024 * 1024 + 12345];
        new Random(7).nextBytes(data);
        byte[] got;
        try (Socket sock = connect(s)) {
            AtomicReference<Exception> failed = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = sock.getOutputStream();
                    for (int off = 0; off < data.length; off += 100_000) {
                        out.write(data, off, Math.min(100_000, data.length - off));
                    }
                    sock.shutdownOutput();
                } catch (Exception ex) {
                    failed.set(ex);
                }
            });
            writer.start();
            got = readAll(sock.getInputStream()); // the echo, then the server's "bye" and FIN
            writer.join();
            assertEquals(null, failed.get());
        }
        assertEquals(data.length + 3, got.length);
        assertArrayEquals(data, java.util.Arrays.copyOf(got, data.length));
        assertEquals("bye", new String(got, data.length, 3));
        assertPath(splice);
        TcpProxyTest.waitFor(() -> logged.size() == 1);
        StreamInfo info = logged.get(0);
        assertEquals(data.length, info.bytesReceived);
        assertEquals(data.length + 3L, info.bytesSent);
        var cs = s.clusterManager().get("echo").stats();
        assertEquals((double) data.length, cs.upstreamCxTxBytesTotal.count());
        assertEquals(data.length + 3.0, cs.upstreamCxRxBytesTotal.count());
        TcpProxyTest.waitFor(() -> cs.upstreamCxActive.get() == 0);
        assertEquals(1.0, cs.upstreamCxDestroy.count());
    }

    /** The upstream ends first (FIN), then still reads what the client sends after it. */
    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void upstreamHalfCloseStillCarriesTheClientsBytes(boolean splice) throws Exception {
        ServerSocket upstream = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        closeables.add(upstream);
        AtomicReference<String> heard = new AtomicReference<>();
        Thread peer = new Thread(() -> {
            try (Socket c = upstream.accept()) {
                Thread.sleep(300); // the proxy has switched (when splicing) before the first byte
                c.getOutputStream().write("hello".getBytes());
                c.shutdownOutput();
                heard.set(new String(readAll(c.getInputStream())));
            } catch (Exception e) {
                heard.set("failed: " + e);
            }
        });
        peer.start();
        Server s = start(serverConfig(List.of(tcpListener("l", "u")),
                List.of(staticCluster("u", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", upstream.getLocalPort())))), splice);
        try (Socket sock = connect(s)) {
            assertEquals("hello", new String(readAll(sock.getInputStream()))); // the FIN reached us
            Thread.sleep(100); // still open the other way
            sock.getOutputStream().write("after the FIN".getBytes());
            sock.shutdownOutput();
            peer.join(10_000);
            assertEquals("after the FIN", heard.get());
        }
        assertPath(splice);
        TcpProxyTest.waitFor(() -> logged.size() == 1);
        assertEquals(13, logged.get(0).bytesReceived);
        assertEquals(5, logged.get(0).bytesSent);
    }

    /** The client ends first; the upstream answers after the FIN and then ends too. */
    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void downstreamHalfCloseStillGetsTheReply(boolean splice) throws Exception {
        Server s = echoProxy(splice);
        try (Socket sock = connect(s)) {
            Thread.sleep(200); // connected and (when splicing) switched before the first byte
            sock.getOutputStream().write("hello".getBytes());
            sock.shutdownOutput();
            assertEquals("hellobye", new String(readAll(sock.getInputStream())));
        }
        assertPath(splice);
        TcpProxyTest.waitFor(() -> logged.size() == 1);
        assertEquals(5, logged.get(0).bytesReceived);
        assertEquals(8, logged.get(0).bytesSent);
    }

    /** Bytes and a FIN sent right with the connect race the switch; they must still arrive. */
    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void bytesAndFinRightAtConnectArrive(boolean splice) throws Exception {
        Server s = echoProxy(splice);
        for (int i = 0; i < 20; i++) {
            try (Socket sock = connect(s)) {
                sock.getOutputStream().write(("ping" + i).getBytes());
                sock.shutdownOutput();
                assertEquals("ping" + i + "bye", new String(readAll(sock.getInputStream())));
            }
        }
        TcpProxyTest.waitFor(() -> logged.size() == 20);
        for (StreamInfo info : logged) {
            assertEquals(info.bytesReceived + 3, info.bytesSent);
        }
    }

    /** Traffic keeps the connection past its idle timeout; silence then ends it. */
    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void idleTimeoutCountsSplicedTrafficAndStillFires(boolean splice) throws Exception {
        TestNet.EchoServer e = new TestNet.EchoServer();
        closeables.add(e);
        var cfg = listener("l", 0, List.of(chain("c", FilterChainMatch.ANY,
                tcpProxy(new ClusterSpecifier.Single("echo"), Duration.ofMillis(400), 1))), List.of());
        Server s = start(serverConfig(List.of(cfg),
                List.of(staticCluster("echo", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", e.port())))), splice);
        try (Socket sock = connect(s)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 12; i++) { // 1.2 s of traffic, three idle timeouts' worth
                sock.getOutputStream().write('x');
                assertEquals('x', sock.getInputStream().read());
                Thread.sleep(100);
            }
            assertTrue(System.nanoTime() - t0 > 1_000_000_000L);
            assertEquals(-1, sock.getInputStream().read()); // then the idle timeout closes it
        }
        assertPath(splice);
        TcpProxyTest.waitFor(() -> logged.size() == 1);
        assertEquals("idle_timeout", logged.get(0).connectionTerminationDetails());
        assertEquals(12, logged.get(0).bytesReceived);
        TcpProxyTest.waitFor(() -> s.clusterManager().get("echo").stats().upstreamCxActive.get() == 0);
    }

    /** A reader that stops: the proxy stops reading too, holding at most a pipe per direction. */
    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {true, false})
    void slowReaderStopsTheWriter(boolean splice) throws Exception {
        TestNet.SlowSink sink = new TestNet.SlowSink();
        closeables.add(sink);
        Server s = start(serverConfig(List.of(tcpListener("l", "sink")),
                List.of(staticCluster("sink", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", sink.port())))), splice);
        long total = 128L * 1024 * 1024;
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        Socket sock = connect(s);
        closeables.add(sock);
        Thread writer = new Thread(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                OutputStream out = sock.getOutputStream();
                while (written.get() < total) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
                sock.shutdownOutput();
            } catch (Exception ex) {
                // closed at teardown
            }
        });
        writer.start();
        long last = -1;
        while (written.get() != last) {
            last = written.get();
            Thread.sleep(500);
        }
        assertTrue(written.get() < total / 2, "the proxy read without bound: " + written.get());
        var cs = s.clusterManager().get("sink").stats();
        assertPath(splice);
        sink.startReading();
        long deadline = System.nanoTime() + 90_000_000_000L; // a loaded CI box moves 128 MB slowly
        while (sink.received() != total) {
            assertTrue(System.nanoTime() < deadline, "received " + sink.received() + " of " + total);
            Thread.sleep(20);
        }
        assertEquals((double) total, cs.upstreamCxTxBytesTotal.count());
        writer.join(10_000);
    }

    // --- network filters before tcp_proxy: one that acts only at the start, one that reads bytes ---

    record StartOnlyConfig() implements io.remora.config.NetworkFilterConfig {
        @Override
        public String filterName() {
            return "test.start_only";
        }
    }

    record ByteCountingConfig() implements io.remora.config.NetworkFilterConfig {
        @Override
        public String filterName() {
            return "test.byte_counting";
        }
    }

    private static final java.util.concurrent.atomic.AtomicInteger STARTED = new java.util.concurrent.atomic.AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicInteger CLOSED = new java.util.concurrent.atomic.AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicLong READ = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong WRITTEN = new java.util.concurrent.atomic.AtomicLong();

    static final class StartOnlyProvider implements io.remora.network.ConnectionFilterFactory.Provider<StartOnlyConfig> {
        @Override
        public Class<StartOnlyConfig> configType() {
            return StartOnlyConfig.class;
        }

        @Override
        public io.remora.network.ConnectionFilterFactory create(StartOnlyConfig config, io.remora.server.ServerContext ctx) {
            return () -> new io.remora.network.ConnectionFilter() {
                @Override
                public io.remora.network.NetworkFilterStatus onNewConnection() {
                    STARTED.incrementAndGet();
                    return io.remora.network.NetworkFilterStatus.CONTINUE;
                }

                @Override
                public void onClose() {
                    CLOSED.incrementAndGet();
                }
            };
        }
    }

    static final class ByteCountingProvider implements io.remora.network.ConnectionFilterFactory.Provider<ByteCountingConfig> {
        @Override
        public Class<ByteCountingConfig> configType() {
            return ByteCountingConfig.class;
        }

        @Override
        public io.remora.network.ConnectionFilterFactory create(ByteCountingConfig config, io.remora.server.ServerContext ctx) {
            return () -> new io.remora.network.ConnectionFilter() {
                @Override
                public io.remora.network.NetworkFilterStatus onData(io.netty.buffer.ByteBuf data, boolean end) {
                    READ.addAndGet(data.readableBytes());
                    return io.remora.network.NetworkFilterStatus.CONTINUE;
                }

                @Override
                public io.remora.network.NetworkFilterStatus onWrite(io.netty.buffer.ByteBuf data, boolean end) {
                    WRITTEN.addAndGet(data.readableBytes());
                    return io.remora.network.NetworkFilterStatus.CONTINUE;
                }
            };
        }
    }

    private Server echoProxyWith(io.remora.config.NetworkFilterConfig filter) {
        TestNet.EchoServer e = new TestNet.EchoServer();
        closeables.add(e);
        var chain = new io.remora.config.FilterChainConfig("c", FilterChainMatch.ANY, List.of(filter,
                tcpProxy(new ClusterSpecifier.Single("echo"), Duration.ofHours(1), 1)), null);
        return start(serverConfig(List.of(listener("l", 0, List.of(chain), List.of())),
                List.of(staticCluster("echo", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", e.port())))), true);
    }

    private static String echoOnce(Server s, int size) throws Exception {
        try (Socket sock = connect(s)) {
            byte[] data = new byte[size];
            java.util.Arrays.fill(data, (byte) 'z');
            sock.getOutputStream().write(data);
            sock.shutdownOutput();
            return new String(readAll(sock.getInputStream()));
        }
    }

    /** A filter that only looks at the connection's start leaves the bytes to the kernel. */
    @org.junit.jupiter.api.Test
    void connectionStartFilterStillSplices() throws Exception {
        STARTED.set(0);
        CLOSED.set(0);
        Server s = echoProxyWith(new StartOnlyConfig());
        assertEquals("z".repeat(300_000) + "bye", echoOnce(s, 300_000));
        assertPath(true);
        assertEquals(1, STARTED.get());
        TcpProxyTest.waitFor(() -> CLOSED.get() == 1); // the filter saw the end of a spliced connection
        TcpProxyTest.waitFor(() -> logged.size() == 1);
        assertEquals(300_000, logged.get(0).bytesReceived);
    }

    /** A spliced connection closed from outside the relay (the server stopping) still ends in its filters. */
    @org.junit.jupiter.api.Test
    void closeFromOutsideReachesTheFilters() throws Exception {
        CLOSED.set(0);
        Server s = echoProxyWith(new StartOnlyConfig());
        try (Socket sock = connect(s)) {
            sock.getOutputStream().write("ping".getBytes());
            byte[] b = new byte[4];
            int off = 0;
            while (off < 4) {
                off += sock.getInputStream().read(b, off, 4 - off);
            }
            assertPath(true);
            s.close();
            assertEquals(-1, sock.getInputStream().read());
        }
        TcpProxyTest.waitFor(() -> CLOSED.get() == 1);
    }

    /** A filter that reads the bytes (as Istio's TCP stats do) keeps them in user space, and sees all. */
    @org.junit.jupiter.api.Test
    void byteReadingFilterKeepsTheCopy() throws Exception {
        READ.set(0);
        WRITTEN.set(0);
        Server s = echoProxyWith(new ByteCountingConfig());
        assertEquals("z".repeat(300_000) + "bye", echoOnce(s, 300_000));
        assertTrue(debugLines.stream().anyMatch(l -> l.contains("copies (no splice): downstream handler")), debugLines.toString());
        TcpProxyTest.waitFor(() -> logged.size() == 1);
        assertEquals(300_000, READ.get());
        assertEquals(300_003, WRITTEN.get());
    }
}

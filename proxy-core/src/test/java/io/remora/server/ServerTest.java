package io.remora.server;

import static io.remora.tcp.TestNet.chain;
import static io.remora.tcp.TestNet.listener;
import static io.remora.tcp.TestNet.serverConfig;
import static io.remora.tcp.TestNet.tcpListener;
import static io.remora.tcp.TestNet.tcpProxy;
import static io.remora.upstream.TestClusters.ep;
import static io.remora.upstream.TestClusters.staticCluster;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.remora.config.Address;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.LbPolicy;
import io.remora.config.ClusterSpecifier;
import io.remora.config.FilterChainMatch;
import io.remora.config.ListenerConfig;
import io.remora.config.ServerConfig;
import io.remora.stats.ListenerStats;
import io.remora.stats.StatsRegistry;
import io.remora.tcp.TcpProxyFactory;
import io.remora.tcp.TestNet;
import io.remora.testing.TempPaths;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ServerTest {
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    private StatsRegistry stats;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private Server newServer() {
        stats = new StatsRegistry();
        Server server = new Server(new ServerOptions(2, Transport.detect(), Duration.ofSeconds(5), Duration.ofSeconds(10),
                io.remora.server.DrainStrategy.IMMEDIATE),
                stats, List.of(new TcpProxyFactory()));
        closeables.add(0, server);
        return server;
    }

    private TestNet.EchoServer echo(String greeting) {
        TestNet.EchoServer e = new TestNet.EchoServer(greeting);
        closeables.add(e);
        return e;
    }

    private static int port(Server s, String listener) {
        return ((InetSocketAddress) s.boundAddress(listener)).getPort();
    }

    private static Socket open(int port) throws Exception {
        Socket sock = new Socket("127.0.0.1", port);
        sock.setSoTimeout(10_000);
        return sock;
    }

    private static String readN(InputStream in, int n) throws Exception {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw new java.io.EOFException("after " + off);
            }
            off += r;
        }
        return new String(b);
    }

    private static String roundTrip(Socket s, String msg) throws Exception {
        s.getOutputStream().write(msg.getBytes());
        return readN(s.getInputStream(), msg.length());
    }

    private static ServerConfig withDrain(ServerConfig c, Duration drain) {
        return new ServerConfig(c.node(), c.admin(), c.listeners(), c.clusters(), c.routeConfigs(), drain);
    }

    @Test
    void updateKeepsUnchangedListenerAndDrainsChangedOne() throws Exception {
        TestNet.EchoServer a = echo("A");
        TestNet.EchoServer b = echo("B");
        List<ClusterConfig> clusters = List.of(
                staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", a.port())),
                staticCluster("b", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", b.port())));
        Server s = newServer();
        s.start(withDrain(serverConfig(List.of(tcpListener("keep", "a"), tcpListener("chg", "a")), clusters),
                Duration.ofMillis(300)));
        int keepPort = port(s, "keep");
        int chgPort = port(s, "chg");
        Socket onKeep = open(keepPort);
        assertEquals("A", readN(onKeep.getInputStream(), 1));
        Socket onChg = open(chgPort);
        assertEquals("A", readN(onChg.getInputStream(), 1));

        // Same address as configured (port 0): the bound socket is kept.
        ListenerConfig chgToB = listener("chg", 0, List.of(chain("c", FilterChainMatch.ANY,
                tcpProxy(new ClusterSpecifier.Single("b"), Duration.ofHours(1), 1))), List.of());
        // "keep" must be record-equal to the running one: same builder, same (port 0) address.
        s.update(withDrain(serverConfig(List.of(tcpListener("keep", "a"), chgToB), clusters), Duration.ofMillis(300)));

        assertEquals(keepPort, port(s, "keep"));
        assertEquals(chgPort, port(s, "chg"));
        assertEquals("ping", roundTrip(onKeep, "ping"));
        // New connections on the changed listener take the new chain at once.
        try (Socket fresh = open(chgPort)) {
            assertEquals("B", readN(fresh.getInputStream(), 1));
        }
        // The old chain's connection still works during the drain, then is closed.
        assertEquals("pong", roundTrip(onChg, "pong"));
        assertEquals(-1, onChg.getInputStream().read());
        // The unchanged listener's connection was not touched by any of it.
        assertEquals("again", roundTrip(onKeep, "again"));
        onKeep.close();
        onChg.close();
    }

    @Test
    void removedListenerStopsAcceptingAndAddedOneBinds() throws Exception {
        TestNet.EchoServer a = echo("A");
        List<ClusterConfig> clusters = List.of(staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", a.port())));
        Server s = newServer();
        s.start(withDrain(serverConfig(List.of(tcpListener("old", "a")), clusters), Duration.ofMillis(200)));
        int oldPort = port(s, "old");
        Socket inFlight = open(oldPort);
        assertEquals("A", readN(inFlight.getInputStream(), 1));
        s.update(withDrain(serverConfig(List.of(tcpListener("new", "a")), clusters), Duration.ofMillis(200)));
        assertEquals(null, s.boundAddress("old"));
        // NIO closes a listening fd only at its selector's next wake-up: allow a moment.
        TcpProxyTestSupport.waitFor(() -> {
            try {
                new Socket("127.0.0.1", oldPort).close();
                return false;
            } catch (ConnectException refused) {
                return true;
            } catch (java.io.IOException other) {
                return false;
            }
        });
        try (Socket n = open(port(s, "new"))) {
            assertEquals("A", readN(n.getInputStream(), 1));
        }
        assertEquals(-1, inFlight.getInputStream().read()); // drained, then closed
        inFlight.close();
    }

    @Test
    void drainAndStopWaitsForInFlightConnection() throws Exception {
        TestNet.EchoServer a = echo(null);
        Server s = newServer();
        s.start(serverConfig(List.of(tcpListener("l", "a")),
                List.of(staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", a.port())))));
        int p = port(s, "l");
        Socket sock = open(p);
        assertEquals("hi", roundTrip(sock, "hi"));
        Thread stopper = new Thread(() -> s.drainAndStop(Duration.ofSeconds(30)));
        stopper.start();
        TcpProxyTestSupport.waitFor(() -> stats.server().live.get() == 0);
        // Draining: no new connections, the open one still relays.
        TcpProxyTestSupport.waitFor(() -> {
            try {
                new Socket("127.0.0.1", p).close();
                return false;
            } catch (Exception refused) {
                return true;
            }
        });
        assertEquals("still", roundTrip(sock, "still"));
        assertTrue(stopper.isAlive());
        sock.close();
        stopper.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(stopper.isAlive());
    }

    @Test
    void bindFailureNamesListenerAndAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Server s = newServer();
            ListenerConfig lc = listener("busy", taken.getLocalPort(), List.of(chain("c", FilterChainMatch.ANY,
                    tcpProxy(new ClusterSpecifier.Single("a"), Duration.ofHours(1), 1))), List.of());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> s.start(serverConfig(List.of(lc), List.of())));
            assertTrue(e.getMessage().contains("busy"), e.getMessage());
            assertTrue(e.getMessage().contains("127.0.0.1:" + taken.getLocalPort()), e.getMessage());
        }
    }

    @Test
    void listenerStatsAndNoFilterChainMatch() throws Exception {
        TestNet.EchoServer a = echo(null);
        ListenerConfig onlyPort1 = listener("strict", 0, List.of(chain("p1",
                new FilterChainMatch(1, List.of(), List.of(), "", List.of(), FilterChainMatch.SourceType.ANY,
                        List.of(), List.of()),
                tcpProxy(new ClusterSpecifier.Single("a"), Duration.ofHours(1), 1))), List.of());
        Server s = newServer();
        s.start(serverConfig(List.of(tcpListener("l", "a"), onlyPort1),
                List.of(staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", a.port())))));
        ListenerStats ls = stats.listener("127.0.0.1_0");
        try (Socket sock = open(port(s, "l"))) {
            assertEquals("x", roundTrip(sock, "x"));
        }
        try (Socket sock = open(port(s, "strict"))) {
            assertEquals(-1, sock.getInputStream().read());
        }
        TcpProxyTestSupport.waitFor(() -> ls.downstreamCxActive.get() == 0 && ls.downstreamCxDestroy.count() == 2);
        assertEquals(2.0, ls.downstreamCxTotal.count());
        assertEquals(1.0, ls.noFilterChainMatch.count());
    }

    @Test
    void tlsInspectorRoutesBySniAndReplaysTheClientHello() throws Exception {
        TestNet.EchoServer a = echo("A");
        TestNet.EchoServer b = echo("B");
        ListenerConfig lc = new ListenerConfig("sni", new Address.Tcp("127.0.0.1", 0), null,
                ListenerConfig.TrafficDirection.UNSPECIFIED,
                List.of(ListenerConfig.ListenerFilter.TLS_INSPECTOR, ListenerConfig.ListenerFilter.HTTP_INSPECTOR),
                List.of(chain("to-a", new FilterChainMatch(0, List.of(), List.of("*.example.com"), "tls", List.of(),
                        FilterChainMatch.SourceType.ANY, List.of(), List.of()),
                        tcpProxy(new ClusterSpecifier.Single("a"), Duration.ofHours(1), 1)),
                        chain("http", new FilterChainMatch(0, List.of(), List.of(), "", List.of("http/1.1"),
                                FilterChainMatch.SourceType.ANY, List.of(), List.of()),
                                tcpProxy(new ClusterSpecifier.Single("b"), Duration.ofHours(1), 1))),
                null, false, false, true, Duration.ofSeconds(15), 1 << 20);
        Server s = newServer();
        s.start(serverConfig(List.of(lc), List.of(
                staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", a.port())),
                staticCluster("b", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", b.port())))));
        byte[] hello = io.remora.listener.InspectorTestSupport.clientHello("api.example.com", "h2");
        try (Socket sock = open(port(s, "sni"))) {
            sock.getOutputStream().write(hello);
            InputStream in = sock.getInputStream();
            assertEquals("A", readN(in, 1));
            byte[] echoed = in.readNBytes(hello.length);
            assertArrayEquals(hello, echoed);
        }
        try (Socket sock = open(port(s, "sni"))) {
            String req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
            sock.getOutputStream().write(req.getBytes());
            assertEquals("B" + req, readN(sock.getInputStream(), req.length() + 1));
        }
        // Neither TLS with a matching name nor HTTP: no chain, closed.
        try (Socket sock = open(port(s, "sni"))) {
            sock.getOutputStream().write("SSH-2.0-x\r\n".getBytes());
            assertEquals(-1, sock.getInputStream().read());
        }
    }

    @Test
    void listenerFiltersTimeoutClosesSilentConnections() throws Exception {
        ListenerConfig lc = new ListenerConfig("slow", new Address.Tcp("127.0.0.1", 0), null,
                ListenerConfig.TrafficDirection.UNSPECIFIED, List.of(ListenerConfig.ListenerFilter.TLS_INSPECTOR),
                List.of(chain("c", FilterChainMatch.ANY, tcpProxy(new ClusterSpecifier.Single("a"), Duration.ofHours(1), 1))),
                null, false, false, true, Duration.ofMillis(200), 1 << 20);
        Server s = newServer();
        s.start(serverConfig(List.of(lc), List.of()));
        try (Socket sock = open(port(s, "slow"))) {
            sock.getOutputStream().write(0x16); // a TLS record that never completes
            assertEquals(-1, sock.getInputStream().read());
        }
    }

    @Test
    void unixDomainSocketListener() throws Exception {
        Assumptions.assumeTrue(Transport.detect().kind() == Transport.Kind.EPOLL, "UDS listeners need epoll");
        TestNet.EchoServer a = echo(null);
        Path dir = TempPaths.directory("remora-uds");
        Path path = dir.resolve("l.sock");
        ListenerConfig lc = new ListenerConfig("uds", new Address.Pipe(path.toString()), "uds",
                ListenerConfig.TrafficDirection.UNSPECIFIED, List.of(),
                List.of(chain("c", FilterChainMatch.ANY, tcpProxy(new ClusterSpecifier.Single("a"), Duration.ofHours(1), 1))),
                null, false, false, true, Duration.ofSeconds(15), 1 << 20);
        Server s = newServer();
        s.start(serverConfig(List.of(lc), List.of(staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", a.port())))));
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(path));
            ch.write(ByteBuffer.wrap("unix".getBytes()));
            ByteBuffer buf = ByteBuffer.allocate(4);
            while (buf.hasRemaining()) {
                assertNotEquals(-1, ch.read(buf));
            }
            assertEquals("unix", new String(buf.array()));
        } finally {
            s.close();
            Files.deleteIfExists(path);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void useOriginalDstWithoutAnotherListenerKeepsTheConnection() throws Exception {
        TestNet.EchoServer a = echo(null);
        ListenerConfig lc = new ListenerConfig("virtual", new Address.Tcp("127.0.0.1", 0), null,
                ListenerConfig.TrafficDirection.OUTBOUND, List.of(ListenerConfig.ListenerFilter.ORIGINAL_DST),
                List.of(chain("passthrough", FilterChainMatch.ANY,
                        tcpProxy(new ClusterSpecifier.Single("a"), Duration.ofHours(1), 1))),
                null, true, false, true, Duration.ofSeconds(15), 1 << 20);
        Server s = newServer();
        s.start(serverConfig(List.of(lc), List.of(staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", a.port())))));
        try (Socket sock = open(port(s, "virtual"))) {
            assertEquals("direct", roundTrip(sock, "direct"));
        }
    }

    @Test
    void backpressureBoundsWhatTheProxyBuffers() throws Exception {
        TestNet.SlowSink sink = new TestNet.SlowSink();
        closeables.add(sink);
        Server s = newServer();
        s.start(serverConfig(List.of(tcpListener("l", "sink")),
                List.of(staticCluster("sink", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", sink.port())))));
        // Loopback autotuning lets socket buffers grow to tens of MB; the bound below leaves room.
        long total = 192L * 1024 * 1024;
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        Socket sock = open(port(s, "l"));
        Thread writer = new Thread(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                java.io.OutputStream out = sock.getOutputStream();
                while (written.get() < total) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
                sock.shutdownOutput();
            } catch (Exception e) {
                // closed at teardown
            }
        });
        writer.start();
        // Wait until the writer stalls: the sink does not read, so the proxy must stop reading.
        long last = -1;
        while (written.get() != last) {
            last = written.get();
            Thread.sleep(500);
        }
        assertTrue(written.get() < total / 2, "proxy buffered without bound: " + written.get());
        sink.startReading();
        // A loaded CI box moves 192 MB slowly; a stalled relay stops moving at all.
        TcpProxyTestSupport.waitFor(() -> sink.received() == total, 90,
                () -> "received " + sink.received() + " written " + written.get());
        writer.join(10_000);
        sock.close();
    }

    @Test
    void originalDestinationFindsExactThenWildcardListener() throws Exception {
        TestNet.EchoServer a = echo(null);
        java.util.function.BiFunction<String, Address.Tcp, ListenerConfig> virtual = (name, addr) ->
                new ListenerConfig(name, addr, null, ListenerConfig.TrafficDirection.OUTBOUND, List.of(),
                        List.of(chain("c", FilterChainMatch.ANY,
                                tcpProxy(new ClusterSpecifier.Single("a"), Duration.ofHours(1), 1))),
                        null, false, false, false, Duration.ofSeconds(15), 1 << 20);
        Server s = newServer();
        s.start(serverConfig(List.of(tcpListener("outbound", "a"),
                        virtual.apply("0.0.0.0_9080", new Address.Tcp("0.0.0.0", 9080)),
                        virtual.apply("10.0.0.7_9080", new Address.Tcp("10.0.0.7", 9080))),
                List.of(staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", a.port())))));
        assertEquals(null, s.boundAddress("0.0.0.0_9080")); // bind_to_port false
        assertEquals("10.0.0.7_9080",
                s.listenerForOriginalDestination(new InetSocketAddress("10.0.0.7", 9080)).name());
        assertEquals("0.0.0.0_9080",
                s.listenerForOriginalDestination(new InetSocketAddress("10.0.0.8", 9080)).name());
        assertEquals(null, s.listenerForOriginalDestination(new InetSocketAddress("10.0.0.8", 9081)));
        int outboundPort = port(s, "outbound");
        assertEquals("outbound",
                s.listenerForOriginalDestination(new InetSocketAddress("127.0.0.1", outboundPort)).name());
    }

    @Test
    void drainListenersInboundOnlyStopsInboundAccepting() throws Exception {
        TestNet.EchoServer a = echo(null);
        ListenerConfig base = tcpListener("in", "a");
        ListenerConfig inbound = new ListenerConfig("in", base.address(), "in", ListenerConfig.TrafficDirection.INBOUND,
                base.listenerFilters(), base.filterChains(), null, false, false, true, base.listenerFiltersTimeout(),
                base.perConnectionBufferLimitBytes());
        Server s = newServer();
        s.start(serverConfig(List.of(inbound, tcpListener("out", "a")),
                List.of(staticCluster("a", LbPolicy.ROUND_ROBIN, ep("127.0.0.1", a.port())))));
        int inPort = port(s, "in");
        Socket open = open(inPort);
        assertEquals("x", roundTrip(open, "x"));
        assertEquals(List.of("in", "out"), List.copyOf(s.boundAddresses().keySet()));
        s.drainListeners(true, false);
        s.drainListeners(true, false);
        assertTrue(s.context().draining());
        // Envoy's stopListeners counts each listener it stops once, however many times it is asked
        assertEquals(1.0, stats.meterRegistry().counter("envoy_listener_manager_listener_stopped").count());
        TcpProxyTestSupport.waitFor(() -> {
            try {
                new Socket("127.0.0.1", inPort).close();
                return false;
            } catch (java.io.IOException refused) {
                return true;
            }
        });
        try (Socket out = open(port(s, "out"))) {
            assertEquals("y", roundTrip(out, "y"));
        }
        assertEquals("z", roundTrip(open, "z")); // open connections finish on their own
        open.close();
    }

    /** A terminal filter that only records its lifecycle. */
    record ProbeConfig(String id) implements io.remora.config.NetworkFilterConfig {
        @Override
        public String filterName() {
            return "probe";
        }
    }

    @Test
    void onlyChangedFilterChainsDrainAndFiltersAreBuiltOncePerChain() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        io.remora.network.NetworkFilterFactory<ProbeConfig> probe = probe(events);
        stats = new StatsRegistry();
        Server s = new Server(new ServerOptions(2, Transport.detect(), Duration.ofSeconds(5), Duration.ofSeconds(10),
                io.remora.server.DrainStrategy.IMMEDIATE),
                stats, List.of(new TcpProxyFactory(), probe));
        closeables.add(0, s);
        java.util.function.Function<List<String>, ListenerConfig> l = ids -> {
            List<io.remora.config.FilterChainConfig> chains = new java.util.ArrayList<>();
            for (String id : ids) {
                chains.add(new io.remora.config.FilterChainConfig(id, new FilterChainMatch(0, List.of(),
                        List.of(id + ".example.com"), "", List.of(), FilterChainMatch.SourceType.ANY, List.of(),
                        List.of()), List.of(new ProbeConfig(id)), null));
            }
            return new ListenerConfig("l", new Address.Tcp("127.0.0.1", 0), null,
                    ListenerConfig.TrafficDirection.UNSPECIFIED, List.of(), chains,
                    new io.remora.config.FilterChainConfig("dflt", FilterChainMatch.ANY,
                            List.of(new ProbeConfig("dflt")), null),
                    false, false, true, Duration.ofSeconds(15), 1 << 20);
        };
        s.start(serverConfig(List.of(l.apply(List.of("a", "b"))), List.of()));
        assertEquals(List.of("create a", "create b", "create dflt"), events);
        try (Socket sock = open(port(s, "l"))) {
            TcpProxyTestSupport.waitFor(() -> events.contains("accept dflt"));
        }
        events.clear();
        s.update(serverConfig(List.of(l.apply(List.of("a", "c"))), List.of()));
        // a and the default chain are unchanged: kept, not rebuilt, not drained; b drains; c is new.
        assertEquals(List.of("create c", "drain b"), events);
        events.clear();
        s.update(serverConfig(List.of(l.apply(List.of("a", "c"))), List.of()));
        assertEquals(List.of(), events); // identical config: nothing happens
    }

    /**
     * Envoy's ListenerImpl::supportUpdateFilterChain: only an update that changes nothing but the filter chains
     * (ListenerMessageUtil::filterChainOnlyChange) keeps the unchanged chains; any other change replaces the whole
     * listener on the same socket, every chain rebuilt and every old one drained (its connections with it).
     */
    @Test
    void aListenerLevelChangeDrainsEveryChainNotOnlyTheChangedOnes() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        stats = new StatsRegistry();
        Server s = new Server(new ServerOptions(2, Transport.detect(), Duration.ofSeconds(5), Duration.ofSeconds(10),
                io.remora.server.DrainStrategy.IMMEDIATE),
                stats, List.of(new TcpProxyFactory(), probe(events)));
        closeables.add(0, s);
        java.util.function.IntFunction<ListenerConfig> l = bufferLimit -> new ListenerConfig("l",
                new Address.Tcp("127.0.0.1", 0), null, ListenerConfig.TrafficDirection.UNSPECIFIED, List.of(),
                List.of(new io.remora.config.FilterChainConfig("a", FilterChainMatch.ANY, List.of(new ProbeConfig("a")),
                        null)), null, false, false, true, Duration.ofSeconds(15), bufferLimit);
        s.start(serverConfig(List.of(l.apply(1 << 20)), List.of()));
        int port = port(s, "l");
        events.clear();
        s.update(serverConfig(List.of(l.apply(1 << 19)), List.of()));
        assertEquals(List.of("create a", "drain a"), events, "the unchanged chain is rebuilt and the old one drains");
        assertEquals(port, port(s, "l"), "the socket is kept");
    }

    /** A network filter recording its creation, accepts and drain. */
    private static io.remora.network.NetworkFilterFactory<ProbeConfig> probe(List<String> events) {
        return new io.remora.network.NetworkFilterFactory<>() {
            @Override
            public Class<ProbeConfig> configType() {
                return ProbeConfig.class;
            }

            @Override
            public io.remora.network.NetworkFilter create(ProbeConfig config, ServerContext context) {
                events.add("create " + config.id());
                return new io.remora.network.NetworkFilter() {
                    @Override
                    public void onAccept(io.netty.channel.Channel downstream, io.remora.network.ConnectionInfo info) {
                        events.add("accept " + config.id());
                    }

                    @Override
                    public void startDrain(io.remora.server.DrainDecision drain) {
                        events.add("drain " + config.id());
                    }
                };
            }
        };
    }
}

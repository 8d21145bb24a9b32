package io.remora.http.upstream;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.remora.config.ClusterConfig;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.TransportSocketConfig;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.H1Upstream;
import io.remora.http.testing.LeakCheck;
import io.remora.server.Transport;
import io.remora.stats.StatsRegistry;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS to upstreams: a real TLS server with certificates made by openssl. */
class UpstreamTlsTest {
    static {
        LeakCheck.install();
    }

    static final Transport TRANSPORT = Transport.detect();
    static EventLoopGroup workers;
    static EventLoop loop;
    static EventLoopGroup serverGroup;
    static Channel server;
    static String serverCert;
    static String otherCert;
    static final AtomicReference<String> sniSeen = new AtomicReference<>();
    static final java.util.concurrent.atomic.AtomicInteger tlsAccepts = new java.util.concurrent.atomic.AtomicInteger();
    static Path certDir;

    @BeforeAll
    static void start() throws Exception {
        Path dir = TempPaths.directory("tls");
        certDir = dir;
        openssl(dir, "server", "upstream.test");
        openssl(dir, "other", "someone.else");
        serverCert = Files.readString(dir.resolve("server.crt"));
        otherCert = Files.readString(dir.resolve("other.crt"));
        SslContext ssl = SslContextBuilder.forServer(dir.resolve("server.crt").toFile(), dir.resolve("server.key").toFile()).build();
        serverGroup = TRANSPORT.newEventLoopGroup(1, "tls-upstream");
        server = new ServerBootstrap().group(serverGroup).channel(TRANSPORT.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        tlsAccepts.incrementAndGet();
                        SslHandler h = ssl.newHandler(ch.alloc());
                        h.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                var names = ((javax.net.ssl.ExtendedSSLSession) h.engine().getSession()).getRequestedServerNames();
                                sniSeen.set(names.isEmpty() ? null
                                        : ((javax.net.ssl.SNIHostName) names.get(0)).getAsciiName());
                            }
                        });
                        ch.pipeline().addLast(h, new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        ctx.writeAndFlush(H1Upstream.text(200, "secure " + req.uri()));
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        workers = TRANSPORT.newEventLoopGroup(1, "tls-worker");
        loop = workers.next();
    }

    private static void openssl(Path dir, String name, String cn) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=" + cn, "-addext", "subjectAltName=DNS:" + cn,
                "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".crt").toString())
                .redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl failed");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close().sync();
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        List<String> leaks = LeakCheck.leaks();
        assertTrue(leaks.isEmpty(), () -> "ByteBuf leaks: " + leaks);
    }

    private static FixedCluster cluster(String name, TransportSocketConfig tls, StatsRegistry stats) {
        ClusterConfig c = ClusterConfig.builder(name).connectTimeout(Duration.ofSeconds(2)).transportSocket(tls).build();
        return new FixedCluster(c, stats, FixedCluster.hosts((InetSocketAddress) server.localAddress()));
    }

    private static TransportSocketConfig tls(String trustedCa) {
        return TransportSocketConfig.upstream(null, validation(trustedCa, List.of()), "upstream.test", List.of());
    }

    private static io.remora.config.CertificateValidation validation(String ca, List<io.remora.config.SanMatcher> sans) {
        return io.remora.config.CertificateValidation.builder().trustedCaPem(ca).sanMatchers(sans).build();
    }

    private static ConnectionPoolTest.Exchange get(FixedCluster c) throws Exception {
        ConnectionPoolTest.Exchange e = new ConnectionPoolTest.Exchange(new DefaultHttp2Headers().method("GET")
                .path("/tls").authority("upstream.test").scheme("https"), null, null);
        loop.submit(() -> ConnectionPools.get(loop, TRANSPORT, c, c.hosts().get(0), UpstreamProtocol.HTTP1)
                .newStream(e)).get(5, TimeUnit.SECONDS);
        return e.done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void trustedServerWithSni() throws Exception {
        ConnectionPoolTest.Exchange e = get(cluster("tls-ok", tls(serverCert), new StatsRegistry()));
        assertEquals("200", e.headers.status().toString());
        assertEquals("secure /tls", e.body.toString());
        assertEquals("upstream.test", sniSeen.get());
    }

    @Test
    void untrustedServerIsAConnectFailure() throws Exception {
        StatsRegistry stats = new StatsRegistry();
        ConnectionPoolTest.Exchange e = get(cluster("tls-bad", tls(otherCert), stats));
        assertEquals(ResetReason.CONNECTION_FAILURE, e.reset);
        assertEquals(1.0, stats.cluster("tls-bad").upstreamCxConnectFail.count());
        assertEquals(1.0, stats.meterRegistry().get("envoy_cluster_ssl_fail_verify_error")
                .tag("envoy_cluster_name", "tls-bad").counter().count());
    }

    @Test
    void sdsSecretsNotArrivedFailTheConnect() throws Exception {
        TransportSocketConfig sds = new TransportSocketConfig(List.of(), List.of("default"), null, "ROOTCA", List.of(),
                false, null, io.remora.config.TlsParams.DEFAULT, true, false, false);
        ConnectionPoolTest.Exchange e = get(cluster("tls-sds", sds, new StatsRegistry()));
        assertEquals(ResetReason.CONNECTION_FAILURE, e.reset);
    }

    @Test
    void subjectAltNameMustMatch() throws Exception {
        TransportSocketConfig good = TransportSocketConfig.upstream(null, validation(serverCert, List.of(san("upstream.test"))),
                "upstream.test", List.of());
        assertEquals("200", get(cluster("tls-san-ok", good, new StatsRegistry())).headers.status().toString());
        TransportSocketConfig wrong = TransportSocketConfig.upstream(null, validation(serverCert, List.of(san("spiffe://other"))),
                "upstream.test", List.of());
        assertEquals(ResetReason.CONNECTION_FAILURE, get(cluster("tls-san-bad", wrong, new StatsRegistry())).reset);
    }

    private static io.remora.config.SanMatcher san(String exact) {
        return new io.remora.config.SanMatcher(io.remora.config.SanMatcher.Type.ANY,
                new io.remora.config.StringMatcher.Exact(exact, false));
    }

    private static FixedCluster autoCluster(String name, TransportSocketConfig tls, InetSocketAddress address) {
        ClusterConfig c = ClusterConfig.builder(name).connectTimeout(Duration.ofSeconds(2)).protocol(UpstreamProtocol.AUTO)
                .transportSocket(tls).build();
        return new FixedCluster(c, new StatsRegistry(), FixedCluster.hosts(address));
    }

    private static ConnectionPoolTest.Exchange autoGet(FixedCluster c) throws Exception {
        ConnectionPoolTest.Exchange e = new ConnectionPoolTest.Exchange(new DefaultHttp2Headers().method("GET")
                .path("/tls").authority("upstream.test").scheme("https"), null, null);
        loop.submit(() -> ConnectionPools.get(loop, TRANSPORT, c, c.hosts().get(0), UpstreamProtocol.AUTO)
                .newStream(e)).get(5, TimeUnit.SECONDS);
        return e.done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void autoConfigSpeaksWhatAlpnNegotiated() throws Exception {
        SslContext h2Only = SslContextBuilder.forServer(certDir.resolve("server.crt").toFile(),
                certDir.resolve("server.key").toFile()).applicationProtocolConfig(new io.netty.handler.ssl.ApplicationProtocolConfig(
                io.netty.handler.ssl.ApplicationProtocolConfig.Protocol.ALPN,
                io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2")).build();
        try (io.remora.http.testing.H2Upstream h2 = new io.remora.http.testing.H2Upstream(TRANSPORT, 100,
                (ctx, h, body, tr, n) -> io.remora.http.testing.H2Upstream.respond(ctx, 200, "h2 " + h.path()), h2Only)) {
            FixedCluster c = autoCluster("auto-h2", tls(serverCert), h2.address());
            for (int i = 0; i < 3; i++) {
                ConnectionPoolTest.Exchange e = autoGet(c);
                assertEquals("200", e.headers.status().toString());
                assertEquals("h2 /tls", e.body.toString());
            }
            assertEquals("h2", c.hosts().get(0).negotiatedAlpn());
            assertEquals(3, h2.requests.get());
            assertEquals(1, h2.accepts.get(), "the connection that learned h2 carries the requests");
            assertEquals(1, (long) c.stats().upstreamCxTotal.count());
        }
        // A server that names no ALPN protocol: HTTP/1.1, on the probe's connection too.
        FixedCluster h1 = autoCluster("auto-h1", tls(serverCert), (InetSocketAddress) server.localAddress());
        int acceptsBefore = tlsAccepts.get();
        for (int i = 0; i < 2; i++) {
            ConnectionPoolTest.Exchange e = autoGet(h1);
            assertEquals("secure /tls", e.body.toString());
        }
        assertEquals("http/1.1", h1.hosts().get(0).negotiatedAlpn());
        assertEquals(1, tlsAccepts.get() - acceptsBefore, "one keep-alive connection: the probe's");
        // Plaintext: HTTP/1.1 straight away, nothing to negotiate.
        try (H1Upstream plain = new H1Upstream(TRANSPORT, H1Upstream.echoPath())) {
            FixedCluster p = autoCluster("auto-plain", null, plain.address());
            assertEquals("200", autoGet(p).headers.status().toString());
            assertEquals(null, p.hosts().get(0).negotiatedAlpn());
            assertEquals(1, plain.accepts.get());
        }
    }
}

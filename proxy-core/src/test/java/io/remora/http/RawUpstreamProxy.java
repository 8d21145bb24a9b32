package io.remora.http;

/**
 * The proxy in front of a raw upstream that answers each request with {@code answer(path)},
 * its bytes as they are: what the upstream codec makes of a response.
 */
final class RawUpstreamProxy implements AutoCloseable {
    private static final io.remora.server.Transport TRANSPORT = io.remora.server.Transport.detect();
    private final java.net.ServerSocket upstream;
    private final io.remora.http.testing.HcmHarness hcm;
    private final io.remora.http.testing.TestServerContext ctx;
    /** Connections the proxy opened to the upstream. */
    final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();

    RawUpstreamProxy(java.util.function.Function<String, String> answer) throws Exception {
        this(answer, b -> b);
    }

    /** With the test's {@code settings} over the cluster's. */
    RawUpstreamProxy(java.util.function.Function<String, String> answer,
                     java.util.function.UnaryOperator<io.remora.config.ClusterConfigBuilder> settings) throws Exception {
        this(answer, settings, false);
    }

    /** An upstream that closes its connection after each answer: the close ends what the answer began. */
    static RawUpstreamProxy closingAfterAnswer(java.util.function.Function<String, String> answer) throws Exception {
        return new RawUpstreamProxy(answer, b -> b, true);
    }

    private RawUpstreamProxy(java.util.function.Function<String, String> answer,
                             java.util.function.UnaryOperator<io.remora.config.ClusterConfigBuilder> settings,
                             boolean closeAfterAnswer) throws Exception {
        upstream = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        io.remora.testing.SocketServers.acceptEach(upstream, "raw-upstream", s -> {
            connections.incrementAndGet();
            try (s) {
                while (true) {
                    String head = io.remora.testing.HttpHeads.read(s.getInputStream());
                    if (!head.endsWith("\r\n\r\n")) {
                        return;
                    }
                    s.getOutputStream().write(answer.apply(head.split(" ")[1])
                            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    if (closeAfterAnswer) {
                        return;
                    }
                }
            } catch (java.io.IOException ignored) {
                // the proxy closed the connection
            }
        });
        ctx = new io.remora.http.testing.TestServerContext(TRANSPORT);
        ctx.add(new io.remora.http.testing.FixedCluster(settings.apply(io.remora.http.testing.FixedCluster.config("up",
                io.remora.config.ClusterConfig.UpstreamProtocol.HTTP1).toBuilder()).build(), ctx.stats,
                io.remora.http.testing.FixedCluster.hosts(new java.net.InetSocketAddress("127.0.0.1",
                        upstream.getLocalPort()))));
        hcm = new io.remora.http.testing.HcmHarness(TRANSPORT, ctx, new io.remora.http.router.RouterFilterProvider(),
                java.util.List.of(io.remora.http.testing.HcmHarness.route("/", "up", null, null)),
                b -> b.accessLogs(java.util.List.of(io.remora.config.AccessLogConfig.builder(
                        io.remora.config.AccessLogConfig.Sink.STDOUT).build())));
    }

    /** The access log entry of the next request to end. */
    io.remora.accesslog.StreamInfo logged() throws InterruptedException {
        io.remora.accesslog.StreamInfo info = ctx.logged.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        org.junit.jupiter.api.Assertions.assertNotNull(info, "no access log entry");
        return info;
    }

    RawHttp.Response get(String path) throws Exception {
        try (RawHttp c = new RawHttp(hcm.address().getPort())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
            return c.read();
        }
    }

    /**
     * The bytes of the answer to a GET up to the proxy's close of the connection: for an answer
     * cut short, which {@link RawHttp#read} cannot frame.
     */
    String getUntilClose(String path) throws Exception {
        try (RawHttp c = new RawHttp(hcm.address().getPort())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
            return new String(c.socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /** The whole answer to a GET that asks the proxy to close after it: status line and all, as sent. */
    String getClosing(String path) throws Exception {
        try (RawHttp c = new RawHttp(hcm.address().getPort())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            return new String(c.socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /** Every stat, in Envoy's text format. */
    String envoyStats() {
        return io.remora.stats.EnvoyStatsFormat.text(ctx.stats.meterRegistry(), false, null);
    }

    /** The upstream cluster's stats. */
    io.remora.stats.ClusterStats stats() {
        return ctx.stats.cluster("up");
    }

    @Override
    public void close() throws Exception {
        hcm.close();
        upstream.close();
    }
}

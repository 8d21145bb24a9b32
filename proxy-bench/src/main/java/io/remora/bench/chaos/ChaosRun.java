package io.remora.bench.chaos;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Chaos run: Remora (a child JVM, its real main) in front of N upstreams with outlier detection,
 * active health checks and a retry policy, under continuous load, while upstreams are killed
 * (listener and every connection closed) and restarted on the same port. Prints the failed
 * requests per second and, per restart, how long until the upstream served traffic again.
 *
 * <pre>java -cp proxy-bench/target/classes:$(cat cp.txt) io.remora.bench.chaos.ChaosRun [seconds] [upstreams] [clients]</pre>
 *
 * Not a unit test: timings depend on the machine.
 */
public final class ChaosRun {

    /** An upstream that can be killed and brought back on its port. */
    static final class Upstream {
        final int port;
        final AtomicInteger served = new AtomicInteger();
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        private Channel listener;

        Upstream(int port) {
            this.port = port;
        }

        synchronized void start() throws InterruptedException {
            listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            children.add(ch);
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 16),
                                    new SimpleChannelInboundHandler<FullHttpRequest>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                            if (!req.uri().equals("/healthz")) {
                                                served.incrementAndGet();
                                            }
                                            var resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                    HttpResponseStatus.OK, Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8));
                                            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
                                            ctx.writeAndFlush(resp);
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            ctx.close(); // a reset from the proxy side is part of the chaos
                                        }
                                    });
                        }
                    }).bind("127.0.0.1", port).sync().channel();
        }

        synchronized void kill() {
            if (listener != null) {
                listener.close().syncUninterruptibly();
                listener = null;
            }
            children.close().syncUninterruptibly();
        }

        void shutdown() {
            kill();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String bootstrap(int admin, int listener, List<Upstream> ups) {
        StringBuilder eps = new StringBuilder();
        for (Upstream u : ups) {
            eps.append("        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ")
                    .append(u.port).append(" } } }\n");
        }
        return """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                static_resources:
                  listeners:
                  - name: http
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: ingress
                          route_config:
                            virtual_hosts:
                            - name: all
                              domains: ["*"]
                              routes:
                              - match: { prefix: "/" }
                                route:
                                  cluster: chaos
                                  timeout: 5s
                                  retry_policy:
                                    retry_on: 5xx,connect-failure,reset
                                    num_retries: 5
                                    retry_host_predicate:
                                    - name: envoy.retry_host_predicates.previous_hosts
                                      typed_config:
                                        "@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate
                                    host_selection_retry_max_attempts: 5
                                    retry_back_off: { base_interval: 0.005s, max_interval: 0.05s }
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  clusters:
                  - name: chaos
                    type: STATIC
                    connect_timeout: 0.25s
                    circuit_breakers:
                      thresholds:
                      - { max_retries: 10000, max_requests: 10000, max_pending_requests: 10000 }
                    outlier_detection:
                      consecutive_5xx: 3
                      interval: 0.5s
                      base_ejection_time: 2s
                      max_ejection_percent: 50
                    health_checks:
                    - timeout: 0.25s
                      interval: 0.25s
                      no_traffic_interval: 0.25s
                      unhealthy_threshold: 2
                      healthy_threshold: 2
                      http_health_check: { path: /healthz }
                    load_assignment:
                      cluster_name: chaos
                      endpoints:
                      - lb_endpoints:
                %s""".formatted(admin, listener, eps);
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        List<Upstream> ups = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Upstream u = new Upstream(freePort());
            u.start();
            ups.add(u);
        }
        int admin = freePort();
        int port = freePort();
        Path dir = Files.createTempDirectory("remora-chaos");
        Path config = dir.resolve("bootstrap.yaml");
        Files.writeString(config, bootstrap(admin, port, ups));
        Process proxy = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.remora.xds.Main", "-c", config.toString(),
                "--concurrency", "2", "--drain-time-s", "1").redirectErrorStream(true).redirectOutput(dir.resolve("proxy.log").toFile()).start();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        awaitReady(client, admin);

        AtomicLongArray okPerSecond = new AtomicLongArray(seconds + 10);
        AtomicLongArray failedPerSecond = new AtomicLongArray(seconds + 10);
        AtomicBoolean stop = new AtomicBoolean();
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    int sec = (int) ((System.nanoTime() - start) / 1_000_000_000L);
                    try {
                        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + "/chaos")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
                        (r.statusCode() == 200 ? okPerSecond : failedPerSecond).incrementAndGet(Math.min(sec, seconds + 9));
                    } catch (Exception e) {
                        failedPerSecond.incrementAndGet(Math.min(sec, seconds + 9));
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        // Chaos: every 3 s kill a random upstream for 2 s (at most half of them down at once).
        List<String> recoveries = new ArrayList<>();
        List<Long> recoveryMillis = new ArrayList<>();
        while (System.nanoTime() - start < (seconds - 5) * 1_000_000_000L) {
            Thread.sleep(3000);
            Upstream victim = ups.get(ThreadLocalRandom.current().nextInt(n));
            victim.kill();
            long killedAt = System.nanoTime();
            Thread.sleep(2000);
            victim.start();
            long restartedAt = System.nanoTime();
            int before = victim.served.get();
            while (victim.served.get() == before && System.nanoTime() - restartedAt < 15_000_000_000L) {
                Thread.sleep(5);
            }
            long ms = (System.nanoTime() - restartedAt) / 1_000_000;
            recoveryMillis.add(ms);
            recoveries.add(String.format(Locale.ROOT, "| %.1f | %d | %d |", (killedAt - start) / 1e9, victim.port, ms));
        }
        Thread.sleep(Math.max(0, seconds * 1000L - (System.nanoTime() - start) / 1_000_000));
        stop.set(true);
        for (Thread t : threads) {
            t.join(15_000);
        }
        proxy.destroy();
        if (!proxy.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            proxy.destroyForcibly();
        }
        ups.forEach(Upstream::shutdown);

        long ok = 0;
        long failed = 0;
        StringBuilder timeline = new StringBuilder("| second | ok | failed |\n|---:|---:|---:|\n");
        for (int s = 0; s < seconds; s++) {
            ok += okPerSecond.get(s);
            failed += failedPerSecond.get(s);
            timeline.append("| ").append(s).append(" | ").append(okPerSecond.get(s)).append(" | ")
                    .append(failedPerSecond.get(s)).append(" |\n");
        }
        System.out.printf(Locale.ROOT, "# Chaos run: %d upstreams, %d clients, %d s%n%n", n, clients, seconds);
        System.out.printf(Locale.ROOT, "requests ok: %d, failed: %d (%.4f%%)%n%n", ok, failed,
                100.0 * failed / Math.max(1, ok + failed));
        System.out.println("| killed at s | upstream port | served again after restart, ms |\n|---:|---:|---:|");
        recoveries.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "%nrecovery ms: max %d, mean %.0f%n%n", recoveryMillis.stream().mapToLong(x -> x).max().orElse(0),
                recoveryMillis.stream().mapToLong(x -> x).average().orElse(0));
        System.out.println(timeline);
        System.exit(failed == 0 ? 0 : 1);
    }

    private static void awaitReady(HttpClient client, int admin) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (Exception e) {
                // not yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("proxy not ready");
    }
}

package io.remora.bench.jmh;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.remora.server.Transport;
import io.remora.xds.Main;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive HTTP/1.1 round trip over loopback: a blocking client → Remora (started in this
 * JVM from a bootstrap YAML, --concurrency 1) → a Netty upstream and back. ns/op is the round-trip
 * latency; B/op counts the allocation of every thread (client, proxy and upstream).
 * {@code target=direct} runs the same client against the upstream itself: the difference in B/op
 * between the two is what the proxy allocates per proxied request. That difference also counts
 * whatever other threads allocate per unit of time, which a slow (shared) machine spreads over
 * fewer requests; so each iteration also prints {@code proxy worker B/request}: the bytes the
 * proxy's worker threads ({@code remora-worker-*}) allocated in it over the requests it served,
 * from {@code ThreadMXBean.getThreadAllocatedBytes}, which does not depend on the machine's load;
 * and {@code proxy worker CPU ns/request}, the CPU time (user and system) those threads spent per
 * request, which moves far less with the machine's load than ns/op: a way to compare two builds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Thread)
public class LoopbackForwardBenchmark {
    private static final byte[] REQUEST = ("GET /api/v1/items/42 HTTP/1.1\r\nHost: bench.example.com\r\n"
            + "User-Agent: bench/1.0\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf BODY = Unpooled.unreleasableBuffer(Unpooled.directBuffer(24)
            .writeBytes("hello from the upstream\n".getBytes(StandardCharsets.US_ASCII)));

    private EventLoopGroup upstreamGroup;
    private Channel upstream;
    private Main proxy;
    private Thread proxyThread;
    private Path bootstrap;
    private Socket client;
    private OutputStream out;
    private InputStream in;
    private final byte[] buf = new byte[16384];

    /** proxy: through Remora; direct: the client talks to the upstream (the baseline to subtract). */
    @Param({"proxy", "direct"})
    public String target;

    /**
     * plain: the route names its cluster only. istio: the route also carries the retry policy
     * istiod gives every HTTP route (sidecar-http-config.json in the Istio fixtures), so the
     * per-request retry state is in the figure ({@code -p route=istio}).
     */
    @Param({"plain"})
    public String route;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Transport transport = Transport.detect();
        upstreamGroup = transport.newEventLoopGroup(1, "bench-upstream");
        upstream = new ServerBootstrap().group(upstreamGroup).channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new FixedResponse());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        int upstreamPort = ((InetSocketAddress) upstream.localAddress()).getPort();
        int proxyPort = freePort();
        int adminPort = freePort();
        bootstrap = Files.createTempFile("remora-bench", ".yaml");
        Files.writeString(bootstrap, String.join("\n",
                "admin:",
                "  address: { socket_address: { address: 127.0.0.1, port_value: " + adminPort + " } }",
                "static_resources:",
                "  listeners:",
                "  - name: http",
                "    address: { socket_address: { address: 127.0.0.1, port_value: " + proxyPort + " } }",
                "    filter_chains:",
                "    - filters:",
                "      - name: envoy.filters.network.http_connection_manager",
                "        typed_config:",
                "          \"@type\": type.googleapis.com/envoy.extensions.filters.network"
                        + ".http_connection_manager.v3.HttpConnectionManager",
                "          stat_prefix: bench",
                "          codec_type: HTTP1",
                "          route_config:",
                "            name: bench",
                "            virtual_hosts:",
                "            - name: bench",
                "              domains: [\"*\"]",
                "              routes:",
                "              - match: { prefix: \"/\" }",
                "istio".equals(route)
                        ? "                route: { cluster: upstream, retry_policy: { retry_on: \"connect-failure,"
                                + "refused-stream,unavailable,cancelled,retriable-status-codes\", num_retries: 2,"
                                + " retry_host_predicate: [{ name: envoy.retry_host_predicates.previous_hosts }],"
                                + " host_selection_retry_max_attempts: 5, retriable_status_codes: [503] } }"
                        : "                route: { cluster: upstream }",
                "          http_filters:",
                "          - name: envoy.filters.http.router",
                "            typed_config:",
                "              \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
                "  clusters:",
                "  - name: upstream",
                "    type: STATIC",
                "    connect_timeout: 1s",
                "    load_assignment:",
                "      cluster_name: upstream",
                "      endpoints:",
                "      - lb_endpoints:",
                "        - endpoint:",
                "            address: { socket_address: { address: 127.0.0.1, port_value: " + upstreamPort + " } }",
                ""));
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        proxy = new Main(quiet, System.err);
        String[] args = {"-c", bootstrap.toString(), "--concurrency", "1", "-l", "warning"};
        proxyThread = new Thread(() -> proxy.run(args), "remora-main");
        proxyThread.setDaemon(true);
        proxyThread.start();
        client = connectWithin("direct".equals(target) ? upstreamPort : proxyPort, 30_000);
        client.setTcpNoDelay(true);
        out = client.getOutputStream();
        in = client.getInputStream();
        String first = new String(buf, 0, roundTrip(), StandardCharsets.US_ASCII);
        if (!first.startsWith("HTTP/1.1 200")) {
            throw new IllegalStateException("unexpected response: " + first);
        }
    }

    private long requests;
    private long workerBytesAtStart;
    private long workerCpuAtStart;

    @Setup(Level.Iteration)
    public void startIteration() {
        requests = 0;
        workerBytesAtStart = workerAllocatedBytes();
        workerCpuAtStart = workerCpuNanos();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        if ("proxy".equals(target) && requests > 0) {
            System.out.printf(java.util.Locale.ROOT, "%nproxy worker B/request: %.1f, CPU ns/request: %.0f (%d requests)%n",
                    (workerAllocatedBytes() - workerBytesAtStart) / (double) requests,
                    (workerCpuNanos() - workerCpuAtStart) / (double) requests, requests);
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    /** Bytes allocated so far by the proxy's worker threads (the data plane's event loops). */
    private static long workerAllocatedBytes() {
        long sum = 0;
        for (Thread t : workers()) {
            sum += THREADS.getThreadAllocatedBytes(t.getId());
        }
        return sum;
    }

    /** CPU time so far of the proxy's worker threads. */
    private static long workerCpuNanos() {
        long sum = 0;
        for (Thread t : workers()) {
            sum += Math.max(0, THREADS.getThreadCpuTime(t.getId()));
        }
        return sum;
    }

    private static java.util.List<Thread> workers() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("remora-worker")).toList();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close();
        proxy.shutdown();
        proxyThread.join(5_000);
        upstream.close().sync();
        upstreamGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        Files.deleteIfExists(bootstrap);
    }

    @Benchmark
    public int roundTrip() throws IOException {
        requests++;
        out.write(REQUEST);
        out.flush();
        return readResponse();
    }

    /** Reads one response with a Content-Length body; returns its size in bytes. */
    private int readResponse() throws IOException {
        int n = 0;
        int headerEnd = -1;
        int contentLength = -1;
        while (true) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw new IOException("proxy closed the connection");
            }
            n += r;
            if (headerEnd < 0) {
                headerEnd = indexOfBlankLine(n);
                if (headerEnd >= 0) {
                    contentLength = contentLength(headerEnd);
                }
            }
            if (headerEnd >= 0 && n >= headerEnd + contentLength) {
                return n;
            }
        }
    }

    private int indexOfBlankLine(int n) {
        for (int i = 3; i < n; i++) {
            if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    private int contentLength(int headerEnd) {
        String head = new String(buf, 0, headerEnd, StandardCharsets.US_ASCII).toLowerCase();
        int i = head.indexOf("content-length:");
        if (i < 0) {
            throw new IllegalStateException("no content-length in " + head);
        }
        int end = head.indexOf('\r', i);
        return Integer.parseInt(head.substring(i + 15, end).trim());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Socket connectWithin(int port, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            try {
                return new Socket("127.0.0.1", port);
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    /** The upstream: a fixed 24-byte 200 on every request. */
    private static final class FixedResponse extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest) {
                FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        BODY.duplicate());
                resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.readableBytes());
                ctx.write(resp);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}

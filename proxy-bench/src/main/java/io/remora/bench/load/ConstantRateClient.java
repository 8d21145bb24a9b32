package io.remora.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.HdrHistogram.Histogram;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An open-loop HTTP/1.1 load generator: requests are due at fixed intended times (start + i/rate)
 * whatever the server does, and each latency is measured from its intended send time, so a stall
 * shows up in every request it delayed (no coordinated omission, as in wrk2).
 *
 * <p>N keep-alive connections take the requests round-robin; a connection sends one request at a
 * time and queues the rest, so a slow response delays the requests behind it and they are charged
 * for that delay. Everything runs on one event loop thread.
 *
 * <pre>java -cp benchmarks.jar io.remora.bench.load.ConstantRateClient \
 *     --url http://127.0.0.1:8080/ --rate 1000 --duration 30 --connections 10 [--warmup 5] [--watch-pids 1,2]</pre>
 * Prints one line {@code RESULT key=value ...} with latencies in microseconds; with --watch-pids also
 * the CPU ticks the watched processes spent during the measured run and their peak RSS within it.
 */
public final class ConstantRateClient {

    /** What to run. */
    public record Options(URI url, int rate, double durationSeconds, int connections, double warmupSeconds,
                          List<Integer> watchPids) {
        public Options(URI url, int rate, double durationSeconds, int connections, double warmupSeconds) {
            this(url, rate, durationSeconds, connections, warmupSeconds, List.of());
        }

        public long requests() {
            return Math.round(rate * durationSeconds);
        }
    }

    /**
     * The outcome. {@code latency} is from the intended send time (corrected); {@code serviceTime}
     * is from the moment the request was written (what a closed-loop tool would report).
     */
    public record Result(Histogram latency, Histogram serviceTime, long sent, long completed, long errors,
                         double elapsedSeconds) {
        public double achievedRate() {
            return elapsedSeconds > 0 ? completed / elapsedSeconds : 0;
        }

        public String summary() {
            return String.format(Locale.ROOT,
                    "RESULT rate=%.1f sent=%d completed=%d errors=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f "
                            + "p999_us=%.1f max_us=%.1f mean_us=%.1f svc_p99_us=%.1f",
                    achievedRate(), sent, completed, errors, us(latency.getValueAtPercentile(50)),
                    us(latency.getValueAtPercentile(90)), us(latency.getValueAtPercentile(99)),
                    us(latency.getValueAtPercentile(99.9)), us(latency.getMaxValue()), latency.getMean() / 1000.0,
                    us(serviceTime.getValueAtPercentile(99)));
        }

        private static double us(long nanos) {
            return nanos / 1000.0;
        }
    }

    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(120);

    private ConstantRateClient() {
    }

    public static void main(String[] args) throws Exception {
        URI url = null;
        int rate = 1000;
        double duration = 30;
        int connections = 10;
        double warmup = 0;
        List<Integer> watch = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--url" -> url = URI.create(v);
                case "--rate" -> rate = Integer.parseInt(v);
                case "--duration" -> duration = Double.parseDouble(v);
                case "--connections" -> connections = Integer.parseInt(v);
                case "--warmup" -> warmup = Double.parseDouble(v);
                case "--watch-pids" -> {
                    for (String p : v.split(",")) {
                        if (!p.isBlank()) {
                            watch.add(Integer.parseInt(p.trim()));
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
            i++;
        }
        if (url == null) {
            throw new IllegalArgumentException("--url is required");
        }
        Options options = new Options(url, rate, duration, connections, warmup, watch);
        ProcWatch proc = new ProcWatch(watch);
        // [ticks before, ticks during, VmHWM, VmRSS]: read while the measured phase's connections
        // are still open, so they are the proxy's at this rate, without its handling of the closes
        long[] at = new long[4];
        Result r = run(options, () -> {
            proc.resetPeak();
            at[0] = proc.cpuTicks();
        }, () -> {
            at[1] = proc.cpuTicks() - at[0];
            at[2] = proc.statusKb("VmHWM");
            at[3] = proc.statusKb("VmRSS");
        });
        System.out.println(r.summary() + (watch.isEmpty() ? "" : String.format(Locale.ROOT,
                " cpu_ticks=%d hwm_kb=%d rss_kb=%d", at[1], at[2], at[3])));
        System.exit(r.errors() == 0 ? 0 : 2);
    }

    /** Runs an optional unrecorded warm-up at the same rate, then the measured run. */
    public static Result run(Options options) throws InterruptedException {
        return run(options, () -> { }, () -> { });
    }

    /**
     * As {@link #run(Options)}; {@code beforeMeasured} runs between the warm-up and the measured
     * run, {@code afterMeasured} right after it, before the connections close.
     */
    public static Result run(Options options, Runnable beforeMeasured, Runnable afterMeasured)
            throws InterruptedException {
        boolean epoll = Epoll.isAvailable() && !"nio".equals(System.getProperty("bench.transport"));
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("load", true), io);
        try {
            EventLoop loop = group.next();
            List<Connection> conns = connect(options, loop, epoll);
            if (options.warmupSeconds() > 0) {
                runPhase(options, loop, conns, Math.round(options.rate() * options.warmupSeconds()));
            }
            beforeMeasured.run();
            Result measured = runPhase(options, loop, conns, options.requests());
            afterMeasured.run();
            return measured;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static List<Connection> connect(Options o, EventLoop loop, boolean epoll) throws InterruptedException {
        String host = o.url().getHost();
        int port = o.url().getPort() > 0 ? o.url().getPort() : 80;
        String path = o.url().getRawPath() == null || o.url().getRawPath().isEmpty() ? "/" : o.url().getRawPath();
        String authority = o.url().getPort() > 0 ? host + ":" + port : host;
        List<Connection> conns = new ArrayList<>();
        for (int i = 0; i < o.connections(); i++) {
            Connection c = new Connection(path, authority);
            Bootstrap b = new Bootstrap().group(loop)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), c);
                        }
                    });
            c.channel = b.connect(new InetSocketAddress(host, port)).sync().channel();
            conns.add(c);
        }
        return conns;
    }

    private static Result runPhase(Options o, EventLoop loop, List<Connection> conns, long total)
            throws InterruptedException {
        Phase phase = new Phase(o, loop, conns, total);
        for (Connection c : conns) {
            loop.execute(() -> c.phase = phase);
        }
        loop.execute(phase::tick);
        long budgetMs = (long) (total * 1000.0 / o.rate()) + 15_000;
        if (!phase.done.await(budgetMs, TimeUnit.MILLISECONDS)) {
            loop.submit(phase::abandonOutstanding).syncUninterruptibly();
        }
        return loop.submit(phase::result).syncUninterruptibly().getNow();
    }

    /** One measured run: its schedule, its histograms; touched only on the event loop. */
    private static final class Phase {
        final long periodNanos;
        final long startNanos;
        final long total;
        final EventLoop loop;
        final List<Connection> conns;
        final Histogram latency = new Histogram(HIGHEST_NANOS, 3);
        final Histogram serviceTime = new Histogram(HIGHEST_NANOS, 3);
        final CountDownLatch done = new CountDownLatch(1);
        long next;
        long sent;
        long completed;
        long errors;
        long endNanos;
        int rr;

        Phase(Options o, EventLoop loop, List<Connection> conns, long total) {
            this.periodNanos = 1_000_000_000L / o.rate();
            // A short lead so the first intended time is not already in the past.
            this.startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            this.total = total;
            this.loop = loop;
            this.conns = conns;
        }

        long intended(long i) {
            return startNanos + i * periodNanos;
        }

        /** Dispatches every request that is due, then sleeps until the next one is. */
        void tick() {
            long now = System.nanoTime();
            while (next < total && intended(next) <= now) {
                dispatch(intended(next));
                next++;
            }
            if (next < total) {
                loop.schedule(this::tick, intended(next) - now, TimeUnit.NANOSECONDS);
            } else {
                maybeFinish();
            }
        }

        void dispatch(long intendedNanos) {
            sent++;
            for (int tries = 0; tries < conns.size(); tries++) {
                Connection c = conns.get(rr++ % conns.size());
                if (c.channel.isActive()) {
                    c.enqueue(intendedNanos);
                    return;
                }
            }
            errors++;
        }

        void completed(long intendedNanos, long writtenNanos, boolean ok) {
            long now = System.nanoTime();
            if (ok) {
                completed++;
                latency.recordValue(Math.min(now - intendedNanos, HIGHEST_NANOS));
                serviceTime.recordValue(Math.min(now - writtenNanos, HIGHEST_NANOS));
            } else {
                errors++;
            }
            maybeFinish();
        }

        void failed(int count) {
            errors += count;
            maybeFinish();
        }

        void maybeFinish() {
            if (next >= total && completed + errors >= total && done.getCount() > 0) {
                endNanos = System.nanoTime();
                done.countDown();
            }
        }

        void abandonOutstanding() {
            errors = Math.max(errors, total - completed);
            endNanos = System.nanoTime();
            done.countDown();
        }

        Result result() {
            long end = endNanos == 0 ? System.nanoTime() : endNanos;
            return new Result(latency, serviceTime, sent, completed, errors, (end - startNanos) / 1e9);
        }
    }

    /** One keep-alive connection: at most one request in flight, the rest queued by intended time. */
    private static final class Connection extends SimpleChannelInboundHandler<HttpObject> {
        final String path;
        final String authority;
        Channel channel;
        Phase phase;
        long[] queue = new long[64];
        int head;
        int size;
        boolean inFlight;
        long writtenNanos;
        boolean ok;

        Connection(String path, String authority) {
            this.path = path;
            this.authority = authority;
        }

        void enqueue(long intendedNanos) {
            if (size == queue.length) {
                long[] bigger = new long[queue.length * 2];
                for (int i = 0; i < size; i++) {
                    bigger[i] = queue[(head + i) % queue.length];
                }
                queue = bigger;
                head = 0;
            }
            queue[(head + size) % queue.length] = intendedNanos;
            size++;
            if (!inFlight) {
                sendHead();
            }
        }

        private void sendHead() {
            inFlight = true;
            ok = false;
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
            req.headers().set(HttpHeaderNames.HOST, authority);
            writtenNanos = System.nanoTime();
            channel.writeAndFlush(req, channel.voidPromise());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                ok = r.status().code() < 400 && r.decoderResult().isSuccess();
            }
            if (msg instanceof LastHttpContent && inFlight) {
                long intended = queue[head];
                head = (head + 1) % queue.length;
                size--;
                inFlight = false;
                phase.completed(intended, writtenNanos, ok);
                if (size > 0) {
                    sendHead();
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            int lost = size;
            size = 0;
            inFlight = false;
            if (phase != null && lost > 0) {
                phase.failed(lost);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

package io.remora.bench.load;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.HdrHistogram.Histogram;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * gRPC load for the harness, with grpc-java on both ends so every proxy sees the same peer:
 *
 * <pre>
 *   GrpcLoad server PORT
 *   GrpcLoad unary  HOST PORT [--duration S] [--warmup S] [--connections C] [--concurrency N] [--watch-pids P,..]
 *   GrpcLoad stream HOST PORT [--duration S] [--warmup S] [--connections C] [--concurrency N] [--watch-pids P,..]
 * </pre>
 *
 * {@code unary} keeps N calls of {@code bench.Echo/Unary} in flight over C connections;
 * {@code stream} keeps N bidirectional {@code bench.Echo/Stream} streams open over C connections,
 * each sending its next message when the echo of the last arrives. Messages are 128 bytes. Prints
 * {@code RESULT rate=<calls or messages per s> completed=.. errors=.. p50_us=.. p99_us=..}, plus
 * {@code cpu_ticks} of the watched processes over the measured phase.
 */
public final class GrpcLoad {

    private static final int PAYLOAD = 128;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("bench.Echo/Unary")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    static final MethodDescriptor<byte[], byte[]> STREAM = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING).setFullMethodName("bench.Echo/Stream")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    private GrpcLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("server")) {
            serve(Integer.parseInt(args[1]));
            return;
        }
        if (args.length < 3 || !(args[0].equals("unary") || args[0].equals("stream"))) {
            System.err.println("usage: GrpcLoad server PORT | GrpcLoad unary|stream HOST PORT [--duration S] [--warmup S]"
                    + " [--connections C] [--concurrency N] [--watch-pids P,...]");
            System.exit(2);
        }
        int duration = 15;
        int warmup = 3;
        int connections = 10;
        int concurrency = 100;
        List<Integer> watch = new ArrayList<>();
        for (int i = 3; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--duration" -> duration = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--connections" -> connections = Integer.parseInt(args[i + 1]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[i + 1]);
                case "--watch-pids" -> Arrays.stream(args[i + 1].split(",")).filter(s -> !s.isBlank())
                        .map(Integer::parseInt).forEach(watch::add);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        new Run(args[0].equals("stream"), args[1], Integer.parseInt(args[2]), connections, concurrency)
                .measure(warmup, duration, new ProcWatch(watch));
    }

    private static void serve(int port) throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }))
                .addMethod(STREAM, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        out.onNext(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).directExecutor()
                .addService(service).build().start().awaitTermination();
    }

    /** One measurement: N calls or streams kept busy over C connections. */
    private static final class Run {
        private final boolean streaming;
        private final List<ManagedChannel> channels = new ArrayList<>();
        private final int concurrency;
        private final byte[] payload = new byte[PAYLOAD];
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        /** The first failure's status, printed once: a run's error count alone says nothing of why. */
        private final java.util.concurrent.atomic.AtomicBoolean errorShown = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile Histogram histogram = new Histogram(60_000_000_000L, 3);
        private volatile boolean running = true;
        private final CountDownLatch stopped;

        void error(Status status) {
            errors.incrementAndGet();
            if (errorShown.compareAndSet(false, true)) {
                System.err.println("first error: " + status);
            }
        }

        Run(boolean streaming, String host, int port, int connections, int concurrency) {
            this.streaming = streaming;
            this.concurrency = concurrency;
            this.stopped = new CountDownLatch(concurrency);
            for (int i = 0; i < connections; i++) {
                channels.add(NettyChannelBuilder.forAddress(host, port).usePlaintext().directExecutor()
                        .flowControlWindow(1 << 20).build());
            }
        }

        void measure(int warmupSeconds, int seconds, ProcWatch proc) throws InterruptedException {
            for (int i = 0; i < concurrency; i++) {
                ManagedChannel ch = channels.get(i % channels.size());
                if (streaming) {
                    new Streamer(ch).start();
                } else {
                    new Caller(ch).next();
                }
            }
            Thread.sleep(warmupSeconds * 1000L);
            synchronized (this) {
                histogram = new Histogram(60_000_000_000L, 3);
            }
            long done0 = completed.get();
            long err0 = errors.get();
            long cpu0 = proc.cpuTicks();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long t1 = System.nanoTime();
            long cpu1 = proc.cpuTicks();
            long done = completed.get() - done0;
            long errs = errors.get() - err0;
            Histogram h;
            synchronized (this) {
                h = histogram.copy();
            }
            running = false;
            stopped.await(10, TimeUnit.SECONDS);
            for (ManagedChannel ch : channels) {
                ch.shutdownNow();
            }
            System.out.printf("RESULT mode=%s rate=%.1f completed=%d errors=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f "
                            + "max_us=%.1f cpu_ticks=%d%n", streaming ? "stream" : "unary",
                    done / ((t1 - t0) / 1e9), done, errs, h.getValueAtPercentile(50) / 1e3,
                    h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3,
                    cpu1 - cpu0);
        }

        private synchronized void record(long nanos) {
            histogram.recordValue(Math.min(nanos, 59_999_999_999L));
        }

        /** Unary calls one after another, each started when the last completes. */
        private final class Caller {
            private final ManagedChannel channel;

            Caller(ManagedChannel channel) {
                this.channel = channel;
            }

            void next() {
                if (!running) {
                    stopped.countDown();
                    return;
                }
                long started = System.nanoTime();
                ClientCall<byte[], byte[]> call = channel.newCall(UNARY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
                call.start(new ClientCall.Listener<>() {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        if (status.isOk()) {
                            completed.incrementAndGet();
                            record(System.nanoTime() - started);
                        } else {
                            error(status);
                        }
                        next();
                    }
                }, new Metadata());
                call.request(1);
                call.sendMessage(payload);
                call.halfClose();
            }
        }

        /** One bidirectional stream, ping-pong: the next message goes when the last one's echo arrives. */
        private final class Streamer extends ClientCall.Listener<byte[]> {
            private final ManagedChannel channel;
            private ClientCall<byte[], byte[]> call;
            private long sent;

            Streamer(ManagedChannel channel) {
                this.channel = channel;
            }

            void start() {
                call = channel.newCall(STREAM, CallOptions.DEFAULT);
                call.start(this, new Metadata());
                call.request(1);
                send();
            }

            private void send() {
                sent = System.nanoTime();
                call.sendMessage(payload);
            }

            @Override
            public void onMessage(byte[] message) {
                completed.incrementAndGet();
                record(System.nanoTime() - sent);
                if (running) {
                    call.request(1);
                    send();
                } else {
                    call.halfClose();
                }
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                if (!status.isOk() && running) {
                    error(status);
                    start(); // a broken stream is replaced, and counted
                    return;
                }
                stopped.countDown();
            }
        }
    }
}

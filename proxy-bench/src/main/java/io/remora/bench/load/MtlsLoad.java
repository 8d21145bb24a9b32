package io.remora.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.remora.server.Transport;

import java.io.File;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop mTLS HTTP/1.1 load generator (wrk and h2load cannot present client
 * certificates): N connections each send GET / and wait for the response.
 *
 * <pre>java -cp benchmarks.jar io.remora.bench.load.MtlsLoad --port P --cert c.pem --key k.pem
 *     --duration 15 --connections 50 [--new-connection-per-request] [--plaintext]</pre>
 * Keep-alive mode measures throughput; with {@code --new-connection-per-request} every request
 * takes a full handshake (no resumption), which measures handshakes per second. With
 * {@code --plaintext} the same client speaks HTTP/1.1 without TLS (no certificate needed): the
 * same load shape against a plain listener, to tell TLS's share of a proxy's cost. Prints
 * {@code RESULT requests=.. errors=.. seconds=.. rps=..}. Runs on one event loop thread.
 */
public final class MtlsLoad {
    /** A request as an HttpRequest: the client codec pairs each response with the request's method. */
    private static FullHttpRequest request() {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
        r.headers().set(HttpHeaderNames.HOST, "bench");
        return r;
    }

    private final SslContext ssl;
    private final Bootstrap bootstrap;
    private final boolean perRequest;
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean reported = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean running = true;

    private MtlsLoad(EventLoopGroup group, Transport t, int port, SslContext ssl, boolean perRequest) {
        this.ssl = ssl;
        this.perRequest = perRequest;
        this.bootstrap = new Bootstrap().group(group).channel(t.socketChannel()).remoteAddress("127.0.0.1", port)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "bench", port));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), new Client());
                    }
                });
    }

    /** One connection's loop: a request, its response, the next (or a new connection). */
    private final class Client extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(request());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
            if (r.status().code() == 200) {
                ok.incrementAndGet();
            } else {
                errors.incrementAndGet();
            }
            if (!running || perRequest) {
                ctx.close();
            } else {
                ctx.writeAndFlush(request());
            }
        }

        /** Every connection that ends (ours after a request, or the server's) is replaced while running. */
        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (running) {
                open();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (running && evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess() && reported.compareAndSet(false, true)) {
                System.err.println("handshake failed: " + e.cause());
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.incrementAndGet();
            ctx.close();
        }
    }

    private void open() {
        bootstrap.connect().addListener(f -> {
            if (!f.isSuccess()) {
                errors.incrementAndGet();
                if (running) {
                    open();
                }
            }
        });
    }

    public static void main(String[] args) throws Exception {
        int port = 0;
        int connections = 50;
        double duration = 15;
        double warmup = 2;
        String cert = null;
        String key = null;
        boolean perRequest = false;
        boolean plaintext = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--duration" -> duration = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--cert" -> cert = args[++i];
                case "--key" -> key = args[++i];
                case "--new-connection-per-request" -> perRequest = true;
                case "--plaintext" -> plaintext = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (port == 0 || !plaintext && (cert == null || key == null)) {
            throw new IllegalArgumentException("--port, and --cert and --key unless --plaintext, are required");
        }
        // The client verifies nothing: the proxies under test are what is measured, not the client.
        SslContext ssl = plaintext ? null : SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .keyManager(new File(cert), new File(key)).trustManager(InsecureTrustManagerFactory.INSTANCE)
                .protocols("TLSv1.3").sessionCacheSize(1).build();
        Transport t = Transport.detect();
        EventLoopGroup group = t.newEventLoopGroup(1, "mtls-load");
        try {
            MtlsLoad load = new MtlsLoad(group, t, port, ssl, perRequest);
            for (int i = 0; i < connections; i++) {
                load.open();
            }
            Thread.sleep((long) (warmup * 1000));
            long ok0 = load.ok.get();
            long err0 = load.errors.get();
            long t0 = System.nanoTime();
            Thread.sleep((long) (duration * 1000));
            long n = load.ok.get() - ok0;
            long e = load.errors.get() - err0;
            double secs = (System.nanoTime() - t0) / 1e9;
            load.running = false;
            System.out.printf("RESULT requests=%d errors=%d seconds=%.2f rps=%.1f%n", n, e, secs, n / secs);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}

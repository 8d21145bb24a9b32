package io.remora.e2e;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.remora.server.Transport;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * A real HTTP/1.1 upstream for end-to-end tests, on its own event loop. It answers by a
 * {@link Responder}, counts connections and requests, and streams large bodies both ways
 * without holding them ({@code POST /upload} answers the CRC32 and length of what it read;
 * {@code GET /download?bytes=N&seed=S} sends N pseudo-random bytes).
 */
public final class TestUpstream implements AutoCloseable {

    /**
     * Answers one small request; n counts requests to this upstream from 1. The request is
     * released when this returns unless retained; a retained one may outlive the upstream.
     */
    public interface Responder {
        void respond(ChannelHandlerContext ctx, FullHttpRequest request, int n);
    }

    private final EventLoopGroup group = Transport.of(Transport.Kind.NIO).newEventLoopGroup(1, "test-upstream");
    private final Channel channel;
    public final AtomicInteger connections = new AtomicInteger();
    /** Connections closed (by either side) so far. */
    public final AtomicInteger closed = new AtomicInteger();
    public final AtomicInteger requests = new AtomicInteger();
    /**
     * The last request headers seen, by lower-case name; {@code :path} is the request's target and,
     * over TLS, {@code :sni} the server name its connection's client hello asked for ("" for none).
     */
    public final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
    /**
     * Each {@code POST /upload} as its headers arrive, before any of its body: its host header and
     * the nanoTime it came at.
     */
    public final java.util.concurrent.BlockingQueue<java.util.Map.Entry<String, Long>> uploadsStarted =
            new java.util.concurrent.LinkedBlockingQueue<>();
    /** Each {@code POST /upload}'s answer ("crc32-hex length") once its whole body was read. */
    public final java.util.concurrent.BlockingQueue<String> uploadsRead = new java.util.concurrent.LinkedBlockingQueue<>();
    /** Over TLS: the server name of each connection's client hello, in order ("" for none). */
    public final java.util.List<String> serverNames = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final io.netty.util.AttributeKey<String> SNI = io.netty.util.AttributeKey.valueOf("test-upstream-sni");

    private TestUpstream(Responder responder) throws InterruptedException {
        this(responder, 0, null);
    }

    private TestUpstream(Responder responder, int port, io.netty.handler.ssl.SslContext tls) throws InterruptedException {
        channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        ch.closeFuture().addListener(f -> closed.incrementAndGet());
                        if (tls != null) {
                            // Reads the client hello itself, so the name is the one on the wire.
                            ch.pipeline().addLast(new io.netty.handler.ssl.SniHandler(
                                    (io.netty.util.Mapping<String, io.netty.handler.ssl.SslContext>) name -> {
                                        String sni = name == null ? "" : name;
                                        serverNames.add(sni);
                                        ch.attr(SNI).set(sni);
                                        return tls;
                                    }));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new Streaming(),
                                new HttpObjectAggregator(1 << 20), new Small(responder));
                    }
                }).bind("127.0.0.1", port).sync().channel();
    }

    /** An HTTPS upstream presenting {@code leaf}, recording the SNI of each connection. */
    public static TestUpstream startTls(io.remora.testing.TestCerts.Leaf leaf, Responder responder) throws Exception {
        io.netty.handler.ssl.SslContext ctx = io.netty.handler.ssl.SslContextBuilder
                .forServer(leaf.keys().getPrivate(), leaf.cert()).build();
        return new TestUpstream(responder, 0, ctx);
    }

    /** As {@link #startTls}, answering every request 200 with {@code sni=<the connection's SNI>}. */
    public static TestUpstream startTlsEchoingSni(io.remora.testing.TestCerts.Leaf leaf) throws Exception {
        return startTls(leaf, (ctx, req, n) -> send(ctx, req, 200, "sni=" + ctx.channel().attr(SNI).get()));
    }

    public static TestUpstream start(Responder responder) throws InterruptedException {
        return new TestUpstream(responder);
    }

    /** On a given port (an upstream that comes back where it was). */
    public static TestUpstream startOn(int port, Responder responder) throws InterruptedException {
        return new TestUpstream(responder, port, null);
    }

    /** Always 200 with this text. */
    public static TestUpstream text(String body) throws InterruptedException {
        return start((ctx, req, n) -> send(ctx, req, 200, body));
    }

    public int port() {
        return ((java.net.InetSocketAddress) channel.localAddress()).getPort();
    }

    public static void send(ChannelHandlerContext ctx, FullHttpRequest req, int status, String body) {
        send(ctx, req, status, body, Map.of());
    }

    /** As {@link #send(ChannelHandlerContext, FullHttpRequest, int, String)}, with extra response headers. */
    public static void send(ChannelHandlerContext ctx, FullHttpRequest req, int status, String body,
                            Map<String, String> headers) {
        ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), buf);
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
        headers.forEach(resp.headers()::set);
        if (HttpUtil.isKeepAlive(req)) {
            ctx.writeAndFlush(resp);
        } else {
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Sends headers and part of a body, then closes the connection: a response cut short. */
    public static void sendTruncated(ChannelHandlerContext ctx, int declaredLength, String partial) {
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, declaredLength);
        ctx.write(resp);
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(partial, StandardCharsets.UTF_8)))
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private final class Small extends io.netty.channel.SimpleChannelInboundHandler<FullHttpRequest> {
        private final Responder responder;

        Small(Responder responder) {
            this.responder = responder;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            lastHeaders.clear();
            req.headers().forEach(e -> lastHeaders.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
            lastHeaders.put(":path", req.uri());
            String sni = ctx.channel().attr(SNI).get();
            if (sni != null) {
                lastHeaders.put(":sni", sni);
            }
            // A responder that retains the request to answer later on this loop loses that task (and
            // its release) if the upstream closes first: the loop's shutdown drops scheduled tasks.
            // It gets a heap copy, so what it holds is garbage then, not the codec's pooled buffers.
            FullHttpRequest held = req.replace(Unpooled.wrappedBuffer(io.netty.buffer.ByteBufUtil.getBytes(req.content())));
            try {
                responder.respond(ctx, held, requests.incrementAndGet());
            } finally {
                held.release();
            }
        }
    }

    /** Handles /upload and /download without aggregating; passes other requests on. */
    private final class Streaming extends ChannelInboundHandlerAdapter {
        private CRC32 crc;
        private long length;
        private boolean passThrough;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest req) {
                String path = new QueryStringDecoder(req.uri()).path();
                passThrough = !path.equals("/upload") && !path.equals("/download");
                if (passThrough) {
                    ctx.fireChannelRead(msg);
                    return;
                }
                requests.incrementAndGet();
                if (path.equals("/download")) {
                    QueryStringDecoder q = new QueryStringDecoder(req.uri());
                    long bytes = Long.parseLong(q.parameters().get("bytes").get(0));
                    long seed = Long.parseLong(q.parameters().getOrDefault("seed", java.util.List.of("1")).get(0));
                    new Download(ctx, bytes, seed).start();
                } else {
                    crc = new CRC32();
                    length = 0;
                    uploadsStarted.add(Map.entry(String.valueOf(req.headers().get(HttpHeaderNames.HOST)), System.nanoTime()));
                }
                ReferenceCountUtil.release(msg);
                return;
            }
            if (passThrough) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (msg instanceof HttpContent content) {
                if (crc != null) {
                    ByteBuf b = content.content();
                    length += b.readableBytes();
                    crc.update(b.nioBuffer());
                }
                boolean last = msg instanceof LastHttpContent;
                ReferenceCountUtil.release(msg);
                if (last && crc != null) {
                    String body = Long.toHexString(crc.getValue()) + " " + length;
                    crc = null;
                    uploadsRead.add(body);
                    ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
                    FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, buf);
                    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
                    ctx.writeAndFlush(resp);
                }
            }
        }
    }

    /** Writes a pseudo-random body in 64 KiB chunks, only while the channel is writable. */
    private static final class Download implements ChannelFutureListener {
        private final ChannelHandlerContext ctx;
        private final java.util.Random random;
        private long remaining;

        Download(ChannelHandlerContext ctx, long bytes, long seed) {
            this.ctx = ctx;
            this.remaining = bytes;
            this.random = new java.util.Random(seed);
        }

        void start() {
            HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, remaining);
            ctx.write(resp);
            writeMore();
        }

        private void writeMore() {
            while (remaining > 0) {
                int n = (int) Math.min(65536, remaining);
                byte[] chunk = new byte[n];
                random.nextBytes(chunk);
                remaining -= n;
                if (remaining == 0) {
                    ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultLastHttpContent(Unpooled.wrappedBuffer(chunk)));
                    return;
                }
                io.netty.channel.ChannelFuture f = ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
                if (!ctx.channel().isWritable()) {
                    f.addListener(this);
                    return;
                }
            }
        }

        @Override
        public void operationComplete(io.netty.channel.ChannelFuture future) {
            if (future.isSuccess()) {
                writeMore();
            }
        }
    }

    /** The CRC32 a download of this size and seed carries, computed the same way. */
    public static long expectedCrc(long bytes, long seed) {
        java.util.Random random = new java.util.Random(seed);
        CRC32 crc = new CRC32();
        long remaining = bytes;
        while (remaining > 0) {
            int n = (int) Math.min(65536, remaining);
            byte[] chunk = new byte[n];
            random.nextBytes(chunk);
            crc.update(chunk);
            remaining -= n;
        }
        return crc.getValue();
    }
}

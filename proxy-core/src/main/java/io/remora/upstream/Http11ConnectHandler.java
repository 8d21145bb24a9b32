package io.remora.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The http_11_proxy transport socket towards a host reached through an HTTP/1.1 proxy: first in
 * the pipeline, it sends {@code CONNECT <target> HTTP/1.1} with {@code Host: <target>} (RFC 9110's
 * form, Envoy's since 1.36; before, no Host) as the connection to the proxy comes up, the target
 * being the host's hostname and port when the endpoint has a hostname (Envoy 1.36 prefers it for
 * a proxy named in metadata), else its address; and holds {@code channelActive} back from the handlers after
 * it (TLS, a PROXY header) until the proxy answers 200; then it drops the answer, lets them start,
 * and leaves the pipeline. Any other answer, an answer not complete within 2,000 bytes (Envoy's
 * limit), the proxy closing first, or the connect timeout passing fails the connect.
 */
final class Http11ConnectHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = "http11-connect";
    private static final int MAX_RESPONSE_HEADER_SIZE = 2000;

    private final String target;
    private final long timeoutMillis;
    private Promise<Void> tunnel;
    private ByteBuf received;
    private ScheduledFuture<?> timeout;

    Http11ConnectHandler(InetSocketAddress host, String hostname, long timeoutMillis) {
        this.target = hostname == null || hostname.isEmpty() ? authority(host) : hostname + ":" + host.getPort();
        this.timeoutMillis = timeoutMillis;
    }

    /** Envoy's address string: {@code 10.0.0.1:443}, {@code [::1]:443}. */
    static String authority(InetSocketAddress a) {
        String ip = a.getAddress().getHostAddress();
        int scope = ip.indexOf('%');
        if (scope >= 0) {
            ip = ip.substring(0, scope);
        }
        return (a.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + a.getPort();
    }

    /** Completes when the proxy answered 200; fails with the reason otherwise. */
    Promise<Void> tunnel(io.netty.channel.Channel ch) {
        if (tunnel == null) {
            tunnel = ch.eventLoop().newPromise();
        }
        return tunnel;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        tunnel(ctx.channel());
        timeout = ctx.executor().schedule(() -> fail(ctx, "the HTTP/1.1 proxy did not answer CONNECT in time"),
                timeoutMillis, TimeUnit.MILLISECONDS);
        ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(),
                        "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n"))
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        fail(ctx, "writing CONNECT to the HTTP/1.1 proxy failed: " + f.cause());
                    }
                });
        readMore(ctx);
        // channelActive goes on once the tunnel is up
    }

    /** A relay's channel (tcp_proxy) reads only when asked; the answer must be read all the same. */
    private static void readMore(ChannelHandlerContext ctx) {
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tunnel.isDone()) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        if (received == null) {
            received = ctx.alloc().buffer(Math.min(MAX_RESPONSE_HEADER_SIZE, Math.max(256, in.readableBytes())));
        }
        int take = Math.min(in.readableBytes(), MAX_RESPONSE_HEADER_SIZE - received.readableBytes());
        received.writeBytes(in, take);
        int end = headersEnd(received);
        if (end < 0) {
            in.release();
            if (received.readableBytes() >= MAX_RESPONSE_HEADER_SIZE) {
                fail(ctx, "the HTTP/1.1 proxy's CONNECT response headers exceed 2000 bytes");
            } else {
                readMore(ctx);
            }
            return;
        }
        int status = status(received);
        if (status != 200) {
            in.release();
            fail(ctx, "the HTTP/1.1 proxy answered CONNECT with " + (status < 0 ? "a malformed response" : status));
            return;
        }
        // What came after the response's headers already belongs to the tunnel.
        int extraInReceived = received.readableBytes() - end;
        ByteBuf rest = in.readableBytes() > 0 || extraInReceived > 0
                ? ctx.alloc().buffer(extraInReceived + in.readableBytes()) : null;
        if (rest != null) {
            rest.writeBytes(received, end, extraInReceived).writeBytes(in);
        }
        in.release();
        release();
        timeout.cancel(false);
        ctx.fireChannelActive(); // TLS starts its handshake, a PROXY header goes out
        tunnel.trySuccess(null);
        if (rest != null) {
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (tunnel != null && !tunnel.isDone()) {
            fail(ctx, "the HTTP/1.1 proxy closed the connection before answering CONNECT");
        }
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        if (tunnel.tryFailure(new ConnectException(why))) {
            if (timeout != null) {
                timeout.cancel(false);
            }
            ctx.close();
        }
    }

    private void release() {
        if (received != null) {
            received.release();
            received = null;
        }
    }

    /** The index just past the empty line ending the headers, or -1 while it has not come. */
    private static int headersEnd(ByteBuf b) {
        int r = b.readerIndex();
        int w = b.writerIndex();
        for (int i = r; i < w; i++) {
            if (b.getByte(i) != '\n') {
                continue;
            }
            if (i + 1 < w && b.getByte(i + 1) == '\n') {
                return i + 2 - r;
            }
            if (i + 2 < w && b.getByte(i + 1) == '\r' && b.getByte(i + 2) == '\n') {
                return i + 3 - r;
            }
        }
        return -1;
    }

    /** The status code of {@code HTTP/1.x NNN ...}, or -1 when the status line is not that. */
    private static int status(ByteBuf b) {
        int lineEnd = b.indexOf(b.readerIndex(), b.writerIndex(), (byte) '\n');
        String line = b.toString(b.readerIndex(), lineEnd - b.readerIndex(), StandardCharsets.US_ASCII).strip();
        if (!(line.startsWith("HTTP/1.1 ") || line.startsWith("HTTP/1.0 ")) || line.length() < 12
                || (line.length() > 12 && line.charAt(12) != ' ')) {
            return -1;
        }
        try {
            return Integer.parseInt(line.substring(9, 12));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

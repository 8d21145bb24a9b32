package io.remora.extensions.filters.network.redis_proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.remora.redis.RespEncoder;
import io.remora.redis.RespReader;
import io.remora.redis.RespValue;

import java.security.MessageDigest;
import java.util.ArrayDeque;

/**
 * One downstream connection (Envoy's {@code ProxyFilter}): each request is split and sent on,
 * replies go back in request order however they arrive. AUTH is checked against the configured
 * password(s) and username; until it succeeds every other command gets NOAUTH. Bytes that are
 * not RESP get "downstream protocol error" and the connection is closed.
 */
final class RedisSession extends ChannelInboundHandlerAdapter {
    private final RedisProxyFilter filter;
    private final RedisProxyStats stats;
    private final ArrayDeque<PendingRequest> pending = new ArrayDeque<>();
    private Channel channel;
    private boolean allowed;
    private boolean quit;
    private long txBuffered;
    private long rxBuffered;
    private final RespReader reader;

    RedisSession(RedisProxyFilter filter, RespReader reader) {
        this.filter = filter;
        this.reader = reader;
        this.stats = filter.stats;
        this.allowed = filter.config.downstreamAuthPasswords().isEmpty()
                && filter.config.downstreamAuthUsername().isEmpty();
    }

    /** One request on this connection, until its reply is written. */
    private final class PendingRequest implements SplitCallbacks {
        SplitRequest handle;
        RespValue reply;

        @Override
        public void onResponse(RespValue v) {
            reply = v;
            handle = null;
            RedisSession.this.flushReplies();
        }

        @Override
        public boolean connectionAllowed() {
            return allowed;
        }

        @Override
        public void onAuth(byte[] username, byte[] password) {
            onResponse(auth(username, password));
        }

        @Override
        public void onQuit() {
            quit = true;
            onResponse(RespValue.OK);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        stats.downstreamCxTotal.increment();
        stats.downstreamCxActive.incrementAndGet();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RespValue v) {
            if (quit) {
                return;
            }
            PendingRequest p = new PendingRequest();
            pending.add(p);
            stats.downstreamRqTotal.increment();
            stats.downstreamRqActive.incrementAndGet();
            SplitRequest h = filter.splitter.makeRequest(v, p, ctx.channel().eventLoop());
            if (p.reply == null) {
                p.handle = h;
            }
        } else if (msg == RespReader.PROTOCOL_ERROR) {
            stats.downstreamCxProtocolError.increment();
            ByteBuf out = ctx.alloc().buffer();
            RespEncoder.encode(RespValue.error("downstream protocol error"), out);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // downstream_cx_rx_bytes_buffered: what arrived but is not a whole request yet.
        long now = reader.buffered();
        stats.downstreamCxRxBytesBuffered.addAndGet(now - rxBuffered);
        rxBuffered = now;
        ctx.fireChannelReadComplete();
    }

    /** Writes every reply that has its turn; closes after QUIT, or when draining, once none is left. */
    private void flushReplies() {
        ByteBuf out = null;
        while (!pending.isEmpty() && pending.peek().reply != null) {
            if (out == null) {
                out = channel.alloc().buffer();
            }
            RespEncoder.encode(pending.poll().reply, out);
            stats.downstreamRqActive.decrementAndGet();
        }
        if (out != null) {
            stats.downstreamCxTxBytesTotal.increment(out.readableBytes());
            channel.writeAndFlush(out).addListener(f -> trackTxBuffered());
            trackTxBuffered();
        }
        if (!pending.isEmpty()) {
            return;
        }
        if (quit) {
            channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else if (filter.drainClose()) {
            stats.downstreamCxDrainClose.increment();
            channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** downstream_cx_tx_bytes_buffered: what is written but not yet taken by the socket. */
    private void trackTxBuffered() {
        var buffer = channel.unsafe().outboundBuffer();
        long now = buffer == null ? 0 : buffer.totalPendingWriteBytes();
        stats.downstreamCxTxBytesBuffered.addAndGet(now - txBuffered);
        txBuffered = now;
    }

    private RespValue auth(byte[] username, byte[] password) {
        RedisProxyConfig c = filter.config;
        if (username == null) {
            if (c.downstreamAuthPasswords().isEmpty()) {
                return RespValue.error("ERR Client sent AUTH, but no password is set");
            }
            allowed = checkPassword(password);
            return allowed ? RespValue.OK : RespValue.error("ERR invalid password");
        }
        if (c.downstreamAuthUsername().isEmpty() && c.downstreamAuthPasswords().isEmpty()) {
            return RespValue.error("ERR Client sent AUTH, but no username-password pair is set");
        }
        // An empty configured username and "default" are the same user, as in Redis 6 ACLs.
        String user = new String(username, java.nio.charset.StandardCharsets.UTF_8);
        boolean userOk = c.downstreamAuthUsername().isEmpty() ? user.equals("default")
                : equal(username, c.downstreamAuthUsername());
        allowed = userOk && checkPassword(password);
        return allowed ? RespValue.OK : RespValue.error("WRONGPASS invalid username-password pair");
    }

    private boolean checkPassword(byte[] password) {
        boolean ok = false;
        for (String p : filter.config.downstreamAuthPasswords()) {
            ok |= equal(password, p);
        }
        return ok;
    }

    private static boolean equal(byte[] given, String configured) {
        return MessageDigest.isEqual(given, configured.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // Replies the client does not read stop further reads, so they do not pile up here.
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        trackTxBuffered();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stats.downstreamCxActive.decrementAndGet();
        stats.downstreamCxTxBytesBuffered.addAndGet(-txBuffered);
        stats.downstreamCxRxBytesBuffered.addAndGet(-rxBuffered);
        txBuffered = 0;
        rxBuffered = 0;
        PendingRequest p;
        while ((p = pending.poll()) != null) {
            stats.downstreamRqActive.decrementAndGet();
            if (p.handle != null) {
                p.handle.cancel();
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

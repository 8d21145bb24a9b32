package io.remora.upstream.health;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.remora.config.HealthCheckConfig;
import io.remora.redis.RespEncoder;
import io.remora.redis.RespReader;
import io.remora.redis.RespValue;
import io.remora.upstream.Host;

/**
 * {@code envoy.health_checkers.redis}, as Envoy's {@code RedisHealthChecker}: PING must answer
 * the simple string PONG, or {@code EXISTS key} the integer 0; any other reply fails the host at
 * once (ACTIVE), a closed connection counts as a network failure. The connection is kept between
 * checks unless reuse_connection is off; a new one first sends AUTH with the cluster's
 * credentials, whose reply is not judged (as Envoy's, a wrong password shows as NOAUTH on the
 * check itself).
 */
final class RedisProbe implements Probe {
    private final HealthChecker checker;
    private final Host host;
    private final HealthCheckConfig.Redis config;
    private Channel channel;
    private Outcome pending;
    /** Replies still to skip before the check's own (AUTH's). */
    private int skip;

    RedisProbe(HealthChecker checker, Host host, HealthCheckConfig.Redis config) {
        this.checker = checker;
        this.host = host;
        this.config = config;
    }

    @Override
    public void check(Outcome outcome) {
        pending = outcome;
        RespValue request = config.key().isEmpty() ? RespValue.command("PING")
                : RespValue.command("EXISTS", config.key());
        if (channel != null && channel.isActive()) {
            write(channel, request);
            return;
        }
        close();
        var f = Connector.connect(checker, host, new io.netty.channel.ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new RespReader(null), new Reader());
            }
        });
        channel = f.channel();
        Channel mine = channel;
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                fail(mine, FailureType.NETWORK);
                return;
            }
            if (config.authPassword() != null && !config.authPassword().isEmpty()
                    || config.authUsername() != null && !config.authUsername().isEmpty()) {
                skip++;
                write(cf.channel(), config.authUsername() == null || config.authUsername().isEmpty()
                        ? RespValue.command("AUTH", config.authPassword())
                        : RespValue.command("AUTH", config.authUsername(),
                        config.authPassword() == null ? "" : config.authPassword()));
            }
            write(cf.channel(), request);
        });
    }

    private static void write(Channel ch, RespValue v) {
        ByteBuf out = ch.alloc().buffer();
        RespEncoder.encode(v, out);
        ch.writeAndFlush(out);
    }

    private void fail(Channel from, FailureType type) {
        if (from != channel) {
            return;
        }
        Outcome o = pending;
        pending = null;
        close();
        if (o != null) {
            o.failure(type, false);
        }
    }

    private void onReply(RespValue v) {
        if (skip > 0) {
            skip--;
            return;
        }
        Outcome o = pending;
        pending = null;
        if (o == null) {
            return;
        }
        boolean ok = config.key().isEmpty()
                ? v.type() == RespValue.Type.SIMPLE_STRING && v.is("PONG")
                : v.type() == RespValue.Type.INTEGER && v.integer() == 0;
        if (!checker.config.reuseConnection()) {
            close();
        }
        if (ok) {
            o.success(false);
        } else {
            o.failure(FailureType.ACTIVE, false);
        }
    }

    private final class Reader extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (ctx.channel() != channel) {
                ReferenceCountUtil.release(msg);
            } else if (msg instanceof RespValue v) {
                onReply(v);
            } else if (msg == RespReader.PROTOCOL_ERROR) {
                fail(ctx.channel(), FailureType.NETWORK);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(ctx.channel(), FailureType.NETWORK);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        skip = 0;
        if (channel != null) {
            Channel c = channel;
            channel = null;
            c.close();
        }
    }
}

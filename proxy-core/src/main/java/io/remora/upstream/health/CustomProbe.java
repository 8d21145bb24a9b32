package io.remora.upstream.health;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.remora.upstream.Host;

/**
 * A {@link CustomHealthCheck}'s probe: the request on a kept connection (a new one when
 * {@code reuse_connection} is off or the last one closed); an unhealthy answer is an ACTIVE
 * failure, a close or garbage before the answer a NETWORK one, as Envoy's thrift checker.
 */
final class CustomProbe implements Probe {
    private final HealthChecker checker;
    private final Host host;
    private final CustomHealthCheck check;
    private Channel channel;
    private Handler handler;

    CustomProbe(HealthChecker checker, Host host, CustomHealthCheck check) {
        this.checker = checker;
        this.host = host;
        this.check = check;
    }

    @Override
    public void check(Outcome outcome) {
        if (channel != null && channel.isActive() && handler != null) {
            handler.send(channel, outcome);
            return;
        }
        close();
        Handler h = new Handler(check.newExchange());
        handler = h;
        h.outcome = outcome;
        var f = Connector.connect(checker, host, h);
        channel = f.channel();
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                h.fail();
                return;
            }
            h.send(cf.channel(), outcome);
        });
    }

    @Override
    public void close() {
        if (channel != null) {
            Handler h = handler;
            if (h != null) {
                h.outcome = null; // an expected close reports nothing
            }
            channel.close();
            channel = null;
            handler = null;
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final CustomHealthCheck.Exchange exchange;
        private Outcome outcome;
        private ByteBuf cumulation;

        Handler(CustomHealthCheck.Exchange exchange) {
            this.exchange = exchange;
        }

        void send(Channel ch, Outcome o) {
            outcome = o;
            ch.writeAndFlush(exchange.request(ch.alloc()));
        }

        void fail() {
            Outcome o = outcome;
            outcome = null;
            if (o != null) {
                o.failure(FailureType.NETWORK, false);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf b)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            cumulation = cumulation == null ? b : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, b);
            Boolean healthy;
            try {
                healthy = exchange.onResponse(cumulation);
            } catch (RuntimeException e) {
                release();
                ctx.close();
                return;
            }
            if (healthy == null) {
                return;
            }
            release();
            Outcome o = outcome;
            outcome = null;
            if (!checker.config.reuseConnection()) {
                ctx.close();
            }
            if (o != null) {
                if (healthy) {
                    o.success(false);
                } else {
                    o.failure(FailureType.ACTIVE, false);
                }
            }
        }

        private void release() {
            if (cumulation != null) {
                cumulation.release();
                cumulation = null;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            release();
            fail();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

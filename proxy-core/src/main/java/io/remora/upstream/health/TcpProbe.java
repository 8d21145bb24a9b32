package io.remora.upstream.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.remora.config.HealthCheckConfig;
import io.remora.upstream.Host;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code tcp_health_check}: connect, send the payload, and pass once every expected block has
 * arrived in order (Envoy's {@code TcpHealthCheckMatcher}); connect-only when both are empty.
 * A connection per check: a kept one could not tell a dead peer from a quiet one.
 */
final class TcpProbe implements Probe {
    private final HealthChecker checker;
    private final Host host;
    private final byte[] send;
    private final List<byte[]> receive;
    /** {@code proxy_protocol_config}, or null. */
    private final io.remora.config.UpstreamProxyProtocolConfig proxyProtocol;
    private Channel channel;

    TcpProbe(HealthChecker checker, Host host, HealthCheckConfig.Tcp config) {
        this.checker = checker;
        this.host = host;
        HexFormat hex = HexFormat.of();
        this.send = hex.parseHex(config.sendHex());
        this.receive = config.receiveHex().stream().map(hex::parseHex).toList();
        this.proxyProtocol = config.proxyProtocolVersion() == 0 ? null
                : new io.remora.config.UpstreamProxyProtocolConfig(config.proxyProtocolVersion(), false, null, null);
    }

    @Override
    public void check(Outcome outcome) {
        close();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean[] decided = {false};
        var f = Connector.connect(checker, host, new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                // The check's own header is payload: after the transport socket's (TLS, an
                // upstream_proxy_protocol header), first of what the check writes. With no
                // downstream it is what Envoy sends: version 1 with this connection's addresses,
                // version 2 the LOCAL command, so no host TLVs.
                if (proxyProtocol != null) {
                    ctx.pipeline().addBefore(ctx.name(), "hc-proxy-protocol",
                            new io.remora.upstream.ProxyProtocolWriter(proxyProtocol, List.of(), null, () -> { }));
                }
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof ByteBuf b && !decided[0]) {
                        byte[] bytes = new byte[b.readableBytes()];
                        b.readBytes(bytes);
                        got.writeBytes(bytes);
                        if (matches(got.toByteArray(), receive)) {
                            decided[0] = true;
                            ctx.close();
                            outcome.success(false);
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (!decided[0]) {
                    decided[0] = true;
                    outcome.failure(FailureType.NETWORK, false);
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        });
        channel = f.channel();
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                if (!decided[0]) {
                    decided[0] = true;
                    outcome.failure(FailureType.NETWORK, false);
                }
                return;
            }
            if (send.length > 0) {
                cf.channel().writeAndFlush(Unpooled.wrappedBuffer(send));
            }
            if (receive.isEmpty()) {
                decided[0] = true;
                cf.channel().close();
                outcome.success(false);
            }
        });
    }

    /** Every block found, in order, each after the previous one. */
    static boolean matches(byte[] data, List<byte[]> blocks) {
        int from = 0;
        for (byte[] block : blocks) {
            int at = indexOf(data, block, from);
            if (at < 0) {
                return false;
            }
            from = at + block.length;
        }
        return true;
    }

    private static int indexOf(byte[] data, byte[] block, int from) {
        outer:
        for (int i = from; i <= data.length - block.length; i++) {
            for (int j = 0; j < block.length; j++) {
                if (data[i + j] != block[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}

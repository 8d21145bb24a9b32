package io.remora.upstream;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.remora.config.UpstreamProxyProtocolConfig;
import io.remora.network.ProxyProtocolData;

/**
 * The upstream_proxy_protocol transport socket: first in an upstream connection's pipeline, it
 * writes the PROXY header as the connection comes up, ahead of anything the handlers after it
 * write (a TLS ClientHello included), then leaves the pipeline. A write or close that overtakes
 * {@code channelActive} (Netty completes the connect promise first) gets the header before it.
 */
public final class ProxyProtocolWriter extends ChannelDuplexHandler {
    /** Its name in the pipeline, before "tls". */
    public static final String NAME = "proxy-protocol";

    private final UpstreamProxyProtocolConfig config;
    private final java.util.List<io.remora.config.ProxyProtocolTlv> hostTlvs;
    private final ProxyProtocolData data;
    private final Runnable tlvsDropped;
    private boolean written;

    /**
     * @param hostTlvs    the host's own TLVs (its typed metadata)
     * @param data        the downstream's PROXY data, or null for a connection made for none
     * @param tlvsDropped counts a header whose TLVs did not all fit
     */
    public ProxyProtocolWriter(UpstreamProxyProtocolConfig config, java.util.List<io.remora.config.ProxyProtocolTlv> hostTlvs,
                               ProxyProtocolData data, Runnable tlvsDropped) {
        this.config = config;
        this.hostTlvs = hostTlvs;
        this.data = data;
        this.tlvsDropped = tlvsDropped;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        writeHeader(ctx, true);
        ctx.fireChannelActive();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        writeHeader(ctx, false);
        ctx.write(msg, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        // A connect-only health check closes as soon as the connect completes, before channelActive.
        if (ctx.channel().isActive()) {
            writeHeader(ctx, true);
        }
        ctx.close(promise);
    }

    private void writeHeader(ChannelHandlerContext ctx, boolean flush) {
        if (written) {
            return;
        }
        written = true;
        ProxyProtocolEncoder.Header h = ProxyProtocolEncoder.encode(ctx.alloc(), config, hostTlvs, data,
                ctx.channel().localAddress(), ctx.channel().remoteAddress());
        if (h.tlvsDropped()) {
            tlvsDropped.run();
        }
        // As Envoy: a header that cannot be written closes the connection.
        ChannelFutureListener onWritten = f -> {
            if (!f.isSuccess()) {
                f.channel().close();
            }
        };
        if (flush) {
            ctx.writeAndFlush(h.bytes()).addListener(onWritten);
        } else {
            ctx.write(h.bytes()).addListener(onWritten);
        }
        ctx.pipeline().remove(this);
    }

    /**
     * Installs a writer first in {@code ch}'s pipeline, towards {@code host}, when {@code config} is
     * set; {@code sockets} counts dropped TLVs.
     */
    public static void install(io.netty.channel.Channel ch, UpstreamProxyProtocolConfig config, Host host,
                               ProxyProtocolData data, TransportSocketFactory sockets) {
        if (config != null) {
            ch.pipeline().addFirst(NAME, new ProxyProtocolWriter(config, host.proxyProtocolTlvs(), data,
                    sockets::proxyProtocolTlvsDropped));
        }
    }
}

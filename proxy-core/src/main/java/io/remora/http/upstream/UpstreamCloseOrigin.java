package io.remora.http.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Who ended a pooled connection, for Envoy's upstream_cx_destroy_local / _remote: a close asked for on this side
 * (through the pipeline) is LocalClose; one the transport made itself (the peer's FIN) or that follows a read
 * error (the peer's reset) is RemoteClose. Also when the connection began, for upstream_cx_length_ms. First in
 * the pipeline, so every close asked for passes it.
 */
final class UpstreamCloseOrigin extends ChannelDuplexHandler {
    final long startNanos;
    private boolean local;
    private boolean remote;

    private UpstreamCloseOrigin(long startNanos) {
        this.startNanos = startNanos;
    }

    /** Installs one on {@code ch} (none when it has one already). */
    static void install(Channel ch, long startNanos) {
        if (ch.pipeline().get(UpstreamCloseOrigin.class) == null) {
            ch.pipeline().addFirst(new UpstreamCloseOrigin(startNanos));
        }
    }

    /** The one on {@code ch}; null when it has none. */
    static UpstreamCloseOrigin of(Channel ch) {
        return ch == null ? null : ch.pipeline().get(UpstreamCloseOrigin.class);
    }

    boolean local() {
        return local;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // the handlers' close on a read error answers the peer's reset
        if (cause instanceof java.io.IOException && !local) {
            remote = true;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!remote && ctx.channel().isActive()) {
            local = true;
        }
        ctx.close(promise);
    }
}

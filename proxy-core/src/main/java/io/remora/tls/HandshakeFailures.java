package io.remora.tls;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import javax.net.ssl.SSLException;

/**
 * Sits right after a downstream TLS handler: a failed handshake is already counted and
 * recorded, so its exception ends here with the connection instead of travelling through the
 * chain's filters as an error. Other exceptions pass on.
 */
@ChannelHandler.Sharable
final class HandshakeFailures extends ChannelInboundHandlerAdapter {
    static final HandshakeFailures INSTANCE = new HandshakeFailures();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof SSLException || cause.getCause() instanceof SSLException) {
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}

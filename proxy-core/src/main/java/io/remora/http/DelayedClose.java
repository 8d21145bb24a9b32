package io.remora.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;

import java.util.concurrent.TimeUnit;

/**
 * Closing a downstream HTTP/1.1 connection once its last response is flushed, as Envoy's delayed
 * close does (the connection manager's {@code delayed_close_timeout}, 1 s by default).
 *
 * <p>Why not close at once: a client may still be sending (the rest of a request refused with 431
 * or 413, a body nobody read, pipelined requests behind a {@code connection: close}). Closing a
 * socket with unread bytes makes the kernel send a reset instead of a FIN, and a reset can arrive
 * before the client has read the response, which it then loses. So a plaintext connection sends
 * its FIN at once (a client reading to the end sees it without waiting), reads and drops whatever
 * still comes, and closes when the client closes or after the delay. Behind TLS the connection
 * closes at once as before: a FIN below the TLS layer would cut it without close_notify.
 */
final class DelayedClose implements ChannelFutureListener {

    static final long DELAY_MS = 1000;

    static final DelayedClose INSTANCE = new DelayedClose();

    private DelayedClose() {
    }

    @Override
    public void operationComplete(ChannelFuture written) {
        Channel ch = written.channel();
        if (!written.isSuccess() || !ch.isActive() || !(ch instanceof DuplexChannel d) || d.isInputShutdown()
                || ch.pipeline().get(SslHandler.class) != null) {
            ch.close();
            return;
        }
        d.shutdownOutput();
        // Reads go on, dropped by the connection's handler, until the client's FIN closes the channel.
        ch.config().setAutoRead(true);
        ch.eventLoop().schedule((Runnable) ch::close, DELAY_MS, TimeUnit.MILLISECONDS);
    }
}

package io.remora.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** An {@link AdminStream} over one admin connection, chunk by chunk. */
final class ChunkedAdminStream implements AdminStream {

    private final Channel channel;
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    ChunkedAdminStream(Channel channel) {
        this.channel = channel;
    }

    /** Once the 200 is written: the close of the connection ends the stream. */
    void started() {
        channel.closeFuture().addListener(f -> closed());
    }

    @Override
    public void send(byte[] chunk) {
        // A client that stops reading must not make the proxy hold every trace for it.
        if (!closed.get() && channel.isWritable()) {
            channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
        }
    }

    @Override
    public void end() {
        if (!closed.get()) {
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
            // Over once ended: whoever waits for the close need not wait for the connection's.
            closed();
        }
    }

    @Override
    public void onClose(Runnable r) {
        onClose.add(r);
        if (closed.get() && onClose.remove(r)) {
            r.run();
        }
    }

    private void closed() {
        if (closed.compareAndSet(false, true)) {
            for (Runnable r : onClose) {
                if (onClose.remove(r)) {
                    r.run();
                }
            }
        }
    }
}

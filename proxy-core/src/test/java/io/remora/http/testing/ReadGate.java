package io.remora.http.testing;

import io.netty.channel.Channel;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test server's accepted connections, held from reading until the gate opens, including those its
 * loop accepts only after that: a client's connect completes in the kernel, so it may fill the
 * socket buffers and wait before the server has accepted it.
 */
public final class ReadGate {
    private final List<Channel> channels = new CopyOnWriteArrayList<>();
    private volatile boolean open;

    public ReadGate(boolean open) {
        this.open = open;
    }

    /** From the child's initialiser, on its loop: it reads only once the gate is open. */
    public void admit(Channel ch) {
        channels.add(ch); // before reading the flag: open() either sees it or set the flag first
        ch.config().setAutoRead(open);
    }

    /** Every connection reads; on each one's loop, so that it lands after its initialiser. */
    public void open() {
        open = true;
        for (Channel c : channels) {
            c.eventLoop().execute(() -> c.config().setAutoRead(true));
        }
    }
}

package io.remora.server;

import io.netty.channel.Channel;
import io.netty.channel.IoEvent;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.collection.IntObjectMap;
import io.remora.network.EarlyCloseDetection;

/**
 * Netty's epoll handler with two gaps filled, both about what a channel's interest set means.
 *
 * <p>An empty interest set must keep the channel in the epoll set. Netty 4.2.18 answers an empty
 * interest set with {@code epoll_ctl(DEL)} but keeps the
 * registration marked as added, so the next interest ({@code EPOLLOUT} once the send buffer
 * fills) is an {@code epoll_ctl(MOD)} that fails with ENOENT; the channel then shuts its output
 * and fails everything queued, and the peer sees a clean FIN with the tail missing. The set goes
 * empty exactly on a half-closed channel (input shut: no EPOLLIN, no EPOLLRDHUP) that is not
 * waiting to write, i.e. every tcp_proxy, upgrade or CONNECT tunnel and HTTP/1.0 peer that sends
 * its FIN first and gets a long answer.
 *
 * <p>Instead of an empty set this registers {@code EPOLLET} alone: the fd stays in the epoll set
 * (later interest is a MOD that succeeds), nothing is asked for, and the EPOLLHUP/EPOLLERR the
 * kernel always reports come edge-triggered, once per change, so a socket that is shut both ways
 * cannot wake the loop over and over (the reason Netty stopped registering an empty set). A
 * registration that never had interest (not yet connected) still gets Netty's empty set.
 *
 * <p>And EPOLLRDHUP while reads are off is Envoy's early close for the connections listed in
 * {@link EarlyCloseDetection}: the channel is closed as by the peer, its buffered bytes unread.
 * Netty would read on, reads off or not, until it met the FIN: whatever the kernel holds (up to
 * the receive buffer, megabytes) handed to a connection that asked for nothing. Other channels
 * (upstream ones, half-closed ones) and errors (a reset) get Netty's handling. The check costs a
 * map's size per event while no connection is listed. Each registration is its channel's handle
 * toward Netty's handler, so that handler's count of registered channels (unused here) stays 0.
 */
final class EpollInterestGuard extends DelegatingIoHandler {
    /** Registered instead of an empty set: edge-triggered, no events asked for. */
    private static final EpollIoOps NOTHING_BUT_REGISTERED = EpollIoOps.EPOLLET;
    private static final int RDHUP = EpollIoOps.EPOLLRDHUP.value();
    private static final int IN = EpollIoOps.EPOLLIN.value();
    private static final int ERR = EpollIoOps.EPOLLERR.value();
    /**
     * Kept in {@code Registration.interest} (no epoll flag uses this bit): the registration is in
     * the epoll set. One int for both rather than a boolean more: every connection, idle ones
     * included, holds its registration, and the boolean took it up a size class (40 B to 32).
     */
    private static final int ADDED = 1 << 20;

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("connection");

    /** This loop's connections whose reads are off and whose peer's FIN is a close. */
    private final IntObjectMap<Channel> earlyClose = EarlyCloseDetection.newMap();

    private EpollInterestGuard(IoHandler delegate) {
        super(delegate);
    }

    static IoHandlerFactory newFactory() {
        return wrapping(EpollIoHandler.newFactory(), EpollInterestGuard::new);
    }

    /** On the loop's thread, before any channel registers. */
    @Override
    public void initialize() {
        EarlyCloseDetection.bindLoop(earlyClose);
        super.initialize();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        if (!(handle instanceof EpollIoHandle epollHandle)) {
            return delegate.register(handle); // Netty refuses it
        }
        Registration r = new Registration(epollHandle, earlyClose);
        r.delegate = delegate.register(r);
        return r;
    }

    /**
     * One channel's registration and, toward Netty's handler, its handle: it sees the interest the
     * channel submits and the events that come back. Channels submit their interest on their own
     * event loop, so nothing here needs a lock.
     */
    private static final class Registration implements IoRegistration, EpollIoHandle {
        private final EpollIoHandle handle;
        private final IntObjectMap<Channel> earlyClose;
        /** Read once: a closed descriptor must still find its entry to drop it. */
        private final int fd;
        private IoRegistration delegate;
        /** The interest last submitted, and {@link #ADDED}. */
        private int interest;

        Registration(EpollIoHandle handle, IntObjectMap<Channel> earlyClose) {
            this.handle = handle;
            this.earlyClose = earlyClose;
            this.fd = handle.fd().intValue();
        }

        @Override
        public <T> T attachment() {
            return delegate.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            boolean empty = ops instanceof EpollIoOps e && e.value() == EpollIoOps.NONE.value();
            if (empty && (interest & ADDED) != 0) {
                long result = delegate.submit(NOTHING_BUT_REGISTERED);
                interest = NOTHING_BUT_REGISTERED.value() | ADDED;
                return result;
            }
            long result = delegate.submit(ops);
            int added = interest & ADDED;
            if (!empty && result >= 0) {
                added = ADDED;
            }
            if (result >= 0 && ops instanceof EpollIoOps e) {
                interest = e.value() | added;
            } else {
                interest = (interest & ~ADDED) | added;
            }
            return result;
        }

        @Override
        public boolean isValid() {
            return delegate.isValid();
        }

        @Override
        public boolean cancel() {
            if (!earlyClose.isEmpty()) {
                earlyClose.remove(fd); // the descriptor's number goes to the next connection
            }
            return delegate.cancel();
        }

        @Override
        public FileDescriptor fd() {
            return handle.fd();
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            if (earlyClose.isEmpty() || !closedEarly(event)) {
                handle.handle(registration, event);
            }
        }

        /**
         * As Envoy's onFileEvent for a Closed event: the peer's FIN while reads are off closes the
         * connection as a remote close. An error (a reset) goes to Netty, whose read meets it.
         */
        private boolean closedEarly(IoEvent event) {
            int ops = ((EpollIoEvent) event).ops().value();
            if ((ops & RDHUP) == 0 || (ops & ERR) != 0 || (interest & IN) != 0) {
                return false;
            }
            Channel ch = earlyClose.get(fd);
            if (ch == null || !ch.isOpen() || EarlyCloseDetection.halfClose(ch)) {
                return false;
            }
            earlyClose.remove(fd);
            if (LOG.isLoggable(java.util.logging.Level.FINE)) {
                LOG.fine("remote early close: " + ch);
            }
            // The channel's own close, not its pipeline's: as when a read meets the FIN, a remote close.
            ch.unsafe().close(ch.unsafe().voidPromise());
            return true;
        }

        @Override
        public void registered() {
            handle.registered();
        }

        @Override
        public void unregistered() {
            handle.unregistered();
        }

        @Override
        public void close() throws Exception {
            handle.close();
        }
    }
}

package io.remora.server;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;

/**
 * Netty's epoll handler with one defect worked around: a registered channel whose interest set
 * becomes empty must stay in the epoll set.
 *
 * <p>Netty 4.2.18 answers an empty interest set with {@code epoll_ctl(DEL)} but keeps the
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
 */
final class EpollInterestGuard extends DelegatingIoHandler {
    /** Registered instead of an empty set: edge-triggered, no events asked for. */
    private static final EpollIoOps NOTHING_BUT_REGISTERED = EpollIoOps.EPOLLET;

    private EpollInterestGuard(IoHandler delegate) {
        super(delegate);
    }

    static IoHandlerFactory newFactory() {
        return wrapping(EpollIoHandler.newFactory(), EpollInterestGuard::new);
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return new Registration(delegate.register(handle));
    }

    /** Channels submit their interest on their own event loop, so {@code added} needs no lock. */
    private static final class Registration implements IoRegistration {
        private final IoRegistration delegate;
        private boolean added;

        Registration(IoRegistration delegate) {
            this.delegate = delegate;
        }

        @Override
        public <T> T attachment() {
            return delegate.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            boolean empty = ops instanceof EpollIoOps e && e.value() == EpollIoOps.NONE.value();
            if (empty && added) {
                return delegate.submit(NOTHING_BUT_REGISTERED);
            }
            long result = delegate.submit(ops);
            added |= !empty && result >= 0;
            return result;
        }

        @Override
        public boolean isValid() {
            return delegate.isValid();
        }

        @Override
        public boolean cancel() {
            return delegate.cancel();
        }
    }
}

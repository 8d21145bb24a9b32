package io.remora.server;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;

import java.util.function.UnaryOperator;

/** A Netty I/O handler that passes everything to another: the base of the handlers wrapping Netty's. */
abstract class DelegatingIoHandler implements IoHandler {
    protected final IoHandler delegate;

    protected DelegatingIoHandler(IoHandler delegate) {
        this.delegate = delegate;
    }

    /** A factory of {@code factory}'s handlers, each wrapped by {@code wrap}. */
    static IoHandlerFactory wrapping(IoHandlerFactory factory, UnaryOperator<IoHandler> wrap) {
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return wrap.apply(factory.newHandler(executor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return factory.isChangingThreadSupported();
            }
        };
    }

    @Override
    public void initialize() {
        delegate.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        return delegate.run(context);
    }

    @Override
    public void prepareToDestroy() {
        delegate.prepareToDestroy();
    }

    @Override
    public void destroy() {
        delegate.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return delegate.register(handle);
    }

    @Override
    public void wakeup() {
        delegate.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return delegate.isCompatible(handleType);
    }
}

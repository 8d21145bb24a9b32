package io.remora.tls;

import io.netty.handler.ssl.ReferenceCountedOpenSslContext;

import java.lang.reflect.Field;

/**
 * The netty-tcnative handle of a BoringSSL context, which tcnative's {@code SSLContext} calls
 * take. Netty's public {@code context()} and {@code sslCtxPointer()} both give the raw
 * {@code SSL_CTX*} instead, and passing that to tcnative corrupts memory; the handle is Netty's
 * protected {@code ctx} field, read once per context while it is being set up.
 */
final class TcnContexts {
    private static final Field CTX;

    static {
        try {
            CTX = ReferenceCountedOpenSslContext.class.getDeclaredField("ctx");
            CTX.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TcnContexts() {
    }

    static long handle(ReferenceCountedOpenSslContext ctx) {
        try {
            return CTX.getLong(ctx);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}

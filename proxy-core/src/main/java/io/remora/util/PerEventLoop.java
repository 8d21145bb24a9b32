package io.remora.util;

import io.netty.util.concurrent.EventExecutor;

import java.util.function.Function;

/**
 * One object per worker, as Envoy's thread-local slots keep one per worker thread: made lazily on
 * a loop's first use and kept for the life of this holder. Only its own loop uses each object, so
 * the objects need no lock; reads are one volatile read and a short scan by identity.
 */
public final class PerEventLoop<T> {
    /** Event loop, object, event loop, object, ...: a handful of workers. */
    private volatile Object[] byLoop = new Object[0];
    private final Function<EventExecutor, T> factory;

    public PerEventLoop(Function<EventExecutor, T> factory) {
        this.factory = factory;
    }

    /** {@code loop}'s object, made now if it has none; call it on {@code loop}. */
    @SuppressWarnings("unchecked")
    public T get(EventExecutor loop) {
        Object[] a = byLoop;
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] == loop) {
                return (T) a[i + 1];
            }
        }
        T mine = factory.apply(loop);
        synchronized (this) {
            Object[] now = byLoop;
            Object[] grown = java.util.Arrays.copyOf(now, now.length + 2);
            grown[now.length] = loop;
            grown[now.length + 1] = mine;
            byLoop = grown;
        }
        return mine;
    }

    /** Each loop's object with its loop. */
    @SuppressWarnings("unchecked")
    public void forEach(java.util.function.BiConsumer<EventExecutor, T> action) {
        Object[] a = byLoop;
        for (int i = 0; i < a.length; i += 2) {
            action.accept((EventExecutor) a[i], (T) a[i + 1]);
        }
    }

    /** How many loops have their own object. */
    public int size() {
        return byLoop.length / 2;
    }
}

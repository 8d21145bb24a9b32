package io.remora.util;

import java.util.function.Function;

/**
 * What was built from the last config asked for, built again only when the config changes (by
 * identity): a discovered filter's factory, made once per delivered config by whichever thread
 * first needs it, then read without locking.
 */
public final class LastBuilt<C, T> {

    private record Built<C, T>(C config, T value) {
    }

    private final Function<C, T> build;
    private volatile Built<C, T> built;

    public LastBuilt(Function<C, T> build) {
        this.build = build;
    }

    public T get(C config) {
        Built<C, T> b = built;
        return b != null && b.config() == config ? b.value() : rebuild(config);
    }

    private synchronized T rebuild(C config) {
        Built<C, T> b = built;
        if (b == null || b.config() != config) {
            b = new Built<>(config, build.apply(config));
            built = b;
        }
        return b.value();
    }
}

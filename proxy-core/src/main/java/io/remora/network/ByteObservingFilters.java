package io.remora.network;

import io.netty.buffer.ByteBuf;

/** Which network filters look at a connection's bytes at all (tcp_proxy may splice past the others). */
final class ByteObservingFilters {

    private static final ClassValue<Boolean> OBSERVES_BYTES = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("onData", ByteBuf.class, boolean.class).getDeclaringClass() != ConnectionFilter.class
                        || type.getMethod("onWrite", ByteBuf.class, boolean.class).getDeclaringClass() != ConnectionFilter.class;
            } catch (NoSuchMethodException e) {
                return true;
            }
        }
    };

    private ByteObservingFilters() {
    }

    /** Whether the filter overrides onData or onWrite (one that acts only at the connection's start does not). */
    static boolean observesBytes(ConnectionFilter filter) {
        return OBSERVES_BYTES.get(filter.getClass());
    }
}

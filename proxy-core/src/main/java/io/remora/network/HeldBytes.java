package io.remora.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/** The network filter manager's byte helpers: what a filter holds, and which filters look at bytes at all. */
final class HeldBytes {

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

    private HeldBytes() {
    }

    /** Whether the filter overrides onData or onWrite (one that acts only at the connection's start does not). */
    static boolean observesBytes(ConnectionFilter filter) {
        return OBSERVES_BYTES.get(filter.getClass());
    }

    /** {@code tail} after the held {@code head}, without copying; an empty side is released. */
    static ByteBuf append(ByteBufAllocator alloc, ByteBuf head, ByteBuf tail) {
        if (!tail.isReadable()) {
            tail.release();
            return head;
        }
        if (!head.isReadable()) {
            head.release();
            return tail;
        }
        CompositeByteBuf c;
        if (head instanceof CompositeByteBuf existing) {
            c = existing;
        } else {
            c = alloc.compositeBuffer();
            c.addComponent(true, head);
        }
        return c.addComponent(true, tail);
    }
}

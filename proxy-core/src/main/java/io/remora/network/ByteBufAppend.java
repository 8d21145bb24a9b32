package io.remora.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/** Bytes a filter holds, grown without copying: the network filter manager's and the HTTP filter iteration's. */
public final class ByteBufAppend {

    private ByteBufAppend() {
    }

    /** {@code tail} after the held {@code head}, without copying; an empty side is released. */
    public static ByteBuf append(ByteBufAllocator alloc, ByteBuf head, ByteBuf tail) {
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

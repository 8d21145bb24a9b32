package io.remora.http.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * Tunnel bytes a client sent before the upstream accepted its upgrade or CONNECT, whatever the
 * upstream's protocol: Envoy's UpstreamRequest pauses them (paused_for_connect_,
 * paused_for_websocket_, paused_for_generic_upgrade_) until the answer lets them out, and they are
 * never sent when the upstream refuses. Past the stream's buffer limit the holder reads as
 * unwritable, so the router stops reading the client (the watermark on what Envoy's upstream filter
 * manager buffers while paused).
 */
final class HeldTunnelBytes {
    private CompositeByteBuf bytes;
    private boolean above;
    /** The client ended its side while its bytes were held: the end goes out with them. */
    boolean ended;

    /** Holds {@code data}; true when it took what is held past {@code limit} (the holder turns unwritable). */
    boolean add(ByteBufAllocator alloc, ByteBuf data, int limit) {
        if (!data.isReadable()) {
            data.release();
            return false;
        }
        if (bytes == null) {
            bytes = alloc.compositeBuffer();
        }
        bytes.addComponent(true, data);
        if (!above && bytes.readableBytes() > limit) {
            above = true;
            return true;
        }
        return false;
    }

    boolean above() {
        return above;
    }

    /** What was held, now the caller's (null when nothing was); the holder is writable again. */
    ByteBuf take() {
        ByteBuf held = bytes;
        bytes = null;
        above = false;
        return held;
    }

    /**
     * The upstream answered: when it {@code accepted}, what goes out now (the held bytes, an empty
     * buffer when only the client's end was held, null when nothing was); when it refused, null and
     * the bytes are dropped.
     */
    ByteBuf answered(boolean accepted) {
        if (!accepted) {
            drop();
            return null;
        }
        ByteBuf held = take();
        return held == null && ended ? io.netty.buffer.Unpooled.EMPTY_BUFFER : held;
    }

    /** The upstream refused or the stream ended: the held bytes are dropped. */
    void drop() {
        if (bytes != null) {
            bytes.release();
            bytes = null;
        }
        above = false;
    }
}

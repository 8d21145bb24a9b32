package io.remora.extensions.filters.http.lua;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.StreamFilterCallbacks;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;

/**
 * The body a script's stream holds while the script waits (for the whole body, or an httpCall), as
 * Envoy's filter has the connection manager buffer it; and, once the script is done, passing it on
 * followed by what the filter manager holds behind it (headers, trailers).
 */
final class HeldBody {

    private final boolean request;
    private final StreamFilterCallbacks cb;
    private ByteBuf held;
    private BufferApi.Wrapped body;
    private LuaUserdata bodyObject;
    /** This filter stopped the headers (or trailers) and must continue the stream when done. */
    boolean headersHeld;
    boolean trailersHeld;

    HeldBody(boolean request, StreamFilterCallbacks cb) {
        this.request = request;
        this.cb = cb;
    }

    boolean isEmpty() {
        return held == null;
    }

    /** Keeps data; false (all released) past the buffer limit: the caller then answers {@link #tooLarge}. */
    boolean add(ByteBuf data) {
        if (held == null) {
            held = data;
        } else {
            CompositeByteBuf c;
            if (held instanceof CompositeByteBuf composite) {
                c = composite;
            } else {
                c = Unpooled.compositeBuffer(Integer.MAX_VALUE);
                c.addComponent(true, held);
                held = c;
            }
            c.addComponent(true, data);
        }
        if (held.readableBytes() <= cb.bufferLimit()) {
            return true;
        }
        release();
        return false;
    }

    /** As the connection manager answers a filter that buffers too much: 413 on requests, 500 on responses. */
    void tooLarge(DecoderFilterCallbacks decoder) {
        if (request) {
            decoder.connectionManagerStats().downstreamRqTooLarge.increment();
            cb.sendLocalReply(413, "Payload Too Large", null, "request_payload_too_large");
        } else {
            decoder.connectionManagerStats().rsTooLarge.increment();
            cb.sendLocalReply(500, "Internal Server Error", null, "response_payload_too_large");
        }
    }

    /** The body() object over what is held (the same one each call); nil for no body unless {@code alwaysWrap}. */
    LuaValue bodyObject(boolean alwaysWrap, Http2Headers headers, LuaStream owner, LuaTable meta) {
        if (bodyObject == null) {
            if (held == null) {
                if (!alwaysWrap) {
                    return LuaValue.NIL;
                }
                held = Unpooled.EMPTY_BUFFER;
            }
            body = new BufferApi.Wrapped(held, headers, owner);
            bodyObject = BufferApi.wrap(body, meta);
        }
        return bodyObject;
    }

    private ByteBuf take() {
        ByteBuf b = held;
        if (body != null && body.replaced()) {
            if (b != null) {
                b.release();
            }
            b = body.buf;
        }
        held = null;
        body = null;
        bodyObject = null;
        return b;
    }

    void release() {
        ByteBuf b = take();
        if (b != null) {
            b.release();
        }
    }

    /**
     * The script is done: what is held goes on ({@code end} if nothing follows it), then whatever
     * the filter manager holds behind this filter. A message that ended with its headers gets the
     * bytes a script set on {@code body(true)} as its body, as Envoy's addData of the wrapped body.
     */
    void flush(boolean end, boolean headersEnded) {
        ByteBuf b = take();
        if (b != null) {
            if (headersEnded) {
                addToHeadersOnly(b);
            } else if (!b.isReadable() && !end) {
                b.release();
            } else {
                inject(b, end);
            }
        }
        if (headersHeld || trailersHeld) {
            headersHeld = false;
            trailersHeld = false;
            if (request) {
                ((DecoderFilterCallbacks) cb).continueDecoding();
            } else {
                ((EncoderFilterCallbacks) cb).continueEncoding();
            }
        }
    }

    private void addToHeadersOnly(ByteBuf b) {
        if (!b.isReadable()) {
            b.release();
        } else if (request) {
            ((DecoderFilterCallbacks) cb).addDecodedData(b);
        } else {
            ((EncoderFilterCallbacks) cb).addEncodedData(b);
        }
    }

    /** A replaced chunk (bodyChunks' setBytes) goes on in place of the original. */
    void inject(ByteBuf b, boolean end) {
        if (request) {
            ((DecoderFilterCallbacks) cb).injectDecodedDataToFilterChain(b, end);
        } else {
            ((EncoderFilterCallbacks) cb).injectEncodedDataToFilterChain(b, end);
        }
    }
}

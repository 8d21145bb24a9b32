package io.remora.extensions.filters.http.lua;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import static io.remora.extensions.filters.http.lua.LuaValues.fn;

/**
 * The buffer object of Envoy's Lua API (the whole body from {@code body()}, one chunk from
 * {@code bodyChunks()}): length, getBytes(index, length), setBytes(string), which also sets the
 * message's content-length as Envoy's does.
 */
final class BufferApi {

    /**
     * A body or chunk; {@code buf} is replaced by setBytes ({@code original} is then the caller's to
     * release). {@code headers}, whose content-length setBytes updates, is null for a chunk: the
     * headers went on before it.
     */
    static final class Wrapped {
        final ByteBuf original;
        final Http2Headers headers;
        final LuaStream owner;
        ByteBuf buf;

        Wrapped(ByteBuf buf, Http2Headers headers, LuaStream owner) {
            this.original = buf;
            this.buf = buf;
            this.headers = headers;
            this.owner = owner;
        }

        boolean replaced() {
            return buf != original;
        }
    }

    private static final String CONTENT_LENGTH = "content-length";

    private BufferApi() {
    }

    static LuaTable metatable() {
        LuaTable methods = new LuaTable();
        methods.set("length", fn(a -> LuaValue.valueOf(self(a).buf.readableBytes())));
        methods.set("getBytes", fn(a -> {
            ByteBuf b = self(a).buf;
            long index = a.checklong(2);
            long length = a.checklong(3);
            if (index < 0 || length < 0 || index + length > b.readableBytes()) {
                throw new LuaError("index/length must be >= 0 and (index + length) must be <= buffer size");
            }
            byte[] out = new byte[(int) length];
            b.getBytes(b.readerIndex() + (int) index, out);
            return LuaString.valueOf(out);
        }));
        methods.set("setBytes", fn(a -> {
            Wrapped w = self(a);
            LuaString s = a.checkstring(2);
            byte[] bytes = new byte[s.rawlen()];
            s.copyInto(0, bytes, 0, bytes.length);
            if (w.replaced()) {
                w.buf.release();
            }
            w.buf = Unpooled.wrappedBuffer(bytes);
            if (w.headers != null) {
                w.headers.setInt(CONTENT_LENGTH, bytes.length);
                // The length is known now: a chunked framing of the original message no longer applies.
                w.headers.remove("transfer-encoding");
            }
            return LuaValue.valueOf(bytes.length);
        }));
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, methods);
        return meta;
    }

    private static Wrapped self(Varargs a) {
        Wrapped w = (Wrapped) a.checkuserdata(1, Wrapped.class);
        w.owner.checkLive();
        return w;
    }

    static LuaUserdata wrap(Wrapped w, LuaTable meta) {
        return new LuaUserdata(w, meta);
    }
}

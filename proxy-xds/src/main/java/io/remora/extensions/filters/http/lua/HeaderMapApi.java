package io.remora.extensions.filters.http.lua;

import io.netty.handler.codec.http2.Http2Headers;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.remora.extensions.filters.http.lua.LuaValues.bytes;
import static io.remora.extensions.filters.http.lua.LuaValues.fn;
import static io.remora.extensions.filters.http.lua.LuaValues.name;

/**
 * The header map object of Envoy's Lua API ({@code headers()}, {@code trailers()}): get (values
 * joined with ','), getAtIndex, getNumValues, add, replace, remove, setHttp1ReasonPhrase and
 * {@code pairs()} over every entry, pseudo-headers included; while a {@code pairs()} walk is open
 * the map cannot change ({@link MapIteration}).
 */
final class HeaderMapApi {

    /** One wrapped map of {@code owner}'s; trailers may always change, as in Envoy. */
    static final class Wrapped {
        final Http2Headers headers;
        final LuaStream owner;
        final boolean trailers;
        final MapIteration iteration = new MapIteration();

        Wrapped(Http2Headers headers, LuaStream owner, boolean trailers) {
            this.headers = headers;
            this.owner = owner;
            this.trailers = trailers;
        }

        void checkModifiable() {
            iteration.checkNotWalking("header map");
            if (!trailers && !owner.headersModifiable()) {
                throw new LuaError("header map can no longer be modified");
            }
        }
    }

    private HeaderMapApi() {
    }

    static LuaTable metatable() {
        LuaTable methods = readMethods();
        methods.set("add", fn(a -> {
            Wrapped w = self(a);
            w.checkModifiable();
            w.headers.add(name(a.arg(2)), LuaValues.ascii(a.arg(3)));
            return LuaValue.NONE;
        }));
        methods.set("replace", fn(a -> {
            Wrapped w = self(a);
            w.checkModifiable();
            w.headers.set(name(a.arg(2)), LuaValues.ascii(a.arg(3)));
            return LuaValue.NONE;
        }));
        methods.set("remove", fn(a -> {
            Wrapped w = self(a);
            w.checkModifiable();
            w.headers.remove(name(a.arg(2)));
            return LuaValue.NONE;
        }));
        methods.set("setHttp1ReasonPhrase", fn(a -> {
            Wrapped w = self(a);
            w.checkModifiable();
            a.checkstring(2);
            // Remora writes the standard reason phrase of the status; a custom one is not kept.
            return LuaValue.NONE;
        }));
        return meta(methods);
    }

    /**
     * Envoy's ReadOnlyHeaderMapWrapper (the request headers as a response script sees them): the
     * changing methods are not there at all, so calling one is calling nil.
     */
    static LuaTable readOnlyMetatable() {
        return meta(readMethods());
    }

    private static LuaTable readMethods() {
        LuaTable methods = new LuaTable();
        methods.set("get", fn(a -> LuaValues.header(self(a).headers, name(a.arg(2)))));
        methods.set("getAtIndex", fn(a -> {
            List<CharSequence> all = self(a).headers.getAll(name(a.arg(2)));
            int i = a.checkint(3);
            return i < 0 || i >= all.size() ? LuaValue.NIL : bytes(all.get(i));
        }));
        methods.set("getNumValues", fn(a -> LuaValue.valueOf(self(a).headers.getAll(name(a.arg(2))).size())));
        return methods;
    }

    private static LuaTable meta(LuaTable methods) {
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, methods);
        meta.set("__pairs", fn(a -> {
            Wrapped w = self(a);
            return w.iteration.begin(entries(w.headers));
        }));
        return meta;
    }

    private static List<LuaValue> entries(Http2Headers h) {
        List<LuaValue> kv = new ArrayList<>(h.size() * 2);
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            kv.add(bytes(e.getKey()));
            kv.add(bytes(e.getValue()));
        }
        return kv;
    }

    private static Wrapped self(Varargs a) {
        Object o = a.checkuserdata(1, Wrapped.class);
        Wrapped w = (Wrapped) o;
        w.owner.checkLive();
        return w;
    }

    static LuaUserdata wrap(Http2Headers h, LuaStream owner, boolean trailers, LuaTable meta) {
        return new LuaUserdata(new Wrapped(h, owner, trailers), meta);
    }
}

package io.remora.extensions.filters.http.lua;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * One script loaded in one Lua state, as Envoy keeps one per worker: its globals persist between
 * requests of that event loop and are seen by no other. Only its event loop (or a coroutine that
 * loop is waiting on) touches it. Holds the API's metatables, made once.
 */
final class LuaVm {

    final Globals globals;
    final LuaValue onRequest;
    final LuaValue onResponse;
    final LuaTable handleMeta;
    final LuaTable headersMeta;
    final LuaTable bufferMeta;
    final LuaTable metadataMeta;
    final StreamInfoApi.Tables info;

    /** Loads and runs the script's top level; a {@link LuaError} says why it cannot be loaded. */
    LuaVm(LuaSource source) {
        globals = sandbox();
        globals.load(source.code(), source.chunkName()).call();
        onRequest = function("envoy_on_request");
        onResponse = function("envoy_on_response");
        handleMeta = StreamHandleApi.metatable();
        headersMeta = HeaderMapApi.metatable();
        bufferMeta = BufferApi.metatable();
        metadataMeta = MetadataApi.metatable();
        info = StreamInfoApi.Tables.create();
    }

    private LuaValue function(String name) {
        LuaValue f = globals.get(name);
        return f.isfunction() ? f : LuaValue.NIL;
    }

    /**
     * Envoy opens every standard library. Taken away here: {@code luajava} (not Lua's; it reaches
     * any Java class), {@code os.exit} (it would stop the proxy) and {@code os.execute} (it waits
     * for a process on the event loop).
     */
    static Globals sandbox() {
        Globals g = JsePlatform.standardGlobals();
        g.set("luajava", LuaValue.NIL);
        LuaValue os = g.get("os");
        os.set("exit", LuaValue.NIL);
        os.set("execute", LuaValue.NIL);
        LuaValue pairs = g.get("pairs");
        // Lua 5.1 as LuaJ has it ignores __pairs; Envoy's objects (headers, metadata) are iterated with it.
        g.set("pairs", LuaValues.fn(a -> {
            LuaValue mt = a.arg1().getmetatable();
            LuaValue custom = mt == null ? LuaValue.NIL : mt.rawget("__pairs");
            return custom.isnil() ? pairs.invoke(a) : custom.invoke(a.arg1());
        }));
        LuaTable resolution = new LuaTable();
        resolution.set("MILLISECOND", 0);
        resolution.set("MICROSECOND", 1);
        g.set("EnvoyTimestampResolution", resolution);
        return g;
    }

    /** Why the script cannot be loaded (Envoy refuses such a config), or null. */
    static String loadError(LuaSource source) {
        try {
            new LuaVm(source);
            return null;
        } catch (LuaError e) {
            return e.getMessage();
        } catch (RuntimeException | StackOverflowError e) {
            return e.toString();
        }
    }
}

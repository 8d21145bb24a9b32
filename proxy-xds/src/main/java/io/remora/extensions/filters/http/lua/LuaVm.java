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
public final class LuaVm {

    final Globals globals;
    final LuaValue onRequest;
    final LuaValue onResponse;
    final LuaTable handleMeta;
    final LuaTable headersMeta;
    final LuaTable readOnlyHeadersMeta;
    final LuaTable bufferMeta;
    final LuaTable metadataMeta;
    final StreamInfoApi.Tables info;
    final StatsScopeApi.Tables stats;

    /** Loads and runs the script's top level; a {@link LuaError} says why it cannot be loaded. */
    LuaVm(LuaSource source) {
        globals = sandbox();
        globals.load(source.code(), source.chunkName()).call();
        onRequest = function("envoy_on_request");
        onResponse = function("envoy_on_response");
        handleMeta = StreamHandleApi.metatable();
        headersMeta = HeaderMapApi.metatable();
        readOnlyHeadersMeta = HeaderMapApi.readOnlyMetatable();
        bufferMeta = BufferApi.metatable();
        metadataMeta = MetadataApi.metatable();
        info = StreamInfoApi.Tables.create();
        stats = StatsScopeApi.Tables.create();
    }

    private LuaValue function(String name) {
        LuaValue f = globals.get(name);
        return f.isfunction() ? f : LuaValue.NIL;
    }

    /**
     * Envoy opens every standard library. Taken away here: {@code luajava} (not Lua's; it reaches
     * any Java class), {@code os.exit} (it would stop the proxy) and {@code os.execute} (it waits
     * for a process on the event loop). Public for the Lua cluster specifier, which runs its scripts
     * in the same sandbox.
     */
    public static Globals sandbox() {
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
        g.load(LUAJIT_COMPAT, "=luajit_compat").call();
        LuaValue string = g.get("string");
        string.set("format", StringFormat.wrap(string.get("format")));
        LuaTable resolution = new LuaTable();
        resolution.set("MILLISECOND", 0);
        resolution.set("MICROSECOND", 1);
        g.set("EnvoyTimestampResolution", resolution);
        return g;
    }

    /**
     * What Envoy's LuaJIT offers that LuaJ (Lua 5.2) does not: Lua 5.1's unpack and loadstring, and
     * the BitOp library ({@code bit}), whose results are signed 32-bit numbers where bit32's are not.
     */
    private static final String LUAJIT_COMPAT = """
            unpack = unpack or table.unpack
            loadstring = loadstring or load
            local b32 = bit32
            local function tobit(x)
              x = x % 4294967296
              if x >= 2147483648 then x = x - 4294967296 end
              return x
            end
            local function signed(f) return function(...) return tobit(f(...)) end end
            bit = {
              tobit = tobit, bnot = signed(b32.bnot), band = signed(b32.band), bor = signed(b32.bor),
              bxor = signed(b32.bxor), lshift = signed(b32.lshift), rshift = signed(b32.rshift),
              arshift = signed(b32.arshift), rol = signed(b32.lrotate), ror = signed(b32.rrotate),
              bswap = function(x)
                x = x % 4294967296
                return tobit(b32.bor(b32.lshift(b32.band(x, 0xff), 24), b32.lshift(b32.band(b32.rshift(x, 8), 0xff), 16),
                  b32.lshift(b32.band(b32.rshift(x, 16), 0xff), 8), b32.rshift(x, 24)))
              end,
              tohex = function(x, n)
                n = n or 8
                local upper = n < 0
                if upper then n = -n end
                local s = string.format("%08x", x % 4294967296):sub(9 - n)
                return upper and s:upper() or s
              end,
            }
            """;

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

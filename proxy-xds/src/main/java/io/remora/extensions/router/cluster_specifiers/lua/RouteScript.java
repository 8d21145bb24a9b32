package io.remora.extensions.router.cluster_specifiers.lua;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.http.lua.LuaValues;
import io.remora.extensions.filters.http.lua.LuaVm;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * One cluster specifier script loaded in one Lua state (one per event loop, as Envoy keeps one per
 * worker), with the route handle API: {@code route_handle:headers()} whose {@code get(name)} gives
 * every value of the request header joined with ',' or nil.
 */
final class RouteScript {

    private final LuaValue onRoute;
    private final LuaTable handleMeta = new LuaTable();
    private final LuaTable headersMeta = new LuaTable();

    /** Loads the script and runs its top level; a {@link LuaError} says why it cannot be used. */
    RouteScript(String chunkName, String code) {
        Globals g = LuaVm.sandbox();
        g.load(code, chunkName).call();
        onRoute = g.get("envoy_on_route");
        if (!onRoute.isfunction()) {
            throw new LuaError("envoy_on_route() function not found. Lua will not hook cluster specifier.");
        }
        LuaTable headerMethods = new LuaTable();
        headerMethods.set("get", LuaValues.fn(a -> LuaValues.header(headers(a), LuaValues.name(a.checkstring(2)))));
        headersMeta.set(LuaValue.INDEX, headerMethods);
        LuaTable handleMethods = new LuaTable();
        // The handle's headers object, made on first use: most scripts ask once.
        handleMethods.set("headers", LuaValues.fn(a -> new LuaUserdata(headers(a), headersMeta)));
        handleMeta.set(LuaValue.INDEX, handleMethods);
    }

    private static Http2Headers headers(Varargs a) {
        return (Http2Headers) a.checkuserdata(1, Http2Headers.class);
    }

    /** What {@code envoy_on_route} returned; a {@link LuaError} when it failed. */
    LuaValue run(Http2Headers requestHeaders) {
        return onRoute.call(new LuaUserdata(requestHeaders, handleMeta));
    }

    /** Why the script cannot be used (Envoy refuses such a config), or null. */
    static String loadError(String chunkName, String code) {
        try {
            new RouteScript(chunkName, code);
            return null;
        } catch (LuaError e) {
            return "script load error: " + e.getMessage();
        } catch (RuntimeException | StackOverflowError e) {
            return "script load error: " + e;
        }
    }
}

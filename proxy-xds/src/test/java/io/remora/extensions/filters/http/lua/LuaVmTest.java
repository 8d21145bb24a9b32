package io.remora.extensions.filters.http.lua;

import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Lua state scripts get: what LuaJIT offers and LuaJ lacks, and what the sandbox takes away. */
class LuaVmTest {

    private static String run(String code) {
        Globals g = LuaVm.sandbox();
        return g.load(code).call().tojstring();
    }

    @Test
    void luaJitLibrariesAndFormatting() {
        assertEquals("-1 15 -2147483648 000000ff 00FF 78563412", run(
                "return table.concat({bit.bnot(0), bit.band(0xff, 0x0f), bit.lshift(1, 31), bit.tohex(255),"
                        + " bit.tohex(255, -4), bit.tohex(bit.bswap(0x12345678))}, ' ')"));
        assertEquals("1 2 7", run("local a, b = unpack({1, 2}) return a .. ' ' .. b .. ' ' .. loadstring('return 7')()"));
        assertEquals(" 1.50|2.5e+00|    3|x|100%", run("return string.format('%5.2f|%.1e|%5d|%s|%d%%', 1.5, 2.5, 3, 'x', 100)"));
        assertEquals("0.33", run("return ('%.2f'):format(1/3)"));
        assertEquals("a=1", run("local t = setmetatable({}, {__pairs = function() return function(_, k)"
                + " if k == nil then return 'a', 1 end end end}) for k, v in pairs(t) do return k .. '=' .. v end"));
        assertEquals("2", run("local n = 0 for k in pairs({x = 1, y = 2}) do n = n + 1 end return n"));
    }

    @Test
    void sandboxTakesAwayWhatWouldHurtTheProxy() {
        assertEquals("nil nil nil", run("return tostring(luajava) .. ' ' .. tostring(os.exit) .. ' ' .. tostring(os.execute)"));
        assertEquals("true", run("return tostring(os.time() > 0 and os.clock() >= 0)"));
    }

    @Test
    void loadErrors() {
        assertNull(LuaVm.loadError(LuaSource.of("ok", "function envoy_on_request(h) end")));
        String syntax = LuaVm.loadError(LuaSource.of("bad", "function envoy_on_request(h"));
        assertTrue(syntax != null && syntax.contains("bad"), syntax);
        assertTrue(LuaVm.loadError(LuaSource.of("top", "error('at load')")).contains("at load"));
        LuaSource plain = LuaSource.of("plain", "function envoy_on_request(h) h:headers():add('a', 'b') end");
        assertFalse(plain.mayYield(false), "a script that only touches headers runs on the event loop");
        LuaSource body = LuaSource.of("body", "function envoy_on_request(h) local b = h:body() end");
        assertTrue(body.mayYield(false));
        assertFalse(body.mayYield(true), "a message that ended has no body to wait for");
        assertTrue(LuaSource.of("call", "function envoy_on_request(h) h:httpCall('c', {}, nil, 1) end").mayYield(true));
    }
}

package io.remora.extensions.filters.http.lua;

import java.util.regex.Pattern;

/**
 * One script's text. {@code mayYieldOnRequest}/{@code mayYieldOnResponse} are not Envoy's: a
 * script that names no call that can wait (body, bodyChunks, trailers, httpCall) runs straight on
 * the event loop; only the others get a coroutine (see docs/filters-lua.md).
 *
 * @param chunkName what Lua's error messages name the script by
 */
record LuaSource(String chunkName, String code, boolean waitsForBody, boolean callsHttp) {

    private static final Pattern BODY = Pattern.compile("\\b(body|bodyChunks|trailers)\\b");
    private static final Pattern HTTP_CALL = Pattern.compile("\\bhttpCall\\b");

    static LuaSource of(String chunkName, String code) {
        return new LuaSource(chunkName, code, BODY.matcher(code).find(), HTTP_CALL.matcher(code).find());
    }

    /** Whether a run may have to wait: a message that already ended has no body or trailers to wait for. */
    boolean mayYield(boolean endStream) {
        return callsHttp || waitsForBody && !endStream;
    }
}

package io.remora.extensions.filters.http.lua;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.StreamFilterCallbacks;

import java.util.Map;

/** What respond() asked for: a local reply with the script's headers over the connection manager's. */
record LuaLocalReply(int status, Http2Headers headers, String body) {

    void send(StreamFilterCallbacks cb) {
        cb.sendLocalReply(status, body, null, "lua_response", h -> {
            for (Map.Entry<CharSequence, CharSequence> e : headers) {
                if (!isPseudo(e.getKey())) {
                    h.remove(e.getKey());
                }
            }
            for (Map.Entry<CharSequence, CharSequence> e : headers) {
                if (!isPseudo(e.getKey())) {
                    h.add(e.getKey(), e.getValue());
                }
            }
        }, -1);
    }

    private static boolean isPseudo(CharSequence name) {
        return name.length() > 0 && name.charAt(0) == ':';
    }
}

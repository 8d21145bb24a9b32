package io.remora.extensions.filters.http.oauth2;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The {@code state} of an authorization request, as Envoy sends it: base64url of
 * {@code {"url":"<original URL>","csrf_token":"<token>"}}.
 */
record OAuth2State(String url, String csrfToken) {

    private static final com.google.gson.Gson JSON = new GsonBuilder().disableHtmlEscaping().create();

    String encode() {
        String json = "{\"url\":" + JSON.toJson(url) + ",\"csrf_token\":" + JSON.toJson(csrfToken) + "}";
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The state sent back to the callback, or null unless it is such JSON with both fields. */
    static OAuth2State decode(String param) {
        try {
            byte[] json = Base64.getUrlDecoder().decode(param);
            JsonElement e = JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
            if (!(e instanceof JsonObject o) || !o.has("url") || !o.has("csrf_token")
                    || !o.get("url").isJsonPrimitive() || !o.get("csrf_token").isJsonPrimitive()) {
                return null;
            }
            return new OAuth2State(o.get("url").getAsString(), o.get("csrf_token").getAsString());
        } catch (RuntimeException e) {
            return null;
        }
    }
}

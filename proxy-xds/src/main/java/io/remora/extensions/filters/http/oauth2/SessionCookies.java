package io.remora.extensions.filters.http.oauth2;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.http.oauth2.OAuth2Cookies.Kind;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The session a token answer makes, as Envoy keeps it in cookies: the tokens it may set (none the
 * config disables; the refresh token only when refresh tokens are used), their expiry epoch and
 * the HMAC binding them to the cookie domain; each cookie living as long as its token.
 */
final class SessionCookies {
    private final OAuth2Cookies cookies;
    private final Map<String, String> requestCookies;
    private final String accessToken;
    private final String idToken;
    private final String refreshToken;
    private final String expiresIn;
    private final String idTokenExpiresIn;
    private final String refreshTokenExpiresIn;
    private final String expires;
    private final String hmac;

    /**
     * @param keepRefreshToken a refresh grant that brought no new refresh token keeps the request's
     */
    SessionCookies(OAuth2FilterConfig config, OAuth2Tokens tokens, byte[] hmacSecret, String domain,
                   Map<String, String> requestCookies, boolean keepRefreshToken) {
        this.cookies = config.cookies();
        this.requestCookies = requestCookies;
        long now = System.currentTimeMillis() / 1000;
        accessToken = config.disableAccessTokenSetCookie() ? "" : tokens.accessToken();
        idToken = config.disableIdTokenSetCookie() ? "" : tokens.idToken();
        String refresh = config.useRefreshToken() && !config.disableRefreshTokenSetCookie() ? tokens.refreshToken() : "";
        if (refresh.isEmpty() && keepRefreshToken) {
            refresh = requestCookies.getOrDefault(cookies.name(Kind.REFRESH_TOKEN), "");
        }
        refreshToken = refresh;
        expiresIn = Long.toString(tokens.expiresIn());
        String idExp = tokens.idToken().isEmpty() ? null : OAuth2Tokens.secondsUntilExp(tokens.idToken(), now);
        idTokenExpiresIn = idExp == null ? expiresIn : idExp;
        if (config.useRefreshToken()) {
            String exp = OAuth2Tokens.secondsUntilExp(tokens.refreshToken(), now);
            refreshTokenExpiresIn = exp != null ? exp : Long.toString(config.defaultRefreshTokenExpiresIn().toSeconds());
        } else {
            refreshTokenExpiresIn = expiresIn;
        }
        expires = Long.toString(now + tokens.expiresIn());
        hmac = OAuth2Crypto.cookieHmac(hmacSecret, domain, expires, accessToken, idToken, refreshToken);
    }

    String accessToken() {
        return accessToken;
    }

    /** The Set-Cookie values, in Envoy's order; a token not set now is deleted if the browser has one. */
    List<String> setCookies() {
        List<String> out = new ArrayList<>(5);
        out.add(cookies.set(Kind.HMAC, hmac, expiresIn));
        out.add(cookies.set(Kind.EXPIRES, expires, expiresIn));
        token(out, Kind.BEARER_TOKEN, accessToken, expiresIn);
        token(out, Kind.ID_TOKEN, idToken, idTokenExpiresIn);
        token(out, Kind.REFRESH_TOKEN, refreshToken, refreshTokenExpiresIn);
        return out;
    }

    private void token(List<String> out, Kind k, String value, String maxAge) {
        if (!value.isEmpty()) {
            out.add(cookies.set(k, value, maxAge));
        } else if (requestCookies.containsKey(cookies.name(k))) {
            out.add(cookies.delete(k));
        }
    }

    /** Rewrites the request's cookies to the new session, so the upstream sees what the browser will. */
    void applyTo(Http2Headers request) {
        Map<String, String> jar = new LinkedHashMap<>(requestCookies);
        jar.put(cookies.name(Kind.EXPIRES), expires);
        if (!accessToken.isEmpty()) {
            jar.put(cookies.name(Kind.BEARER_TOKEN), accessToken);
        }
        if (!idToken.isEmpty()) {
            jar.put(cookies.name(Kind.ID_TOKEN), idToken);
        }
        if (!refreshToken.isEmpty()) {
            jar.put(cookies.name(Kind.REFRESH_TOKEN), refreshToken);
        }
        jar.put(cookies.name(Kind.HMAC), hmac);
        StringBuilder sb = new StringBuilder();
        jar.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "; ").append(k).append('=').append(v));
        request.remove("cookie");
        request.set("cookie", sb.toString());
    }
}

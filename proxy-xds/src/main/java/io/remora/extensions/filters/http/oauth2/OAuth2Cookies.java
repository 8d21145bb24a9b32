package io.remora.extensions.filters.http.oauth2;

import java.util.List;

/**
 * The oauth2 filter's cookies: their names ({@code credentials.cookie_names}, else Envoy's
 * defaults), SameSite attributes ({@code cookie_configs}) and {@code credentials.cookie_domain}.
 * Every cookie is set as Envoy does: {@code name=value[;domain=D];path=/;Max-Age=N;secure;HttpOnly[;SameSite=X]}.
 *
 * @param names     by {@link Kind#ordinal()}
 * @param sameSites by {@link Kind#ordinal()}: "" or {@code ;SameSite=Lax|Strict|None}
 * @param domain    the cookie domain, "" for the request's host
 */
public record OAuth2Cookies(List<String> names, List<String> sameSites, String domain) {

    /** Each cookie with its default name. */
    public enum Kind {
        BEARER_TOKEN("BearerToken"), HMAC("OauthHMAC"), EXPIRES("OauthExpires"), ID_TOKEN("IdToken"),
        REFRESH_TOKEN("RefreshToken"), NONCE("OauthNonce"), CODE_VERIFIER("OauthCodeVerifier");

        final String defaultName;

        Kind(String defaultName) {
            this.defaultName = defaultName;
        }
    }

    public OAuth2Cookies {
        names = List.copyOf(names);
        sameSites = List.copyOf(sameSites);
    }

    String name(Kind k) {
        return names.get(k.ordinal());
    }

    /** The Set-Cookie value giving {@code k} this value for {@code maxAge} seconds. */
    String set(Kind k, String value, String maxAge) {
        StringBuilder sb = new StringBuilder(name(k)).append('=').append(value);
        if (!domain.isEmpty()) {
            sb.append(";domain=").append(domain);
        }
        return sb.append(";path=/;Max-Age=").append(maxAge).append(";secure;HttpOnly")
                .append(sameSites.get(k.ordinal())).toString();
    }

    /** The Set-Cookie value that deletes {@code k}. */
    String delete(Kind k) {
        return name(k) + "=deleted; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT"
                + (domain.isEmpty() ? "" : ";domain=" + domain);
    }
}

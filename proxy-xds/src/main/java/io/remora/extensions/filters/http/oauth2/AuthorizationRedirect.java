package io.remora.extensions.filters.http.oauth2;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.http.common.QueryParams;
import io.remora.extensions.filters.http.oauth2.OAuth2Cookies.Kind;
import io.remora.route.HeaderFormatter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The 302 to {@code authorization_endpoint} that starts a login, as Envoy builds it: the
 * endpoint's own query parameters with client_id, response_type=code, scope, state (original URL
 * and CSRF token), redirect_uri and the PKCE challenge, sorted by name as Envoy's parameter map
 * keeps them, then the resources; a CSRF nonce cookie (kept when the browser has a genuine one)
 * and the sealed PKCE verifier cookie, both for ten minutes.
 */
record AuthorizationRedirect(String location, List<String> setCookies) {
    private static final String TEN_MINUTES = "600";

    static AuthorizationRedirect of(OAuth2FilterProvider.Shared shared, Http2Headers request, String path, String host,
                                    String nonceCookie, byte[] hmacSecret, HeaderFormatter.Context formatter) {
        OAuth2FilterConfig config = shared.config;
        List<String> setCookies = new ArrayList<>(2);
        // https unless the request says http: OAuth wants TLS.
        String scheme = request.scheme() != null && "http".contentEquals(request.scheme()) ? "http" : "https";
        String csrf = nonceCookie;
        if (csrf.isEmpty() || !OAuth2Crypto.csrfTokenValid(hmacSecret, csrf)) {
            csrf = OAuth2Crypto.csrfToken(hmacSecret);
            setCookies.add(config.cookies().set(Kind.NONCE, csrf, TEN_MINUTES));
        }
        Map<String, String> params = new TreeMap<>(config.authorizationParams());
        params.put("state", new OAuth2State(scheme + "://" + host + path, csrf).encode());
        params.put("redirect_uri", QueryParams.encode(shared.redirectUri.format(request, formatter)));
        String verifier = OAuth2Crypto.codeVerifier();
        setCookies.add(config.cookies().set(Kind.CODE_VERIFIER, OAuth2Crypto.encrypt(verifier, hmacSecret), TEN_MINUTES));
        params.put("code_challenge", OAuth2Crypto.codeChallenge(verifier));
        params.put("code_challenge_method", "S256");
        StringBuilder location = new StringBuilder(config.authorizationBase());
        char sep = '?';
        for (Map.Entry<String, String> e : params.entrySet()) {
            location.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = '&';
        }
        return new AuthorizationRedirect(location.append(config.resourcesSuffix()).toString(), List.copyOf(setCookies));
    }
}

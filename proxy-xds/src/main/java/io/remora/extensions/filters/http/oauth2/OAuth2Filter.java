package io.remora.extensions.filters.http.oauth2;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.extensions.filters.http.common.ClusterCall;
import io.remora.extensions.filters.http.common.QueryParams;
import io.remora.extensions.filters.http.common.RequestCookies;
import io.remora.extensions.filters.http.oauth2.OAuth2Cookies.Kind;
import io.remora.extensions.filters.http.oauth2.OAuth2FilterProvider.Shared;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.http.upstream.Cancellable;
import io.remora.log.Logging;
import io.remora.route.CompiledHeaderMatcher;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Envoy's oauth2 filter on one request, in Envoy's order: pass-through matchers; the
 * authorization header dropped (unless preserved); sign-out; valid HMAC'd cookies let the request
 * through (with the bearer token when forwarded); otherwise a refresh-token grant when there is a
 * refresh token, else a redirect to the authorization server (401 when a deny-redirect matcher
 * matches); on the callback path, the code exchanged at the token endpoint and the cookies set
 * on a redirect back to the original URL. Event-loop confined.
 */
final class OAuth2Filter implements StreamFilter {
    static final Logger LOG = Logging.logger("oauth2");
    private static final AsciiString AUTHORIZATION = AsciiString.cached("authorization");
    private static final AsciiString SET_COOKIE = AsciiString.cached("set-cookie");
    private static final AsciiString LOCATION = AsciiString.cached("location");
    private static final String UNAUTHORIZED = "OAuth flow failed.";
    private static final long CSRF_AND_VERIFIER_MAX_AGE = 600;

    private final Shared shared;
    private final OAuth2FilterConfig config;
    private DecoderFilterCallbacks cb;
    private Http2Headers request;
    private String host;
    private byte[] hmacSecret;
    private Map<String, String> cookies;
    private Cancellable inFlight;
    /** True while a token call is being started: its answer may come before decodeHeaders returns. */
    private boolean starting;
    /** The answer came during {@link #starting}: decodeHeaders returns this. */
    private FilterStatus inlineResult;
    private String originalUrl;
    /** Set-Cookie values the response gets after a refresh that let the request through. */
    private List<String> refreshedCookies;

    OAuth2Filter(Shared shared) {
        this.shared = shared;
        this.config = shared.config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        for (CompiledHeaderMatcher m : shared.passThrough) {
            if (m.matches(headers)) {
                count(Shared.PASSTHROUGH);
                return FilterStatus.CONTINUE;
            }
        }
        if (!config.preserveAuthorizationHeader()) {
            // Its content cannot be vouched for; the bearer token, when forwarded, replaces it.
            headers.remove(AUTHORIZATION);
        }
        request = headers;
        host = headers.authority() == null ? "" : headers.authority().toString();
        String path = headers.path() == null ? "/" : headers.path().toString();
        String pathOnly = withoutQuery(path);
        hmacSecret = shared.hmacSecret();
        String clientSecret = shared.secret(config.tokenSecret());
        if (hmacSecret == null || clientSecret == null) {
            shared.warnMissingSecret(hmacSecret == null ? config.hmacSecret() : config.tokenSecret());
            return unauthorized();
        }
        if (config.signoutPath().matches(pathOnly)) {
            return signOut(headers);
        }
        cookies = RequestCookies.parse(headers);
        boolean redirectPath = config.redirectPath().matches(pathOnly);
        if (cookiesValid()) {
            count(Shared.SUCCESS);
            String token = cookie(Kind.BEARER_TOKEN);
            if (config.forwardBearerToken() && !token.isEmpty()) {
                headers.set(AUTHORIZATION, "Bearer " + token);
            }
            if (!redirectPath) {
                return FilterStatus.CONTINUE;
            }
            // Logged in already (a race of several redirects): back to where the user was going.
            OAuth2State state = callbackState(path);
            if (state == null || config.redirectPath().matches(withoutQuery(pathAndQuery(state.url())))) {
                return unauthorized();
            }
            return redirect(state.url(), List.of(), "oauth.race_redirect");
        }
        if (!redirectPath) {
            String refreshToken = cookie(Kind.REFRESH_TOKEN);
            if (config.useRefreshToken() && !refreshToken.isEmpty()) {
                starting = true;
                return call(TokenEndpointCall.refresh(cb.eventLoop(), cb.serverContext(), config, clientSecret,
                        refreshToken, this::onRefreshed));
            }
            return redirectOrDeny(headers, path);
        }
        OAuth2State state = callbackState(path);
        if (state == null) {
            return unauthorized();
        }
        String sealed = cookie(Kind.CODE_VERIFIER);
        String verifier = sealed.isEmpty() ? null : OAuth2Crypto.decrypt(sealed, hmacSecret);
        if (verifier == null) {
            return unauthorized();
        }
        originalUrl = state.url();
        String redirectUri = shared.redirectUri.format(headers, cb.formatterContext());
        starting = true;
        return call(TokenEndpointCall.authorizationCode(cb.eventLoop(), cb.serverContext(), config, clientSecret,
                QueryParams.firstRaw(path, "code"), redirectUri, verifier, this::onCodeExchanged));
    }

    private FilterStatus call(Cancellable c) {
        starting = false;
        // The call may answer before it is returned (no cluster, no host): the answer then decides here.
        if (inlineResult != null) {
            return inlineResult;
        }
        inFlight = c;
        return FilterStatus.STOP_ALL_ITERATION_AND_BUFFER;
    }

    private boolean cookiesValid() {
        String expires = cookie(Kind.EXPIRES);
        String hmac = cookie(Kind.HMAC);
        if (hmac.isEmpty() || !OAuth2Crypto.cookieHmacValid(hmacSecret, cookieDomain(), expires,
                cookie(Kind.BEARER_TOKEN), cookie(Kind.ID_TOKEN), cookie(Kind.REFRESH_TOKEN), hmac)) {
            return false;
        }
        try {
            return Long.parseUnsignedLong(expires) > System.currentTimeMillis() / 1000;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private String cookieDomain() {
        return config.cookies().domain().isEmpty() ? host : config.cookies().domain();
    }

    private String cookie(Kind k) {
        return cookies.getOrDefault(config.cookies().name(k), "");
    }

    /**
     * The callback's state when the callback is sound: no {@code error}, a {@code code} and a
     * {@code state} whose CSRF token is the (genuine) nonce cookie and whose URL is absolute.
     */
    private OAuth2State callbackState(String path) {
        if (QueryParams.firstRaw(path, "error") != null || QueryParams.firstRaw(path, "code") == null) {
            return null;
        }
        String param = QueryParams.firstRaw(path, "state");
        OAuth2State state = param == null ? null : OAuth2State.decode(param);
        if (state == null) {
            return null;
        }
        String nonce = cookie(Kind.NONCE);
        if (!nonce.equals(state.csrfToken()) || !OAuth2Crypto.csrfTokenValid(hmacSecret, nonce)) {
            return null;
        }
        return pathAndQuery(state.url()) == null ? null : state;
    }

    /** The path and query of an absolute URL, or null when it is none. */
    private static String pathAndQuery(String url) {
        try {
            URI u = new URI(url);
            if (u.getScheme() == null || u.getRawAuthority() == null) {
                return null;
            }
            String p = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            return u.getRawQuery() == null ? p : p + "?" + u.getRawQuery();
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static String withoutQuery(String path) {
        if (path == null) {
            return "";
        }
        int q = path.indexOf('?');
        int h = path.indexOf('#');
        int end = q < 0 ? h : h < 0 ? q : Math.min(q, h);
        return end < 0 ? path : path.substring(0, end);
    }

    private FilterStatus redirectOrDeny(Http2Headers headers, String path) {
        for (CompiledHeaderMatcher m : shared.denyRedirect) {
            if (m.matches(headers)) {
                return unauthorized();
            }
        }
        AuthorizationRedirect r = AuthorizationRedirect.of(shared, headers, path, host, cookie(Kind.NONCE), hmacSecret,
                cb.formatterContext());
        count(Shared.UNAUTHORIZED_RQ);
        return redirect(r.location(), r.setCookies(), "oauth.missing_credentials");
    }

    private FilterStatus signOut(Http2Headers headers) {
        OAuth2Cookies c = config.cookies();
        // OauthExpires too, as Envoy 1.38: the browser kept it past the session before.
        List<String> deleted = List.of(c.delete(Kind.HMAC), c.delete(Kind.BEARER_TOKEN), c.delete(Kind.ID_TOKEN),
                c.delete(Kind.REFRESH_TOKEN), c.delete(Kind.NONCE), c.delete(Kind.CODE_VERIFIER),
                c.delete(Kind.EXPIRES));
        String scheme = headers.scheme() == null ? "http" : headers.scheme().toString();
        return redirect(scheme + "://" + host + "/", deleted, "oauth.sign_out");
    }

    private FilterStatus redirect(String location, List<String> setCookies, String details) {
        Http2Headers h = new DefaultHttp2Headers(false);
        h.status("302");
        for (String c : setCookies) {
            h.add(SET_COOKIE, c);
        }
        h.set(LOCATION, location);
        cb.streamInfo().responseCodeDetails = details;
        cb.encodeHeaders(h, true);
        return FilterStatus.STOP_ITERATION;
    }

    private FilterStatus unauthorized() {
        count(Shared.FAILURE);
        cb.sendLocalReply(401, UNAUTHORIZED, null, null);
        return FilterStatus.STOP_ITERATION;
    }

    private void onCodeExchanged(ClusterCall.Response r) {
        inFlight = null;
        OAuth2Tokens tokens = OAuth2Tokens.parse(r.status(), r.body(), config.defaultExpiresIn());
        if (tokens == null) {
            LOG.fine(() -> "oauth2: token exchange failed: " + (r.headers() == null ? r.failure() : "status " + r.status()));
            finish(unauthorized());
            return;
        }
        List<String> set = new SessionCookies(config, tokens, hmacSecret, cookieDomain(), cookies, false).setCookies();
        count(Shared.SUCCESS);
        finish(redirect(originalUrl, set, "oauth.logged_in"));
    }

    private void onRefreshed(ClusterCall.Response r) {
        inFlight = null;
        OAuth2Tokens tokens = OAuth2Tokens.parse(r.status(), r.body(), config.defaultExpiresIn());
        if (tokens == null) {
            count(Shared.REFRESH_FAILURE);
            String path = request.path() == null ? "/" : request.path().toString();
            finish(redirectOrDeny(request, path));
            return;
        }
        SessionCookies session = new SessionCookies(config, tokens, hmacSecret, cookieDomain(), cookies, true);
        session.applyTo(request);
        String access = session.accessToken();
        if (config.forwardBearerToken() && !access.isEmpty()) {
            request.set(AUTHORIZATION, "Bearer " + access);
        }
        refreshedCookies = session.setCookies();
        count(Shared.REFRESH_SUCCESS);
        count(Shared.SUCCESS);
        finish(FilterStatus.CONTINUE);
    }

    /** Ends a token call: returned from decodeHeaders if it is still running, else resumes or stays stopped. */
    private void finish(FilterStatus result) {
        if (inlineResult == null && starting) {
            inlineResult = result;
            return;
        }
        if (result == FilterStatus.CONTINUE) {
            cb.continueDecoding();
        }
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (refreshedCookies != null) {
            for (String c : refreshedCookies) {
                headers.add(SET_COOKIE, c);
            }
            refreshedCookies = null;
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public void onDestroy() {
        if (inFlight != null) {
            inFlight.cancel();
            inFlight = null;
        }
    }

    private void count(int index) {
        shared.counter(cb.connectionManagerStats().prefix(), index).increment();
    }
}

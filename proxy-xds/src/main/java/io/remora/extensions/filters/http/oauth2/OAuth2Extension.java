package io.remora.extensions.filters.http.oauth2;

import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.CookieConfig;
import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.CookieConfigs;
import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.OAuth2;
import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.OAuth2Config;
import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.OAuth2Credentials;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.remora.config.StringMatcher;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.http.common.QueryParams;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.route.HeaderFormatter;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code envoy.filters.http.oauth2}: the authorization-code flow with PKCE, its HMAC'd session
 * cookies and refresh-token grants. Its secrets are generic secrets from
 * {@code static_resources.secrets}, read by name at each use.
 */
public final class OAuth2Extension implements HttpFilterExtension<OAuth2FilterConfig> {

    @Override
    public List<String> names() {
        return List.of(OAuth2FilterConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.oauth2.v3.OAuth2");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public OAuth2FilterConfig translate(TypedConfig typed, FieldPath path, TranslationContext ctx) {
        if (typed == null) {
            throw path.error("config must be present for global config");
        }
        OAuth2 outer = typed.unpack(OAuth2.class, path);
        if (!outer.hasConfig()) {
            throw path.field("config").error("config must be present for global config");
        }
        FieldPath p = path.field("config");
        OAuth2Config c = outer.getConfig();
        OAuth2FilterConfig.Builder b = OAuth2FilterConfig.builder();
        tokenEndpoint(c, p.field("token_endpoint"), b, ctx);
        if (c.hasRetryPolicy()) {
            ctx.warnOnce("oauth2:retry_policy", "oauth2 retry_policy is not supported: token requests are not"
                    + " retried, first at " + p.field("retry_policy"));
        }
        if (!c.getStatPrefix().isEmpty()) {
            ctx.warnOnce("oauth2:stat_prefix", "oauth2 stat_prefix is not applied: the counters are"
                    + " http.<stat_prefix>.oauth_*, first at " + p.field("stat_prefix"));
        }
        authorization(c, p, b);
        credentials(c, p, b);
        if (c.getRedirectUri().isEmpty()) {
            throw p.field("redirect_uri").error("missing required field");
        }
        List<String> problems = HeaderFormatter.validate(c.getRedirectUri());
        if (!problems.isEmpty()) {
            throw p.field("redirect_uri").error(String.join("; ", problems));
        }
        b.paths(c.getRedirectUri(), path(c.hasRedirectPathMatcher(), c.getRedirectPathMatcher(),
                p.field("redirect_path_matcher")), path(c.hasSignoutPath(), c.getSignoutPath(), p.field("signout_path")));
        if (c.getForwardBearerToken() && c.getPreserveAuthorizationHeader()) {
            throw p.field("preserve_authorization_header").error("cannot be true when forward_bearer_token is true");
        }
        b.authorizationHeader(c.getForwardBearerToken(), c.getPreserveAuthorizationHeader());
        b.matchers(HeaderTranslator.matchers(c.getPassThroughMatcherList(), p.field("pass_through_matcher")),
                HeaderTranslator.matchers(c.getDenyRedirectMatcherList(), p.field("deny_redirect_matcher")));
        b.basicAuth(switch (c.getAuthType()) {
            case URL_ENCODED_BODY -> false;
            case BASIC_AUTH -> true;
            default -> throw p.field("auth_type").error("unknown auth_type " + c.getAuthTypeValue());
        });
        Duration expiresIn = Protos.duration(c.hasDefaultExpiresIn(), c.getDefaultExpiresIn(), Duration.ZERO);
        Duration refreshExpiresIn = Protos.duration(c.hasDefaultRefreshTokenExpiresIn(),
                c.getDefaultRefreshTokenExpiresIn(), Duration.ofDays(7));
        if (expiresIn.isNegative() || refreshExpiresIn.isNegative()) {
            throw p.field(expiresIn.isNegative() ? "default_expires_in" : "default_refresh_token_expires_in")
                    .error("must not be negative");
        }
        b.expiry(Protos.bool(c.hasUseRefreshToken(), c.getUseRefreshToken(), true), expiresIn, refreshExpiresIn);
        b.disableSetCookie(c.getDisableIdTokenSetCookie(), c.getDisableAccessTokenSetCookie(),
                c.getDisableRefreshTokenSetCookie());
        return b.build();
    }

    private static void tokenEndpoint(OAuth2Config c, FieldPath p, OAuth2FilterConfig.Builder b, TranslationContext ctx) {
        if (!c.hasTokenEndpoint()) {
            throw p.error("missing required field");
        }
        var h = c.getTokenEndpoint();
        URI uri = absolute(h.getUri(), p.field("uri"));
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        if (h.getCluster().isEmpty()) {
            throw p.field("cluster").error("missing required field");
        }
        ctx.requireCluster(p.field("cluster"), h.getCluster());
        if (!h.hasTimeout()) {
            throw p.field("timeout").error("missing required field");
        }
        Duration timeout = Protos.duration(h.getTimeout());
        if (timeout.isNegative()) {
            throw p.field("timeout").error("must not be negative");
        }
        b.tokenEndpoint(h.getCluster(), uri.getRawAuthority(), target, timeout);
    }

    private static URI absolute(String s, FieldPath p) {
        if (s.isEmpty()) {
            throw p.error("missing required field");
        }
        try {
            URI uri = new URI(s);
            if (uri.getScheme() == null || uri.getRawAuthority() == null) {
                throw p.error("must be an absolute URL (scheme://host/path): " + s);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw p.error("is not a URL: " + e.getMessage());
        }
    }

    /** The endpoint's own parameters kept, client_id / response_type / scope set as Envoy does. */
    private static void authorization(OAuth2Config c, FieldPath p, OAuth2FilterConfig.Builder b) {
        String endpoint = c.getAuthorizationEndpoint();
        absolute(endpoint, p.field("authorization_endpoint"));
        int q = endpoint.indexOf('?');
        Map<String, String> params = new LinkedHashMap<>();
        if (q >= 0) {
            for (String pair : endpoint.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (!pair.isEmpty()) {
                    params.putIfAbsent(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
                }
            }
        }
        params.put("client_id", c.getCredentials().getClientId());
        params.put("response_type", "code");
        List<String> scopes = c.getAuthScopesCount() == 0 ? List.of("user") : c.getAuthScopesList();
        params.put("scope", QueryParams.encode(String.join(" ", scopes)));
        StringBuilder resources = new StringBuilder();
        for (String r : c.getResourcesList()) {
            resources.append("&resource=").append(QueryParams.encode(r));
        }
        b.authorization(q < 0 ? endpoint : endpoint.substring(0, q), params, resources.toString());
    }

    private static void credentials(OAuth2Config c, FieldPath config, OAuth2FilterConfig.Builder b) {
        FieldPath p = config.field("credentials");
        if (!c.hasCredentials()) {
            throw p.error("missing required field");
        }
        OAuth2Credentials cr = c.getCredentials();
        if (cr.getClientId().isEmpty()) {
            throw p.field("client_id").error("missing required field");
        }
        if (!cr.hasHmacSecret()) {
            throw p.field("hmac_secret").error("missing required field");
        }
        b.credentials(cr.getClientId(), secretName(cr.hasTokenSecret(), cr.getTokenSecret(), p.field("token_secret")),
                secretName(true, cr.getHmacSecret(), p.field("hmac_secret")));
        var n = cr.getCookieNames();
        FieldPath np = p.field("cookie_names");
        List<String> names = new ArrayList<>();
        for (OAuth2Cookies.Kind k : OAuth2Cookies.Kind.values()) {
            String field = switch (k) {
                case BEARER_TOKEN -> "bearer_token";
                case HMAC -> "oauth_hmac";
                case EXPIRES -> "oauth_expires";
                case ID_TOKEN -> "id_token";
                case REFRESH_TOKEN -> "refresh_token";
                case NONCE -> "oauth_nonce";
                case CODE_VERIFIER -> "code_verifier";
            };
            String v = (String) n.getField(n.getDescriptorForType().findFieldByName(field));
            names.add(v.isEmpty() ? k.defaultName : cookieName(v, np.field(field)));
        }
        b.cookies(new OAuth2Cookies(names, sameSites(c.getCookieConfigs(), config.field("cookie_configs")),
                cr.getCookieDomain()));
    }

    /** Envoy's strict HTTP_HEADER_NAME: an RFC 7230 token. */
    private static String cookieName(String name, FieldPath p) {
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (!(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
                    || "!#$%&'*+-.^_|~`".indexOf(ch) >= 0)) {
                throw p.error("invalid cookie name '" + name + "'");
            }
        }
        return name;
    }

    private static List<String> sameSites(CookieConfigs cc, FieldPath p) {
        List<CookieConfig> in = List.of(cc.getBearerTokenCookieConfig(), cc.getOauthHmacCookieConfig(),
                cc.getOauthExpiresCookieConfig(), cc.getIdTokenCookieConfig(), cc.getRefreshTokenCookieConfig(),
                cc.getOauthNonceCookieConfig(), cc.getCodeVerifierCookieConfig());
        List<String> out = new ArrayList<>();
        for (CookieConfig c : in) {
            out.add(switch (c.getSameSite()) {
                case DISABLED -> "";
                case STRICT -> ";SameSite=Strict";
                case LAX -> ";SameSite=Lax";
                case NONE -> ";SameSite=None";
                default -> throw p.error("unknown same_site " + c.getSameSiteValue());
            });
        }
        return out;
    }

    private static String secretName(boolean has, SdsSecretConfig s, FieldPath p) {
        if (!has) {
            throw p.error("missing required field");
        }
        return io.remora.xds.ads.SdsFileRefs.genericSecretName(s, p);
    }

    private static StringMatcher path(boolean has, PathMatcher m, FieldPath p) {
        if (!has) {
            throw p.error("missing required field");
        }
        if (!m.hasPath()) {
            throw p.field("path").error("missing required field");
        }
        return StringMatcherTranslator.translate(m.getPath(), p.field("path"));
    }

    @Override
    public HttpFilterFactory.Provider<OAuth2FilterConfig> runtime() {
        return new OAuth2FilterProvider();
    }
}

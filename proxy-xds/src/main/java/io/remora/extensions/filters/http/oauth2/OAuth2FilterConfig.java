package io.remora.extensions.filters.http.oauth2;

import io.remora.config.HeaderMatcher;
import io.remora.config.HttpFilterConfig;
import io.remora.config.StringMatcher;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code envoy.extensions.filters.http.oauth2.v3.OAuth2Config}, as the filter runs it (built by
 * {@link #builder()}).
 *
 * @param tokenCluster          {@code token_endpoint.cluster}
 * @param tokenAuthority        the host of {@code token_endpoint.uri}
 * @param tokenPath             its path and query
 * @param tokenTimeout          {@code token_endpoint.timeout}
 * @param authorizationBase     {@code authorization_endpoint} without its query
 * @param authorizationParams   its query parameters (as sent) with client_id, response_type and scope set
 * @param resourcesSuffix       {@code &resource=...} for each of {@code resources}, appended last
 * @param clientId              {@code credentials.client_id}
 * @param tokenSecret           the generic secret named by {@code credentials.token_secret}
 * @param hmacSecret            the generic secret named by {@code credentials.hmac_secret}
 * @param cookies               names, SameSite and domain of the cookies
 * @param redirectUri           {@code redirect_uri}, a header value format
 * @param redirectPath          {@code redirect_path_matcher.path}
 * @param signoutPath           {@code signout_path.path}
 * @param passThrough           {@code pass_through_matcher}
 * @param denyRedirect          {@code deny_redirect_matcher}
 * @param basicAuth             {@code auth_type: BASIC_AUTH}
 * @param defaultExpiresIn      {@code default_expires_in}, zero when unset
 * @param defaultRefreshTokenExpiresIn {@code default_refresh_token_expires_in} (a week unless set)
 */
public record OAuth2FilterConfig(String tokenCluster, String tokenAuthority, String tokenPath, Duration tokenTimeout,
                           String authorizationBase, Map<String, String> authorizationParams, String resourcesSuffix,
                           String clientId, String tokenSecret, String hmacSecret, OAuth2Cookies cookies,
                           String redirectUri, StringMatcher redirectPath, StringMatcher signoutPath,
                           boolean forwardBearerToken, boolean preserveAuthorizationHeader,
                           List<HeaderMatcher> passThrough, List<HeaderMatcher> denyRedirect, boolean basicAuth,
                           boolean useRefreshToken, Duration defaultExpiresIn, Duration defaultRefreshTokenExpiresIn,
                           boolean disableIdTokenSetCookie, boolean disableAccessTokenSetCookie,
                           boolean disableRefreshTokenSetCookie) implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.oauth2";

    @Override
    public String filterName() {
        return NAME;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults as Envoy's: scope-less parameters, refresh tokens used, a week for refresh tokens. */
    public static final class Builder {
        private String tokenCluster;
        private String tokenAuthority;
        private String tokenPath = "/";
        private Duration tokenTimeout = Duration.ZERO;
        private String authorizationBase;
        private Map<String, String> authorizationParams = Map.of();
        private String resourcesSuffix = "";
        private String clientId;
        private String tokenSecret;
        private String hmacSecret;
        private OAuth2Cookies cookies;
        private String redirectUri;
        private StringMatcher redirectPath;
        private StringMatcher signoutPath;
        private boolean forwardBearerToken;
        private boolean preserveAuthorizationHeader;
        private List<HeaderMatcher> passThrough = List.of();
        private List<HeaderMatcher> denyRedirect = List.of();
        private boolean basicAuth;
        private boolean useRefreshToken = true;
        private Duration defaultExpiresIn = Duration.ZERO;
        private Duration defaultRefreshTokenExpiresIn = Duration.ofDays(7);
        private boolean disableIdTokenSetCookie;
        private boolean disableAccessTokenSetCookie;
        private boolean disableRefreshTokenSetCookie;

        public Builder tokenEndpoint(String cluster, String authority, String path, Duration timeout) {
            this.tokenCluster = cluster;
            this.tokenAuthority = authority;
            this.tokenPath = path;
            this.tokenTimeout = timeout;
            return this;
        }

        public Builder authorization(String base, Map<String, String> params, String resourcesSuffix) {
            this.authorizationBase = base;
            this.authorizationParams = Map.copyOf(params);
            this.resourcesSuffix = resourcesSuffix;
            return this;
        }

        public Builder credentials(String clientId, String tokenSecret, String hmacSecret) {
            this.clientId = clientId;
            this.tokenSecret = tokenSecret;
            this.hmacSecret = hmacSecret;
            return this;
        }

        public Builder cookies(OAuth2Cookies cookies) {
            this.cookies = cookies;
            return this;
        }

        public Builder paths(String redirectUri, StringMatcher redirectPath, StringMatcher signoutPath) {
            this.redirectUri = redirectUri;
            this.redirectPath = redirectPath;
            this.signoutPath = signoutPath;
            return this;
        }

        public Builder authorizationHeader(boolean forwardBearerToken, boolean preserveAuthorizationHeader) {
            this.forwardBearerToken = forwardBearerToken;
            this.preserveAuthorizationHeader = preserveAuthorizationHeader;
            return this;
        }

        public Builder matchers(List<HeaderMatcher> passThrough, List<HeaderMatcher> denyRedirect) {
            this.passThrough = List.copyOf(passThrough);
            this.denyRedirect = List.copyOf(denyRedirect);
            return this;
        }

        public Builder basicAuth(boolean basicAuth) {
            this.basicAuth = basicAuth;
            return this;
        }

        public Builder expiry(boolean useRefreshToken, Duration defaultExpiresIn, Duration defaultRefreshTokenExpiresIn) {
            this.useRefreshToken = useRefreshToken;
            this.defaultExpiresIn = defaultExpiresIn;
            this.defaultRefreshTokenExpiresIn = defaultRefreshTokenExpiresIn;
            return this;
        }

        public Builder disableSetCookie(boolean idToken, boolean accessToken, boolean refreshToken) {
            this.disableIdTokenSetCookie = idToken;
            this.disableAccessTokenSetCookie = accessToken;
            this.disableRefreshTokenSetCookie = refreshToken;
            return this;
        }

        public OAuth2FilterConfig build() {
            return new OAuth2FilterConfig(tokenCluster, tokenAuthority, tokenPath, tokenTimeout, authorizationBase,
                    authorizationParams, resourcesSuffix, clientId, tokenSecret, hmacSecret, cookies, redirectUri,
                    redirectPath, signoutPath, forwardBearerToken, preserveAuthorizationHeader, passThrough,
                    denyRedirect, basicAuth, useRefreshToken, defaultExpiresIn, defaultRefreshTokenExpiresIn,
                    disableIdTokenSetCookie, disableAccessTokenSetCookie, disableRefreshTokenSetCookie);
        }
    }
}

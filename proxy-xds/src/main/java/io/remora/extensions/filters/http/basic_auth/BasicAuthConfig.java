package io.remora.extensions.filters.http.basic_auth;

import io.remora.config.HttpFilterConfig;

/**
 * {@code envoy.extensions.filters.http.basic_auth.v3.BasicAuth}.
 *
 * @param users                 the htpasswd users
 * @param forwardUsernameHeader where an authenticated user's name is passed upstream, or null
 * @param authenticationHeader  the request header holding the credential (lower case); null: authorization
 */
public record BasicAuthConfig(HtpasswdUsers users, String forwardUsernameHeader, String authenticationHeader)
        implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.basic_auth";

    @Override
    public String filterName() {
        return NAME;
    }
}

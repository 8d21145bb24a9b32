package io.remora.extensions.filters.http.credential_injector;

import io.remora.config.HttpFilterConfig;

/**
 * {@code envoy.filters.http.credential_injector} with the generic credential
 * ({@code envoy.http.injected_credentials.generic}).
 *
 * @param secretName             the generic secret whose value is the credential, read at each request
 * @param header                 the header it goes into (lower case; Envoy's default {@code authorization})
 * @param overwrite              replace a credential the request already carries
 * @param allowWithoutCredential let a request on when no credential can be had, instead of 401
 */
record CredentialInjectorConfig(String secretName, String header, boolean overwrite, boolean allowWithoutCredential)
        implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.credential_injector";

    @Override
    public String filterName() {
        return NAME;
    }
}

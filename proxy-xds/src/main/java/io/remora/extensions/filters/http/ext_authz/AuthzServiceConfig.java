package io.remora.extensions.filters.http.ext_authz;

/** Where the authorization service is: {@link HttpServiceConfig} or {@link GrpcServiceConfig}. */
public sealed interface AuthzServiceConfig permits HttpServiceConfig, GrpcServiceConfig {

    String cluster();
}

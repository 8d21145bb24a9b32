package io.remora.extensions.filters.network.ext_authz;

import io.remora.config.NetworkFilterConfig;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;
import io.remora.config.MetadataMatch;

/**
 * {@code envoy.filters.network.ext_authz}: each new connection is checked with the gRPC
 * Authorization service before its bytes go on.
 *
 * @param filterEnabledMetadata  null: every connection is checked
 * @param includePeerCertificate the peer's certificate goes in the source peer
 * @param includeTlsSession      the SNI goes in {@code tls_session}
 * @param bootstrapMetadataLabelsKey the node metadata field whose struct is sent as the destination's labels
 */
public record NetworkExtAuthzConfig(String statPrefix, GrpcServiceConfig service, boolean failureModeAllow,
                                    MetadataMatch filterEnabledMetadata, boolean includePeerCertificate,
                                    boolean includeTlsSession, String bootstrapMetadataLabelsKey)
        implements NetworkFilterConfig {

    public static final String NAME = "envoy.filters.network.ext_authz";

    @Override
    public String filterName() {
        return NAME;
    }
}

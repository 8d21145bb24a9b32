package io.remora.xds.ads;

import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.GrpcServiceTranslator;
import io.remora.xds.translate.TranslationException;

/**
 * The fields of a config source that Remora's xDS client cannot honour, refused by name as Envoy refuses what it
 * cannot build. {@code refresh_delay} and {@code request_timeout} are REST-only: Envoy ignores them on a gRPC
 * source, and so does Remora.
 */
final class ConfigSourceChecks {
    private ConfigSourceChecks() {
    }

    /** What a config source itself asks that cannot be honoured; null when nothing. */
    static ConfigSourceRouting.Refusal unsupported(ConfigSource cs) {
        if (cs.getResourceApiVersion() == ApiVersion.V2) {
            return new ConfigSourceRouting.Refusal("resource_api_version", "V2 is no longer supported (only V3)");
        }
        if (cs.getAuthoritiesCount() > 0) {
            return new ConfigSourceRouting.Refusal("authorities",
                    "not supported: Remora resolves no xdstp:// (federated) resource names");
        }
        return null;
    }

    /**
     * What a gRPC api_config_source ({@code field} names it: api_config_source, dynamic_resources.ads_config) asks
     * that cannot be honoured; null when nothing. Envoy refuses cluster_names and more than one grpc_services on a
     * gRPC source ({@code checkApiConfigSourceNames}).
     */
    static ConfigSourceRouting.Refusal unsupported(ApiConfigSource api, String field) {
        if (api.getClusterNamesCount() > 0) {
            return new ConfigSourceRouting.Refusal(field + ".cluster_names",
                    "must be empty for the gRPC api_type " + api.getApiType() + " (it is REST only)");
        }
        if (api.getGrpcServicesCount() > 1) {
            return new ConfigSourceRouting.Refusal(field + ".grpc_services",
                    "a gRPC api_config_source must have a single gRPC service, got " + api.getGrpcServicesCount());
        }
        if (api.getTransportApiVersion() == ApiVersion.V2) {
            return new ConfigSourceRouting.Refusal(field + ".transport_api_version", "V2 is no longer supported (only V3)");
        }
        if (api.getRateLimitSettings().hasFillRate() && !(api.getRateLimitSettings().getFillRate().getValue() > 0)) {
            return new ConfigSourceRouting.Refusal(field + ".rate_limit_settings.fill_rate", "must be greater than 0");
        }
        if (api.getConfigValidatorsCount() > 0) {
            return new ConfigSourceRouting.Refusal(field + ".config_validators",
                    "not supported: Remora runs no config validator extensions");
        }
        if (api.getGrpcServicesCount() == 1) {
            return grpcService(api.getGrpcServices(0), field + ".grpc_services[0]");
        }
        return null;
    }

    /**
     * The xDS client's own gRPC service: a grpc-java stream to a target (TLS by google_grpc ssl_credentials) with the
     * service's initial_metadata, reconnecting after envoy_grpc.retry_policy's back-off ({@link XdsServiceOptions}).
     * A retry policy for the stream itself (GrpcService.retry_policy: Envoy's async client would retry opening it
     * by the policy's retry_on) is not applied.
     */
    private static ConfigSourceRouting.Refusal grpcService(GrpcService g, String field) {
        FieldPath path = FieldPath.of(field);
        try {
            if (g.hasGoogleGrpc()) {
                GrpcServiceTranslator.checkGoogleGrpc(g, true, path); // ssl_credentials: see XdsTls
            } else if (g.hasRetryPolicy()) {
                // max_receive_message_length is built (XdsTarget), envoy_grpc.retry_policy too (its back-off)
                throw path.field("retry_policy").error("not supported: the xDS stream is not retried by a"
                        + " retry policy (envoy_grpc.retry_policy's retry_back_off paces its reconnects)");
            }
        } catch (TranslationException e) {
            return new ConfigSourceRouting.Refusal(e.path(), e.reason());
        }
        return null;
    }
}

package io.remora.extensions.filters.http.aws_request_signing;

import io.envoyproxy.envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning;
import io.envoyproxy.envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigningPerRoute;
import io.remora.config.RouteFilterConfig;
import io.remora.config.StringMatcher;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.common.aws.AwsCredentialsProvider;
import io.remora.extensions.common.aws.AwsCredentialsTranslator;
import io.remora.extensions.common.aws.AwsProfileFiles;
import io.remora.extensions.common.aws.SigV4Signer;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code envoy.filters.http.aws_request_signing} ({@code AwsRequestSigning}), with its per-route
 * {@code AwsRequestSigningPerRoute}.
 */
public final class AwsRequestSigningExtension implements HttpFilterExtension<AwsRequestSigningConfig> {

    /** Envoy registers it as an upstream HTTP filter too. */
    @Override
    public boolean runsUpstream() {
        return true;
    }

    @Override
    public List<String> names() {
        return List.of(AwsRequestSigningConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigningPerRoute");
    }

    @Override
    public AwsRequestSigningConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (service_name)");
        }
        return translate(config.unpack(AwsRequestSigning.class, path), null, path, ctx, AwsProfileFiles.system());
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        AwsRequestSigningPerRoute c = config.unpack(AwsRequestSigningPerRoute.class, path);
        if (c.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("must not be empty");
        }
        return translate(c.getAwsRequestSigning(), c.getStatPrefix(), path.field("aws_request_signing"), ctx,
                AwsProfileFiles.system());
    }

    static AwsRequestSigningConfig translate(AwsRequestSigning c, String routeStatPrefix, FieldPath path,
                                             TranslationContext ctx, AwsProfileFiles files) {
        if (c.getServiceName().isEmpty()) {
            throw path.field("service_name").error("must not be empty");
        }
        boolean sigV4A = switch (c.getSigningAlgorithm()) {
            case AWS_SIGV4 -> false;
            case AWS_SIGV4A -> true;
            default -> throw path.field("signing_algorithm").error("unknown signing algorithm "
                    + c.getSigningAlgorithmValue());
        };
        String region = !c.getRegion().isEmpty() ? c.getRegion() : sigV4A ? files.regionSet() : files.region();
        if (region == null) {
            throw path.field("region").error("AWS region is not set in xDS configuration and failed to retrieve "
                    + "from environment variable or AWS profile/config files.");
        }
        if (!sigV4A && (region.contains("*") || region.contains(","))) {
            throw path.field("region").error("SigV4 region string cannot contain wildcards or commas. Region sets "
                    + "can be specified when using signing_algorithm: AWS_SIGV4A.");
        }
        List<StringMatcher> excluded = new ArrayList<>();
        for (int i = 0; i < c.getMatchExcludedHeadersCount(); i++) {
            excluded.add(StringMatcherTranslator.translate(c.getMatchExcludedHeaders(i),
                    path.field("match_excluded_headers").index(i)));
        }
        int expiration = SigV4Signer.DEFAULT_EXPIRATION_SECONDS;
        if (c.hasQueryString() && c.getQueryString().hasExpirationTime()) {
            com.google.protobuf.Duration d = c.getQueryString().getExpirationTime();
            if (d.getSeconds() < 1 || d.getSeconds() > 3600 || d.getSeconds() == 3600 && d.getNanos() > 0) {
                throw path.field("query_string").field("expiration_time").error("must be between 1s and 3600s");
            }
            expiration = (int) d.getSeconds();
        }
        AwsCredentialsProvider credentials = new AwsCredentialsTranslator(files).provider(c.hasCredentialProvider(),
                c.getCredentialProvider(), region, path.field("credential_provider"));
        SigV4Signer signer = new SigV4Signer(c.getServiceName(), region, credentials, excluded, c.hasQueryString(),
                expiration, sigV4A);
        return new AwsRequestSigningConfig(signer, c.getHostRewrite(), c.getUseUnsignedPayload(), routeStatPrefix);
    }

    @Override
    public HttpFilterFactory.Provider<AwsRequestSigningConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<AwsRequestSigningConfig> configType() {
                return AwsRequestSigningConfig.class;
            }

            @Override
            public HttpFilterFactory create(AwsRequestSigningConfig config, ServerContext context) {
                AwsRequestSigningStats stats = new AwsRequestSigningStats(context.stats().meterRegistry());
                config.signer().credentials().start(context.stats().meterRegistry());
                return () -> new AwsRequestSigningFilter(config, stats);
            }
        };
    }
}

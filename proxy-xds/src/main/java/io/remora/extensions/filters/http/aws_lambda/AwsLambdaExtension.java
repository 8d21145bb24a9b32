package io.remora.extensions.filters.http.aws_lambda;

import io.envoyproxy.envoy.extensions.filters.http.aws_lambda.v3.Config;
import io.envoyproxy.envoy.extensions.filters.http.aws_lambda.v3.PerRouteConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.common.aws.AwsCredentialsProvider;
import io.remora.extensions.common.aws.AwsCredentialsTranslator;
import io.remora.extensions.common.aws.AwsProfileFiles;
import io.remora.extensions.common.aws.SigV4Signer;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.server.ServerContext;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.List;

/**
 * {@code envoy.filters.http.aws_lambda} ({@code Config}), with its per-route {@code PerRouteConfig}.
 * Credentials: {@code credentials} inline, else the {@code credentials_profile} of the credentials
 * file, else the default chain; signed for service {@code lambda} in the ARN's region.
 */
public final class AwsLambdaExtension implements HttpFilterExtension<AwsLambdaConfig> {

    @Override
    public List<String> names() {
        return List.of(AwsLambdaConfig.NAME);
    }

    /** Envoy registers it as an upstream HTTP filter too (its docs' way of invoking a function). */
    @Override
    public boolean runsUpstream() {
        return true;
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.aws_lambda.v3.Config");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.aws_lambda.v3.PerRouteConfig");
    }

    @Override
    public AwsLambdaConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field (arn)");
        }
        return translate(config.unpack(Config.class, path), path, ctx, AwsProfileFiles.system());
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        PerRouteConfig c = config.unpack(PerRouteConfig.class, path);
        return translate(c.getInvokeConfig(), path.field("invoke_config"), ctx, AwsProfileFiles.system());
    }

    static AwsLambdaConfig translate(Config c, FieldPath path, TranslationContext ctx, AwsProfileFiles files) {
        LambdaArn arn = LambdaArn.parse(c.getArn());
        if (arn == null) {
            throw path.field("arn").error("aws_lambda_filter: Invalid ARN: " + c.getArn());
        }
        boolean async = switch (c.getInvocationMode()) {
            case SYNCHRONOUS -> false;
            case ASYNCHRONOUS -> true;
            default -> throw path.field("invocation_mode").error("unknown invocation mode " + c.getInvocationModeValue());
        };
        AwsCredentialsTranslator credentials = new AwsCredentialsTranslator(files);
        AwsCredentialsProvider creds;
        if (c.hasCredentials()) {
            creds = AwsCredentialsProvider.fixed(AwsCredentialsTranslator.inline(c.getCredentials().getAccessKeyId(),
                    c.getCredentials().getSecretAccessKey(), c.getCredentials().getSessionToken(),
                    path.field("credentials")));
        } else if (!c.getCredentialsProfile().isEmpty()) {
            creds = credentials.profile(c.getCredentialsProfile());
            if (creds.credentials() == null) {
                ctx.warnOnce("aws-lambda-profile-" + c.getCredentialsProfile(), path.field("credentials_profile")
                        + ": the credentials file has no credentials for profile '" + c.getCredentialsProfile()
                        + "': invocations are forwarded unsigned");
            }
        } else {
            creds = credentials.defaultChain(null, null, arn.region(), path);
        }
        SigV4Signer signer = new SigV4Signer("lambda", arn.region(), creds, List.of(), false,
                SigV4Signer.DEFAULT_EXPIRATION_SECONDS, false);
        return new AwsLambdaConfig(arn, c.getPayloadPassthrough(), async, c.getHostRewrite(), signer);
    }

    @Override
    public HttpFilterFactory.Provider<AwsLambdaConfig> runtime() {
        return new HttpFilterFactory.Provider<>() {
            @Override
            public Class<AwsLambdaConfig> configType() {
                return AwsLambdaConfig.class;
            }

            @Override
            public HttpFilterFactory create(AwsLambdaConfig config, ServerContext context) {
                AwsLambdaStats stats = new AwsLambdaStats(context.stats().meterRegistry());
                config.signer().credentials().start(context.stats().meterRegistry());
                return () -> new AwsLambdaFilter(config, stats);
            }
        };
    }
}

package io.remora.extensions.filters.http.aws_lambda;

import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.common.aws.SigV4Signer;

/**
 * {@code envoy.filters.http.aws_lambda}: the filter's {@code Config}, or a route's
 * {@code PerRouteConfig.invoke_config} (which replaces it whole).
 *
 * @param payloadPassthrough send the request body as it is, else wrapped in Envoy's JSON document
 *                           (and the response unwrapped)
 * @param asynchronous       {@code invocation_mode: ASYNCHRONOUS} ({@code x-amz-invocation-type: Event})
 * @param hostRewrite        the {@code :authority} to send and sign, or empty
 * @param signer             SigV4 for service {@code lambda} in the ARN's region
 */
record AwsLambdaConfig(LambdaArn arn, boolean payloadPassthrough, boolean asynchronous, String hostRewrite,
                       SigV4Signer signer) implements HttpFilterConfig, RouteFilterConfig {

    static final String NAME = "envoy.filters.http.aws_lambda";

    @Override
    public String filterName() {
        return NAME;
    }
}

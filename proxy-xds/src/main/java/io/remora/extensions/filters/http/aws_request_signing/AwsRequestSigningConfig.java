package io.remora.extensions.filters.http.aws_request_signing;

import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.common.aws.SigV4Signer;

/**
 * {@code envoy.filters.http.aws_request_signing}: the filter's {@code AwsRequestSigning}, or a
 * route's {@code AwsRequestSigningPerRoute} (which replaces it whole).
 *
 * @param hostRewrite        the {@code :authority} to send and sign, or empty to keep the request's
 * @param useUnsignedPayload sign the headers only, without buffering the body
 * @param routeStatPrefix    a route's {@code stat_prefix} (its counters are
 *                           {@code <stat_prefix>aws_request_signing.*}), null for the filter's own
 */
record AwsRequestSigningConfig(SigV4Signer signer, String hostRewrite, boolean useUnsignedPayload,
                               String routeStatPrefix) implements HttpFilterConfig, RouteFilterConfig {

    static final String NAME = "envoy.filters.http.aws_request_signing";

    @Override
    public String filterName() {
        return NAME;
    }
}

package io.remora.extensions.filters.http.aws_request_signing;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.common.aws.PayloadHash;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Signs each request with SigV4 as Envoy's filter: at once when it has no body or the payload is
 * unsigned, else after the whole body has been buffered and hashed. A request that cannot be
 * signed goes on unsigned, counted as {@code signing_failed}.
 */
final class AwsRequestSigningFilter implements StreamDecoderFilter {

    private static final Logger LOG = Logger.getLogger(AwsRequestSigningFilter.class.getName());

    private final AwsRequestSigningConfig filterConfig;
    private final AwsRequestSigningStats stats;
    private DecoderFilterCallbacks cb;
    private AwsRequestSigningConfig config;
    /** Held until the body's hash is known; null once signed or when the body is not signed. */
    private Http2Headers pending;

    AwsRequestSigningFilter(AwsRequestSigningConfig config, AwsRequestSigningStats stats) {
        this.filterConfig = config;
        this.stats = stats;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        config = cb.perFilterConfig() instanceof AwsRequestSigningConfig route ? route : filterConfig;
        if (!config.hostRewrite().isEmpty()) {
            headers.authority(config.hostRewrite());
        }
        if (!config.useUnsignedPayload() && !endStream) {
            pending = headers;
            return FilterStatus.STOP_ITERATION;
        }
        Counter[] c = stats.of(cb, config);
        try {
            if (config.useUnsignedPayload()) {
                config.signer().signUnsignedPayload(headers, System.currentTimeMillis());
            } else {
                config.signer().signEmptyPayload(headers, System.currentTimeMillis());
            }
            c[AwsRequestSigningStats.SIGNING_ADDED].increment();
        } catch (IllegalArgumentException e) {
            LOG.log(Level.FINE, "signing failed: {0}", e.getMessage());
            c[AwsRequestSigningStats.SIGNING_FAILED].increment();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (pending == null) {
            return FilterStatus.CONTINUE;
        }
        if (!endStream) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        signPayload(data);
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (pending != null) {
            signPayload(null); // the body ended before the trailers: it is all buffered
        }
        return FilterStatus.CONTINUE;
    }

    private void signPayload(ByteBuf last) {
        Http2Headers headers = pending;
        pending = null;
        Counter[] c = stats.of(cb, config);
        try {
            config.signer().sign(headers, PayloadHash.of(cb.decodingBuffer(), last), System.currentTimeMillis());
            c[AwsRequestSigningStats.SIGNING_ADDED].increment();
            c[AwsRequestSigningStats.PAYLOAD_SIGNING_ADDED].increment();
        } catch (IllegalArgumentException e) {
            LOG.log(Level.FINE, "payload signing failed: {0}", e.getMessage());
            c[AwsRequestSigningStats.SIGNING_FAILED].increment();
            c[AwsRequestSigningStats.PAYLOAD_SIGNING_FAILED].increment();
        }
    }
}

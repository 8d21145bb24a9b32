package io.remora.extensions.filters.http.aws_request_signing;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.common.aws.CredentialsWait;
import io.remora.extensions.common.aws.PayloadHash;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Signs each request with SigV4 as Envoy's filter: at once when it has no body or the payload is
 * unsigned, else after the whole body has been buffered and hashed. While the credentials are being
 * fetched the request waits (its body buffered) and is signed when the fetch ends; with no
 * credentials after it, it goes on unsigned. A request that cannot be signed goes on unsigned,
 * counted as {@code signing_failed}.
 */
final class AwsRequestSigningFilter implements StreamDecoderFilter {

    private static final Logger LOG = Logger.getLogger(AwsRequestSigningFilter.class.getName());

    private final AwsRequestSigningConfig filterConfig;
    private final AwsRequestSigningStats stats;
    private DecoderFilterCallbacks cb;
    private AwsRequestSigningConfig config;
    /** Held until the body's hash is known; null once signed or when the body is not signed. */
    private Http2Headers pending;
    /** Set while the request waits for credentials being fetched. */
    private CredentialsWait wait;

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
        if (cb.perFilterConfig() instanceof AwsRequestSigningConfig route) {
            config = route;
            route.signer().credentials().start(stats.registry()); // a route's providers start with its first request
        } else {
            config = filterConfig;
        }
        if (!config.hostRewrite().isEmpty()) {
            headers.authority(config.hostRewrite());
        }
        if (!config.useUnsignedPayload() && !endStream) {
            pending = headers;
            return FilterStatus.STOP_ITERATION;
        }
        if (fetching() && waitFor(() -> signHeaders(headers))) {
            return FilterStatus.STOP_ITERATION;
        }
        signHeaders(headers);
        return FilterStatus.CONTINUE;
    }

    private void signHeaders(Http2Headers headers) {
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
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (CredentialsWait.holding(wait)) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        if (pending == null) {
            return FilterStatus.CONTINUE;
        }
        if (!endStream) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        // Waiting, this last piece joins the buffer: the whole body is hashed from there.
        if (fetching() && waitFor(() -> signPayload(null))) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        signPayload(data);
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (CredentialsWait.holding(wait)) {
            return FilterStatus.STOP_ITERATION;
        }
        if (pending != null) {
            // The body ended before the trailers: it is all buffered.
            if (fetching() && waitFor(() -> signPayload(null))) {
                return FilterStatus.STOP_ITERATION;
            }
            signPayload(null);
        }
        return FilterStatus.CONTINUE;
    }

    /** Asked before a wait's callback is made, so that fixed credentials cost nothing per request. */
    private boolean fetching() {
        return config.signer().credentials().pending();
    }

    /** Holds the request until the fetch ends, then runs {@code then} and lets it go on. */
    private boolean waitFor(Runnable then) {
        wait = CredentialsWait.ifPending(config.signer(), cb, wait, then);
        return wait != null;
    }

    @Override
    public void onDestroy() {
        CredentialsWait.destroy(wait);
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

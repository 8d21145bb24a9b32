package io.remora.extensions.filters.http.aws_lambda;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.extensions.common.aws.CredentialsWait;
import io.remora.extensions.common.aws.PayloadHash;
import io.remora.extensions.common.aws.SigV4Signer;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns a request into a Lambda invocation as Envoy's filter: {@code POST
 * /2015-03-31/functions/<function>/invocations} with {@code x-amz-invocation-type}, the body as it
 * is or wrapped in a JSON document (the whole request buffered first), signed with SigV4; a
 * synchronous function's 2xx answer without {@code x-amz-function-error} is unwrapped into the
 * status, headers, cookies and body it describes (500 when it is not such a document). While the
 * credentials are being fetched the invocation waits and is signed when the fetch ends.
 */
final class AwsLambdaFilter implements StreamFilter {

    private static final Logger LOG = Logger.getLogger(AwsLambdaFilter.class.getName());
    private static final AsciiString INVOCATION_TYPE = AsciiString.cached("x-amz-invocation-type");
    private static final AsciiString FUNCTION_ERROR = AsciiString.cached("x-amz-function-error");
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString SET_COOKIE = AsciiString.cached("set-cookie");
    private static final AsciiString JSON = AsciiString.cached("application/json");
    private static final AsciiString POST = AsciiString.cached("POST");

    private final AwsLambdaConfig filterConfig;
    private final AwsLambdaStats stats;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private AwsLambdaConfig config;
    /** Request headers held until the whole body is in. */
    private Http2Headers pendingRequest;
    /** Response headers held until the whole response document is in. */
    private Http2Headers pendingResponse;
    /** Set while the request waits for credentials being fetched. */
    private CredentialsWait wait;

    AwsLambdaFilter(AwsLambdaConfig config, AwsLambdaStats stats) {
        this.filterConfig = config;
        this.stats = stats;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        if (decoder.perFilterConfig() instanceof AwsLambdaConfig route) {
            config = route;
            route.signer().credentials().start(stats.registry()); // a route's providers start with its first request
        } else {
            config = filterConfig;
        }
        if (!endStream) {
            pendingRequest = headers;
            return FilterStatus.STOP_ITERATION;
        }
        if (fetching() && waitFor(() -> headersOnly(headers))) {
            return FilterStatus.STOP_ITERATION;
        }
        headersOnly(headers);
        return FilterStatus.CONTINUE;
    }

    /** Asked before a wait's callback is made, so that fixed credentials cost nothing per request. */
    private boolean fetching() {
        return config.signer().credentials().pending();
    }

    /** Holds the request until the fetch ends, then runs {@code then} and lets it go on. */
    private boolean waitFor(Runnable then) {
        wait = CredentialsWait.ifPending(config.signer(), decoder, wait, then);
        return wait != null;
    }

    @Override
    public void onDestroy() {
        CredentialsWait.destroy(wait);
    }

    /** A request without a body becomes the invocation. */
    private void headersOnly(Http2Headers headers) {
        if (config.payloadPassthrough()) {
            invocation(headers);
            sign(headers, null, 0);
            return;
        }
        byte[] json = LambdaJson.request(headers, null);
        // The document describes the request as it came: the invocation's headers are set after it.
        invocation(headers);
        asJson(headers, json.length);
        sign(headers, SigV4Signer.sha256Hex(json), json.length);
        decoder.addDecodedData(Unpooled.wrappedBuffer(json));
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (CredentialsWait.holding(wait)) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        if (pendingRequest == null) {
            return FilterStatus.CONTINUE;
        }
        if (!endStream) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        // Waiting, this last piece joins the buffer, where the whole body is then read from.
        if (fetching() && waitFor(() -> finishRequest(null))) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        finishRequest(data);
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (CredentialsWait.holding(wait)) {
            return FilterStatus.STOP_ITERATION;
        }
        if (pendingRequest != null) {
            if (fetching() && waitFor(() -> finishRequest(null))) {
                return FilterStatus.STOP_ITERATION;
            }
            finishRequest(null);
        }
        return FilterStatus.CONTINUE;
    }

    /** The whole body is in: what the manager buffered, then {@code last} (null at trailers). */
    private void finishRequest(ByteBuf last) {
        Http2Headers headers = pendingRequest;
        pendingRequest = null;
        ByteBuf held = decoder.decodingBuffer();
        if (config.payloadPassthrough()) {
            invocation(headers);
            sign(headers, PayloadHash.of(held, last), readable(held) + readable(last));
            return;
        }
        byte[] json = LambdaJson.request(headers, drain(held, last));
        invocation(headers);
        asJson(headers, json.length);
        sign(headers, SigV4Signer.sha256Hex(json), json.length);
        // Held body and last chunk are emptied: the document takes their place, ahead of what follows.
        decoder.injectDecodedDataToFilterChain(Unpooled.wrappedBuffer(json), false);
    }

    private void invocation(Http2Headers headers) {
        headers.method(POST);
        headers.path("/2015-03-31/functions/" + config.arn().functionName() + "/invocations");
        headers.set(INVOCATION_TYPE, config.asynchronous() ? "Event" : "RequestResponse");
        if (!config.hostRewrite().isEmpty()) {
            headers.authority(config.hostRewrite());
        }
    }

    private static void asJson(Http2Headers headers, int length) {
        headers.setInt(CONTENT_LENGTH, length);
        headers.set(CONTENT_TYPE, JSON);
    }

    /** @param hash the body's hex SHA-256, null for no body */
    private void sign(Http2Headers headers, String hash, long payloadBytes) {
        long now = System.currentTimeMillis();
        try {
            if (hash == null) {
                config.signer().signEmptyPayload(headers, now);
            } else {
                config.signer().sign(headers, hash, now);
            }
        } catch (IllegalArgumentException e) {
            LOG.log(Level.FINE, "signing the Lambda invocation failed: {0}", e.getMessage());
        }
        stats.of(decoder).payloadSize().record(payloadBytes);
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (config == null || endStream || config.payloadPassthrough() || config.asynchronous()) {
            return FilterStatus.CONTINUE;
        }
        // A Lambda error (an HTTP error or a function error) goes back as it is.
        CharSequence status = headers.status();
        if (status == null || status.length() != 3 || status.charAt(0) >= '3' || headers.contains(FUNCTION_ERROR)) {
            return FilterStatus.CONTINUE;
        }
        pendingResponse = headers;
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (pendingResponse == null) {
            return FilterStatus.CONTINUE;
        }
        if (!endStream) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        finishResponse(data);
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (pendingResponse != null) {
            finishResponse(null);
        }
        return FilterStatus.CONTINUE;
    }

    private void finishResponse(ByteBuf last) {
        Http2Headers headers = pendingResponse;
        pendingResponse = null;
        LambdaJson.Response r = LambdaJson.response(drain(encoder.encodingBuffer(), last));
        byte[] body;
        if (r == null) {
            headers.status("500");
            stats.of(decoder).serverError().increment();
            body = new byte[0];
        } else {
            for (Map.Entry<String, String> e : r.headers().entrySet()) {
                if (e.getKey().isEmpty() || e.getKey().charAt(0) == ':') {
                    continue;
                }
                try {
                    headers.set(new AsciiString(e.getKey().toLowerCase(Locale.ROOT)), e.getValue());
                } catch (IllegalArgumentException invalid) {
                    LOG.log(Level.FINE, "Lambda response header {0} dropped: {1}",
                            new Object[]{e.getKey(), invalid.getMessage()});
                }
            }
            for (String cookie : r.cookies()) {
                headers.add(SET_COOKIE, cookie);
            }
            if (r.statusCode() != 0) {
                headers.status(Integer.toString(r.statusCode()));
            }
            headers.set(CONTENT_TYPE, JSON);
            body = r.body();
        }
        headers.setInt(CONTENT_LENGTH, body.length);
        encoder.injectEncodedDataToFilterChain(Unpooled.wrappedBuffer(body), false);
    }

    private static int readable(ByteBuf b) {
        return b == null ? 0 : b.readableBytes();
    }

    /** The bytes of {@code first} then {@code second} (either may be null), both left empty. */
    private static byte[] drain(ByteBuf first, ByteBuf second) {
        byte[] out = new byte[readable(first) + readable(second)];
        int n = readable(first);
        if (first != null) {
            first.readBytes(out, 0, n);
        }
        if (second != null) {
            second.readBytes(out, n, out.length - n);
        }
        return out;
    }
}

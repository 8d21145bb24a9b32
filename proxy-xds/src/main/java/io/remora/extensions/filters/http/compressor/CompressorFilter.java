package io.remora.extensions.filters.http.compressor;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.compression.Compressor;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.network.FilterState;

import java.util.List;
import java.util.Locale;

/**
 * Envoy's compressor filter for one stream: compresses the response body (and, when configured,
 * the request body) as it streams, one flushed chunk per data frame, never holding the body.
 * Whether a response is compressed follows Envoy: enabled for the route, long enough
 * (content-length), a listed content type, no {@code Cache-Control: no-transform}, no
 * Content-Encoding yet, ETag allowed, a body to compress, and this filter's coding chosen from
 * Accept-Encoding among the stream's compressors. A compressed response loses Content-Length and
 * strong ETags and gets Content-Encoding; a compressible one gets {@code Vary: Accept-Encoding}.
 */
final class CompressorFilter implements StreamFilter {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http");
    private static final String[] KNOWN_CODINGS = {"gzip", "br", "deflate", "compress", "zstd"};

    private final CompressorFilterFactory factory;
    private final CompressorConfig config;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private CompressorStats stats;
    private String acceptEncoding;
    private boolean headRequest;
    private Compressor requestCompressor;
    private Compressor responseCompressor;

    CompressorFilter(CompressorFilterFactory factory) {
        this.factory = factory;
        this.config = factory.config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
        // Every compressor of the stream registers before any response, so the first one to see the
        // response can choose among all of them.
        FilterState state = callbacks.filterState();
        CompressorChain chain = state.get(CompressorChain.FILTER_STATE_KEY, CompressorChain.class);
        if (chain == null) {
            chain = new CompressorChain();
            state.set(CompressorChain.FILTER_STATE_KEY, chain, FilterState.Mutability.MUTABLE);
        }
        chain.configs.add(config);
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    private CompressorStats stats() {
        if (stats == null) {
            stats = factory.stats(decoder);
        }
        return stats;
    }

    // ------------------------------------------------------------------ request

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        List<CharSequence> ae = headers.getAll("accept-encoding");
        if (!ae.isEmpty()) {
            acceptEncoding = ae.size() == 1 ? ae.get(0).toString() : String.join(",", ae);
        }
        CharSequence method = headers.method();
        headRequest = method != null && "HEAD".contentEquals(method);
        CompressorPerRouteConfig perRoute = perRoute(decoder.perFilterConfig());
        if (responseEnabled(perRoute) && removeAcceptEncoding(perRoute)) {
            headers.remove("accept-encoding");
        }
        CompressorDirection req = config.request();
        CompressorStats s = stats();
        if (!endStream && req.enabled(decoder.serverContext().runtime()) && !isUpgrade(headers)
                && minimumLength(req, headers, s.request) && req.contentTypeAllowed(headers.get("content-type"))
                && !headers.contains("content-encoding")
                && transferEncodingAllowed(headers)) {
            headers.remove("content-length");
            headers.set("content-encoding", config.codec().contentEncoding());
            s.request.compressed.increment();
            requestCompressor = config.codec().newCompressor(allocator());
        } else {
            s.request.notCompressed.increment();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (requestCompressor == null) {
            return FilterStatus.CONTINUE;
        }
        ByteBuf out = compress(requestCompressor, stats().request, data, endStream);
        if (out != null) {
            decoder.injectDecodedDataToFilterChain(out, endStream);
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (requestCompressor != null) {
            // Trailers end the body, but no data call said so: finish the compressed stream first.
            ByteBuf out = compress(requestCompressor, stats().request, Unpooled.EMPTY_BUFFER, true);
            if (out != null) { // null: the codec failed and the stream is being reset
                decoder.injectDecodedDataToFilterChain(out, false);
            }
        }
        return FilterStatus.CONTINUE;
    }

    // ------------------------------------------------------------------ response

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        CompressorDirection resp = config.response();
        CompressorStats s = stats();
        CompressorPerRouteConfig perRoute = perRoute(encoder.perFilterConfig());
        boolean enabledAndLongEnough = responseEnabled(perRoute) && minimumLength(resp, headers, s.response);
        boolean compressible = enabledAndLongEnough && !isUpgrade(headers)
                && resp.contentTypeAllowed(headers.get("content-type")) && !noTransform(headers)
                && etagAllowed(headers, s) && !headers.contains("content-encoding")
                && responseCodeCompressible(headers);
        // HEAD, 204 and 304 carry no body whatever their headers say.
        boolean noBody = endStream || headRequest || isStatus(headers, "204") || isStatus(headers, "304");
        if (!noBody && acceptEncodingAllowed(enabledAndLongEnough, headers, s) && compressible
                && transferEncodingAllowed(headers)) {
            sanitizeEtag(headers);
            headers.remove("content-length");
            headers.set("content-encoding", config.codec().contentEncoding());
            s.response.compressed.increment();
            responseCompressor = config.codec().newCompressor(allocator());
        } else {
            s.response.notCompressed.increment();
        }
        if (compressible) {
            // Also when this request's Accept-Encoding did not allow it: a cache must keep variants apart.
            insertVary(headers);
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (responseCompressor == null) {
            return FilterStatus.CONTINUE;
        }
        ByteBuf out = compress(responseCompressor, stats().response, data, endStream);
        if (out != null) {
            encoder.injectEncodedDataToFilterChain(out, endStream);
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (responseCompressor != null) {
            ByteBuf out = compress(responseCompressor, stats().response, Unpooled.EMPTY_BUFFER, true);
            if (out != null) {
                encoder.injectEncodedDataToFilterChain(out, false);
            }
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public void onDestroy() {
        if (requestCompressor != null) {
            requestCompressor.close();
            requestCompressor = null;
        }
        if (responseCompressor != null) {
            responseCompressor.close();
            responseCompressor = null;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Netty's pooled allocator, as the connection's own buffers use. */
    private static ByteBufAllocator allocator() {
        return ByteBufAllocator.DEFAULT;
    }

    /**
     * Compresses and releases {@code data}; null when there is nothing to pass on (an empty
     * chunk that does not end the stream must not reach an HTTP/1.1 chunked encoder).
     */
    private ByteBuf compress(Compressor c, CompressorStats.Direction s, ByteBuf data, boolean end) {
        ByteBuf out;
        try {
            s.totalUncompressedBytes.increment(data.readableBytes());
            out = c.compress(data, end);
        } catch (RuntimeException e) {
            // A codec failure (native library) costs this stream only.
            LOG.log(java.util.logging.Level.WARNING, "compression failed, resetting the stream", e);
            decoder.resetStream();
            return null;
        } finally {
            data.release();
        }
        s.totalCompressedBytes.increment(out.readableBytes());
        if (!out.isReadable() && !end) {
            out.release();
            return null;
        }
        return out;
    }

    private static CompressorPerRouteConfig perRoute(Object c) {
        return c instanceof CompressorPerRouteConfig p ? p : null;
    }

    private boolean responseEnabled(CompressorPerRouteConfig perRoute) {
        return perRoute != null && perRoute.responseEnabled() != null ? perRoute.responseEnabled()
                : config.response().enabled(decoder.serverContext().runtime());
    }

    private boolean removeAcceptEncoding(CompressorPerRouteConfig perRoute) {
        return perRoute != null && perRoute.removeAcceptEncodingHeader() != null
                ? perRoute.removeAcceptEncodingHeader() : config.removeAcceptEncodingHeader();
    }

    private static boolean minimumLength(CompressorDirection d, Http2Headers headers, CompressorStats.Direction s) {
        CharSequence cl = headers.get("content-length");
        if (cl == null) {
            return true;
        }
        long length;
        try {
            length = Long.parseLong(cl.toString().trim());
        } catch (NumberFormatException e) {
            length = -1;
        }
        if (length < d.minContentLength()) {
            s.contentLengthTooSmall.increment();
            return false;
        }
        return true;
    }

    private static boolean isUpgrade(Http2Headers headers) {
        CharSequence connection = headers.get("connection");
        return headers.contains("upgrade") && connection != null
                && hasToken(connection.toString(), "upgrade");
    }

    private static boolean isStatus(Http2Headers headers, String status) {
        CharSequence s = headers.status();
        return s != null && status.contentEquals(s);
    }

    /** {@code uncompressible_response_codes}; like Envoy, such a response gets no Vary either. */
    private boolean responseCodeCompressible(Http2Headers headers) {
        if (config.uncompressibleResponseCodes().isEmpty()) {
            return true;
        }
        CharSequence s = headers.status();
        if (s == null || s.length() != 3) {
            return true;
        }
        int code = 0;
        for (int i = 0; i < 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return true;
            }
            code = code * 10 + (c - '0');
        }
        return !config.uncompressibleResponseCodes().contains(code);
    }

    private static boolean noTransform(Http2Headers headers) {
        for (CharSequence v : headers.getAll("cache-control")) {
            if (hasToken(v.toString(), "no-transform")) {
                return true;
            }
        }
        return false;
    }

    private boolean etagAllowed(Http2Headers headers, CompressorStats s) {
        if (config.disableOnEtagHeader() && headers.contains("etag")) {
            s.notCompressedEtag.increment();
            return false;
        }
        return true;
    }

    /** A message already transfer-coded with a known compression is left alone (as Envoy). */
    private boolean transferEncodingAllowed(Http2Headers headers) {
        for (CharSequence v : headers.getAll("transfer-encoding")) {
            for (String token : v.toString().split(",")) {
                String t = token.trim();
                for (String known : KNOWN_CODINGS) {
                    if (t.equalsIgnoreCase(known)) {
                        return false;
                    }
                }
                if (t.equalsIgnoreCase(config.codec().contentEncoding())) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean acceptEncodingAllowed(boolean maybeCompress, Http2Headers headers, CompressorStats s) {
        if (!maybeCompress) {
            return false;
        }
        if (acceptEncoding == null) {
            s.noAcceptHeader.increment();
            return false;
        }
        FilterState state = decoder.filterState();
        EncodingDecision decision = state.get(EncodingDecision.FILTER_STATE_KEY, EncodingDecision.class);
        if (decision == null) {
            CompressorChain chain = state.get(CompressorChain.FILTER_STATE_KEY, CompressorChain.class);
            decision = EncodingDecision.choose(acceptEncoding, headers.get("content-type"),
                    chain == null ? List.of(config) : chain.configs);
            state.set(EncodingDecision.FILTER_STATE_KEY, decision, FilterState.Mutability.READ_ONLY);
        }
        boolean mine = decision.encoding().equalsIgnoreCase(config.codec().contentEncoding());
        switch (decision.stat()) {
            case VALID_COMPRESSOR -> (mine ? s.headerCompressorUsed : s.headerCompressorOvershadowed).increment();
            case IDENTITY -> s.headerIdentity.increment();
            case WILDCARD -> s.headerWildcard.increment();
            default -> s.headerNotValid.increment();
        }
        return mine;
    }

    /** Envoy keeps weak ETags and drops strong ones: the compressed bytes are not the same entity. */
    /** A strong ETag goes: anything not starting W/ (Envoy 1.38 dropped its length > 2 condition). */
    private static void sanitizeEtag(Http2Headers headers) {
        CharSequence etag = headers.get("etag");
        if (etag != null && !(etag.length() >= 2 && (etag.charAt(0) == 'W' || etag.charAt(0) == 'w')
                && etag.charAt(1) == '/')) {
            headers.remove("etag");
        }
    }

    private static void insertVary(Http2Headers headers) {
        CharSequence vary = headers.get("vary");
        if (vary == null) {
            headers.set("vary", "Accept-Encoding");
        } else if (!hasExactToken(vary.toString(), "Accept-Encoding")) {
            headers.set("vary", vary + ", Accept-Encoding");
        }
    }

    /**
     * Envoy's StringUtil::findToken, case-sensitive as insertVaryHeader uses it: a {@code Vary} that
     * names the header in another case still gets {@code Accept-Encoding} appended.
     */
    private static boolean hasExactToken(String value, String token) {
        for (String t : value.split(",")) {
            if (t.trim().equals(token)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasToken(String value, String token) {
        for (String t : value.split(",")) {
            if (t.trim().toLowerCase(Locale.ROOT).equals(token)) {
                return true;
            }
        }
        return false;
    }
}

package io.remora.extensions.filters.http.decompressor;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.compression.DecompressionException;
import io.remora.extensions.compression.Decompressor;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;

import java.util.Locale;

/**
 * Envoy's decompressor filter for one stream: a request or response whose outermost (first listed)
 * Content-Encoding is this library's is decompressed as it streams; the coding is removed from
 * Content-Encoding and Content-Length is dropped. On the request it also advertises the coding in
 * Accept-Encoding when responses are decompressed. Corrupt data, or data inflating beyond the
 * library's bound, ends the stream: the request with 400, a response by a reset.
 */
final class DecompressorFilter implements StreamFilter {

    private static final java.util.logging.Logger LOG = io.remora.log.Logging.logger("http");

    private final DecompressorFilterFactory factory;
    private final DecompressorConfig config;
    private DecoderFilterCallbacks decoder;
    private EncoderFilterCallbacks encoder;
    private DecompressorStats stats;
    private Decompressor requestDecompressor;
    private Decompressor responseDecompressor;
    private boolean failed;

    DecompressorFilter(DecompressorFilterFactory factory) {
        this.factory = factory;
        this.config = factory.config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.encoder = callbacks;
    }

    private DecompressorStats stats() {
        if (stats == null) {
            stats = factory.stats(decoder.connectionManagerStats().prefix());
        }
        return stats;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        if (endStream) {
            return FilterStatus.CONTINUE;
        }
        io.remora.runtime.Runtime runtime = decoder.serverContext().runtime();
        if (responseEnabled(runtime) && config.advertiseAcceptEncoding()) {
            CharSequence ae = headers.get("accept-encoding");
            String coding = config.codec().contentEncoding();
            headers.set("accept-encoding", ae == null || ae.length() == 0 ? coding : ae + "," + coding);
        }
        boolean requestEnabled = config.requestEnabledKey().isEmpty() ? config.requestEnabled()
                : runtime.getBoolean(config.requestEnabledKey(), config.requestEnabled());
        if (shouldDecompress(requestEnabled, config.requestIgnoreNoTransform(), headers)) {
            stats().request.decompressed.increment();
            requestDecompressor = config.codec().newDecompressor(ByteBufAllocator.DEFAULT);
            headers.remove("content-length");
            removeOutermostCoding(headers);
        } else {
            stats().request.notDecompressed.increment();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (requestDecompressor == null) {
            return FilterStatus.CONTINUE;
        }
        if (failed) {
            data.release();
            return FilterStatus.STOP_ITERATION;
        }
        ByteBuf out = decompress(requestDecompressor, stats().request, data);
        if (out == null) {
            decoder.sendLocalReply(400, "Bad Request", null, "decompression_failed");
            return FilterStatus.STOP_ITERATION;
        }
        if (out.isReadable() || endStream) {
            decoder.injectDecodedDataToFilterChain(out, endStream);
        } else {
            out.release();
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (endStream) {
            return FilterStatus.CONTINUE;
        }
        if (shouldDecompress(responseEnabled(decoder.serverContext().runtime()), config.responseIgnoreNoTransform(),
                headers)) {
            stats().response.decompressed.increment();
            responseDecompressor = config.codec().newDecompressor(ByteBufAllocator.DEFAULT);
            headers.remove("content-length");
            removeOutermostCoding(headers);
        } else {
            stats().response.notDecompressed.increment();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (responseDecompressor == null) {
            return FilterStatus.CONTINUE;
        }
        if (failed) {
            data.release();
            return FilterStatus.STOP_ITERATION;
        }
        ByteBuf out = decompress(responseDecompressor, stats().response, data);
        if (out == null) {
            encoder.resetStream();
            return FilterStatus.STOP_ITERATION;
        }
        if (out.isReadable() || endStream) {
            encoder.injectEncodedDataToFilterChain(out, endStream);
        } else {
            out.release();
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public void onDestroy() {
        if (requestDecompressor != null) {
            requestDecompressor.close();
            requestDecompressor = null;
        }
        if (responseDecompressor != null) {
            responseDecompressor.close();
            responseDecompressor = null;
        }
    }

    /** Decompresses and releases {@code data}; null (counted, logged) when the data is bad. */
    private ByteBuf decompress(Decompressor d, DecompressorStats.Direction s, ByteBuf data) {
        try {
            int in = data.readableBytes();
            ByteBuf out = d.decompress(data);
            s.totalCompressedBytes.increment(in);
            s.totalUncompressedBytes.increment(out.readableBytes());
            return out;
        } catch (DecompressionException e) {
            failed = true;
            stats().libraryError.increment();
            LOG.log(java.util.logging.Level.FINE, "decompression failed: {0}", e.getMessage());
            return null;
        } finally {
            data.release();
        }
    }

    /** Envoy's RuntimeFeatureFlag: the runtime's value for the key, else the default. */
    private boolean responseEnabled(io.remora.runtime.Runtime runtime) {
        return config.responseEnabledKey().isEmpty() ? config.responseEnabled()
                : runtime.getBoolean(config.responseEnabledKey(), config.responseEnabled());
    }

    private boolean shouldDecompress(boolean enabled, boolean ignoreNoTransform, Http2Headers headers) {
        return enabled && (ignoreNoTransform || !noTransform(headers)) && outermostCodingMatches(headers);
    }

    private static boolean noTransform(Http2Headers headers) {
        for (CharSequence v : headers.getAll("cache-control")) {
            for (String t : v.toString().split(",")) {
                if (t.trim().equalsIgnoreCase("no-transform")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Envoy compares the configured coding with the first value of Content-Encoding. */
    private boolean outermostCodingMatches(Http2Headers headers) {
        CharSequence ce = headers.get("content-encoding");
        if (ce == null) {
            return false;
        }
        String v = ce.toString();
        int comma = v.indexOf(',');
        String first = (comma >= 0 ? v.substring(0, comma) : v).trim();
        return first.toLowerCase(Locale.ROOT).equals(config.codec().contentEncoding());
    }

    private static void removeOutermostCoding(Http2Headers headers) {
        String all = headers.get("content-encoding").toString().trim();
        int comma = all.indexOf(',');
        if (comma >= 0) {
            headers.set("content-encoding", all.substring(comma + 1).trim());
        } else {
            headers.remove("content-encoding");
        }
    }
}

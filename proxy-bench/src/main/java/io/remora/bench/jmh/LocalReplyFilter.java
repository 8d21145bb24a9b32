package io.remora.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.HeaderBlock;
import io.remora.config.HttpFilterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.server.ServerContext;

import java.nio.charset.StandardCharsets;

/**
 * A terminal HTTP filter that answers every request with a fixed 200 and body, standing where
 * the router stands, so the connection manager can be measured without an upstream.
 */
final class LocalReplyFilter implements StreamDecoderFilter {
    static final ByteBuf BODY = Unpooled.unreleasableBuffer(Unpooled.directBuffer(24)
            .writeBytes("hello from the upstream\n".getBytes(StandardCharsets.US_ASCII)));

    /** Its config: no fields. */
    record Config() implements HttpFilterConfig {
        @Override
        public String filterName() {
            return "bench.local_reply";
        }
    }

    /** Registers the filter with the connection manager factory. */
    static final class Provider implements HttpFilterFactory.Provider<Config> {
        @Override
        public Class<Config> configType() {
            return Config.class;
        }

        @Override
        public HttpFilterFactory create(Config config, ServerContext context) {
            return LocalReplyFilter::new;
        }
    }

    private DecoderFilterCallbacks callbacks;

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        if (endStream) {
            respond();
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        data.release();
        if (endStream) {
            respond();
        }
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        respond();
        return FilterStatus.STOP_ITERATION;
    }

    private void respond() {
        Http2Headers h = new HeaderBlock(4);
        h.status("200");
        h.set("content-type", "text/plain");
        h.setInt("content-length", BODY.readableBytes());
        callbacks.encodeHeaders(h, false);
        callbacks.encodeData(BODY.duplicate(), true);
    }

    @Override
    public void onDestroy() {
    }
}

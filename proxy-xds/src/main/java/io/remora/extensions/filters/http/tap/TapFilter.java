package io.remora.extensions.filters.http.tap;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.extensions.filters.common.tap.TapExtensionConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.network.ConnectionInfo;

/**
 * {@code envoy.filters.http.tap} for one stream: never changes it, only watches. A stream starts
 * being tapped when a tap config is in force as it begins (static, or a {@code /tap} session's),
 * stops as soon as it can no longer match, and yields its trace when it ends (rq_tapped).
 */
final class TapFilter implements StreamFilter {

    private final TapFilterFactory factory;
    private DecoderFilterCallbacks decoder;
    private HttpTapper tapper;

    TapFilter(TapFilterFactory factory) {
        this.factory = factory;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.decoder = callbacks;
        TapExtensionConfig.Active active = factory.extension.active();
        if (active != null) {
            // The trace id is the stream's id, as Envoy's.
            tapper = new HttpTapper(active, factory.config.recordHeadersReceivedTime(), callbacks.streamInfo().streamId());
        }
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        if (tapper != null) {
            tapper.requestHeaders(headers);
            dropIfNoMatch();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (tapper != null) {
            tapper.requestBody(data);
            dropIfNoMatch();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (tapper != null) {
            tapper.requestTrailers(trailers);
            dropIfNoMatch();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        if (tapper != null) {
            tapper.responseHeaders(headers);
            dropIfNoMatch();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        if (tapper != null) {
            tapper.responseBody(data);
            dropIfNoMatch();
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        if (tapper != null) {
            tapper.responseTrailers(trailers);
            dropIfNoMatch();
        }
        return FilterStatus.CONTINUE;
    }

    /** Nothing more is kept of a stream that cannot match any more. */
    private void dropIfNoMatch() {
        if (!tapper.mayMatch()) {
            tapper = null;
        }
    }

    @Override
    public void onDestroy() {
        HttpTapper t = tapper;
        tapper = null;
        if (t == null) {
            return;
        }
        ConnectionInfo c = factory.config.recordDownstreamConnection() ? decoder.connection() : null;
        if (t.finish(c == null ? null : c.localAddress(), c == null ? null : c.remoteAddress())) {
            factory.stats.rqTapped.increment();
        }
    }
}

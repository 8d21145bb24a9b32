package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.WatermarkCallbacks;
import io.remora.stats.HttpConnManagerStats;

/**
 * An upstream decoder filter's callbacks: resuming continues towards the codec; a response it
 * encodes itself goes through the upstream encoders to the router as the try's response (Envoy).
 */
final class UpstreamDecoderSlot extends UpstreamFilterSlot implements DecoderChainCallbacks {

    final StreamDecoderFilter filter;

    UpstreamDecoderSlot(UpstreamFilterManager manager, int index, String name, StreamDecoderFilter filter) {
        super(manager, index, name);
        this.filter = filter;
    }

    @Override
    public FilterIteration decodeChain() {
        return manager;
    }

    @Override
    public int chainIndex() {
        return index;
    }

    @Override
    public void setDecoderBufferLimit(int limit) {
        manager.decoderBufferLimit(limit);
    }

    @Override
    public int bufferLimit() {
        return manager.bufferLimit();
    }

    @Override
    public void encodeHeaders(Http2Headers headers, boolean endStream) {
        manager.encodeHeaders(headers, endStream);
    }

    @Override
    public void encodeData(ByteBuf data, boolean endStream) {
        manager.encodeData(data, endStream);
    }

    @Override
    public void encodeTrailers(Http2Headers trailers) {
        manager.encodeTrailers(trailers);
    }

    @Override
    public void pauseDecoding() {
        downstream().pauseDecoding();
    }

    @Override
    public void resumeDecoding() {
        downstream().resumeDecoding();
    }

    /** The router holds the downstream's watermark callbacks; an upstream filter has none of its own. */
    @Override
    public void setDownstreamWatermarkCallbacks(WatermarkCallbacks callbacks) {
    }

    @Override
    public HttpConnManagerStats connectionManagerStats() {
        return downstream().connectionManagerStats();
    }

    @Override
    public String upstreamStatPrefix() {
        return manager.statPrefix;
    }
}

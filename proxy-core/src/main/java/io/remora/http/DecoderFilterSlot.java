package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.WatermarkCallbacks;
import io.remora.stats.HttpConnManagerStats;

/** A decoder filter's callbacks: resuming continues the request path after this filter. */
final class DecoderFilterSlot extends FilterSlot implements DecoderChainCallbacks {

    final StreamDecoderFilter filter;

    DecoderFilterSlot(ActiveStream stream, FilterManager manager, int index, String name, StreamDecoderFilter filter) {
        super(stream, manager, index, name);
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
    public void onRouteRefreshed(Runnable listener) {
        Runnable before = stream.routeRefreshed;
        stream.routeRefreshed = before == null ? listener : () -> {
            before.run();
            listener.run();
        };
    }

    @Override
    public int maxRequestHeadersCount() {
        return stream.hcm.maxRequestHeadersCount;
    }

    @Override
    public int maxRequestHeadersBytes() {
        return stream.hcm.maxRequestHeadersBytes;
    }

    @Override
    public void encodeHeaders(Http2Headers headers, boolean endStream) {
        manager.encodeHeaders(headers, endStream);
    }

    @Override
    public void encode1xxHeaders(Http2Headers headers) {
        manager.encode1xxHeaders(headers);
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
    public boolean recreateStream(ByteBuf body) {
        return stream.recreateStream(body, null);
    }

    @Override
    public boolean recreateStream(ByteBuf body, io.netty.handler.codec.http2.Http2Headers response) {
        return stream.recreateStream(body, response);
    }

    @Override
    public void pauseDecoding() {
        stream.pauseDecoding();
    }

    @Override
    public void resumeDecoding() {
        stream.resumeDecoding();
    }

    @Override
    public void setDownstreamWatermarkCallbacks(WatermarkCallbacks callbacks) {
        stream.setWatermarkCallbacks(callbacks);
    }

    @Override
    public int bufferLimit() {
        return manager.bufferLimit();
    }

    @Override
    public void setDecoderBufferLimit(int limit) {
        manager.decoderBufferLimit(limit);
    }

    @Override
    public HttpConnManagerStats connectionManagerStats() {
        return stream.hcm.stats;
    }

    @Override
    public boolean shouldLoadShed() {
        return stream.hcm.overload.shedDownstreamFilterCheck.shouldShedLoad();
    }
}

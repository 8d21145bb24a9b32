package io.remora.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.WatermarkCallbacks;
import io.remora.network.ConnectionInfo;
import io.remora.route.RouteEntry;
import io.remora.server.ServerContext;

/**
 * One filter's place in its stream's chain (Envoy's {@code ActiveStreamDecoderFilter}): the
 * callbacks it gets know where it sits, so {@code continue*} resumes at the next filter.
 */
final class FilterSlot implements DecoderFilterCallbacks {

    private final ActiveStream stream;
    private final int index;
    final StreamDecoderFilter filter;

    FilterSlot(ActiveStream stream, int index, StreamDecoderFilter filter) {
        this.stream = stream;
        this.index = index;
        this.filter = filter;
    }

    @Override
    public EventLoop eventLoop() {
        return stream.cx.channel.eventLoop();
    }

    @Override
    public ServerContext serverContext() {
        return stream.hcm.context;
    }

    @Override
    public ConnectionInfo connection() {
        return stream.cx.info;
    }

    @Override
    public StreamInfo streamInfo() {
        return stream.info;
    }

    @Override
    public String downstreamProtocol() {
        return stream.cx.protocol;
    }

    @Override
    public RouteEntry route() {
        return stream.route;
    }

    @Override
    public void clearRouteCache() {
        stream.clearRouteCache();
    }

    @Override
    public void continueHeaders(Http2Headers headers, boolean endStream) {
        stream.iterateHeaders(index + 1, headers, endStream);
    }

    @Override
    public void continueData(ByteBuf data, boolean endStream) {
        if (stream.ended()) {
            data.release();
            return;
        }
        stream.iterateData(index + 1, data, endStream);
    }

    @Override
    public void continueTrailers(Http2Headers trailers) {
        stream.iterateTrailers(index + 1, trailers);
    }

    @Override
    public void encodeHeaders(Http2Headers headers, boolean endStream) {
        stream.encodeHeaders(headers, endStream);
    }

    @Override
    public void encodeData(ByteBuf data, boolean endStream) {
        stream.encodeData(data, endStream);
    }

    @Override
    public void encodeTrailers(Http2Headers trailers) {
        stream.encodeTrailers(trailers);
    }

    @Override
    public void sendLocalReply(int status, String body, ResponseFlag flag, String details) {
        stream.sendLocalReply(status, body, flag, details);
    }

    @Override
    public void resetStream() {
        stream.resetStream();
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
        return stream.hcm.bufferLimit;
    }
}

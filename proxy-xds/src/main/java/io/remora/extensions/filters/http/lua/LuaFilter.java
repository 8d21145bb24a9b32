package io.remora.extensions.filters.http.lua;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
import io.remora.http.filter.StreamFilterCallbacks;
import org.luaj.vm2.LuaValue;

import java.util.logging.Level;

/**
 * {@code envoy.filters.http.lua} on one stream: picks the script (the filter's, or the route's by
 * {@code LuaPerRoute}) and runs envoy_on_request and envoy_on_response over the stream. A script
 * error is logged and counted, and the stream goes on as if the script had ended there.
 */
final class LuaFilter implements StreamFilter {

    private final LuaFilterProvider.Factory factory;
    private DecoderFilterCallbacks dcb;
    private EncoderFilterCallbacks ecb;
    private boolean resolved;
    private LuaScript script;
    private LuaVm vm;
    private LuaStream requestStream;
    private LuaStream responseStream;

    LuaFilter(LuaFilterProvider.Factory factory) {
        this.factory = factory;
    }

    LuaConfig config() {
        return factory.config;
    }

    LuaStats stats() {
        return factory.stats;
    }

    DecoderFilterCallbacks decoderCallbacks() {
        return dcb;
    }

    void scriptError(String message) {
        factory.stats.errors.increment();
        StreamHandleApi.LOG.log(Level.SEVERE, "script log: " + message);
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.dcb = callbacks;
    }

    @Override
    public void setEncoderFilterCallbacks(EncoderFilterCallbacks callbacks) {
        this.ecb = callbacks;
    }

    /** The script for this stream's route, on this stream's loop; null for none (disabled, unknown name). */
    private LuaVm vm() {
        if (!resolved) {
            resolved = true;
            script = factory.defaultScript;
            if (dcb.perFilterConfig() instanceof LuaPerRouteConfig route) {
                script = route.disabled() ? null
                        : route.name() != null ? factory.named(route.name())
                        : factory.routeScript(route.source());
            }
            vm = script == null ? null : script.vm(dcb.eventLoop());
        }
        return vm;
    }

    /** A run of the script's function for this path, or null when there is none. */
    private LuaStream stream(boolean request, Http2Headers headers, StreamFilterCallbacks cb) {
        LuaVm v = vm();
        LuaValue f = v == null ? LuaValue.NIL : request ? v.onRequest : v.onResponse;
        return f.isnil() ? null : new LuaStream(this, request, v, f, script.source, headers, cb);
    }

    private static FilterStatus data(LuaStream s, ByteBuf data, boolean endStream) {
        return s == null || s.done() ? FilterStatus.CONTINUE : s.onData(data, endStream);
    }

    private static FilterStatus trailers(LuaStream s, Http2Headers trailers) {
        return s == null || s.done() ? FilterStatus.CONTINUE : s.onTrailers(trailers);
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        requestStream = stream(true, headers, dcb);
        return requestStream == null ? FilterStatus.CONTINUE : requestStream.start(endStream);
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        return data(requestStream, data, endStream);
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        return trailers(requestStream, trailers);
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        responseStream = stream(false, headers, ecb);
        return responseStream == null ? FilterStatus.CONTINUE : responseStream.start(endStream);
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        return data(responseStream, data, endStream);
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        return trailers(responseStream, trailers);
    }

    @Override
    public void onDestroy() {
        if (requestStream != null) {
            requestStream.destroy();
        }
        if (responseStream != null) {
            responseStream.destroy();
        }
    }
}

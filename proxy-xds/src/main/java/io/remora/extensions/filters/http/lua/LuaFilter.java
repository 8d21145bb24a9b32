package io.remora.extensions.filters.http.lua;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.EncoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamFilter;
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

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        LuaVm v = vm();
        if (v == null || v.onRequest.isnil()) {
            return FilterStatus.CONTINUE;
        }
        requestStream = new LuaStream(this, true, v, script.source, headers, dcb);
        return requestStream.start(v.onRequest, endStream);
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        LuaStream s = requestStream;
        return s == null || s.done() ? FilterStatus.CONTINUE : s.onData(data, endStream);
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        LuaStream s = requestStream;
        return s == null || s.done() ? FilterStatus.CONTINUE : s.onTrailers(trailers);
    }

    @Override
    public FilterStatus encodeHeaders(Http2Headers headers, boolean endStream) {
        LuaVm v = vm();
        LuaValue f = v == null ? LuaValue.NIL : v.onResponse;
        if (f.isnil()) {
            return FilterStatus.CONTINUE;
        }
        responseStream = new LuaStream(this, false, v, script.source, headers, ecb);
        return responseStream.start(f, endStream);
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean endStream) {
        LuaStream s = responseStream;
        return s == null || s.done() ? FilterStatus.CONTINUE : s.onData(data, endStream);
    }

    @Override
    public FilterStatus encodeTrailers(Http2Headers trailers) {
        LuaStream s = responseStream;
        return s == null || s.done() ? FilterStatus.CONTINUE : s.onTrailers(trailers);
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

package io.remora.http;

import io.remora.config.ForwardAction;
import io.remora.config.RouterFilterConfig;
import io.remora.http.router.RouterFilterProvider;
import io.remora.route.RouteEntry;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.HttpFilterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.server.ServerContext;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only terminal filter standing in for the router on forwarding routes (no route, direct
 * responses and redirects it leaves to the real router, as the router owns them). Behaviour by the request's
 * {@code x-test} header: absent = echo (200, the request body streamed back, trailers echoed;
 * "ok" for a bodyless request), {@code hang} = never answer, {@code local} = 503 local reply,
 * {@code chunks} = a streamed response of 3 chunks without content-length, {@code buffer} = the
 * request body is buffered by the filter chain (STOP_ITERATION_AND_BUFFER) and never answered,
 * {@code watermarks} = "ok" with the downstream watermark events in {@link #EVENTS}, {@code nostatus}
 * = a response whose :status is not a number.
 */
final class TestFilter implements StreamDecoderFilter {

    record Config() implements HttpFilterConfig {
        @Override
        public String filterName() {
            return "test.terminal";
        }
    }

    static final LinkedBlockingQueue<Http2Headers> REQUESTS = new LinkedBlockingQueue<>();
    static final LinkedBlockingQueue<String> EVENTS = new LinkedBlockingQueue<>();
    static final AtomicInteger DESTROYED = new AtomicInteger();
    /** Streams paused by mode {@code pause}: the test resumes them. */
    static final LinkedBlockingQueue<DecoderFilterCallbacks> PAUSED = new LinkedBlockingQueue<>();
    static final AtomicInteger RECEIVED = new AtomicInteger();

    static final HttpFilterFactory.Provider<Config> PROVIDER = new HttpFilterFactory.Provider<>() {
        @Override
        public Class<Config> configType() {
            return Config.class;
        }

        @Override
        public HttpFilterFactory create(Config config, ServerContext context) {
            return TestFilter::new;
        }
    };

    private DecoderFilterCallbacks cb;
    private String mode = "";
    /** The real router, for routes this filter does not forward. */
    private StreamDecoderFilter router;

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        RouteEntry route = cb.route();
        if (route == null || !(route.route().action() instanceof ForwardAction)) {
            router = (StreamDecoderFilter) new RouterFilterProvider()
                    .create(new RouterFilterConfig(false), cb.serverContext()).newFilter();
            router.setDecoderFilterCallbacks(cb);
            return router.decodeHeaders(headers, endStream);
        }
        // As the router: the route's request header mutations and rewrites, just before forwarding.
        route.finalizeRequestHeaders(headers, cb.clusterName(), cb.formatterContext(), true);
        REQUESTS.add(headers);
        CharSequence m = headers.get("x-test");
        mode = m == null ? "" : m.toString();
        switch (mode) {
            case "hang", "buffer" -> {
                return FilterStatus.STOP_ITERATION;
            }
            case "flood" -> {
                respond(new DefaultHttp2Headers().status("200"), false);
                boolean[] above = {false};
                cb.setDownstreamWatermarkCallbacks(new io.remora.http.filter.WatermarkCallbacks() {
                    @Override
                    public void onAboveWriteBufferHighWatermark() {
                        above[0] = true;
                        EVENTS.add("above");
                    }

                    @Override
                    public void onBelowWriteBufferLowWatermark() {
                        EVENTS.add("below");
                        cb.encodeData(ByteBufUtil.writeAscii(io.netty.buffer.ByteBufAllocator.DEFAULT, "END"), true);
                    }
                });
                // Write until the downstream pushes back, as a router pausing its upstream would.
                for (int i = 0; i < 4096 && !above[0]; i++) {
                    cb.encodeData(io.netty.buffer.Unpooled.wrappedBuffer(new byte[64 * 1024]), false);
                }
                return FilterStatus.STOP_ITERATION;
            }
            case "watermarks" -> {
                cb.setDownstreamWatermarkCallbacks(new io.remora.http.filter.WatermarkCallbacks() {
                    @Override
                    public void onAboveWriteBufferHighWatermark() {
                        EVENTS.add("above");
                    }

                    @Override
                    public void onBelowWriteBufferLowWatermark() {
                        EVENTS.add("below");
                    }
                });
                respond(new DefaultHttp2Headers().status("200"), false);
                cb.encodeData(ByteBufUtil.writeAscii(io.netty.buffer.ByteBufAllocator.DEFAULT, "ok"), true);
                return FilterStatus.STOP_ITERATION;
            }
            case "pause" -> {
                cb.pauseDecoding();
                PAUSED.add(cb);
                return FilterStatus.STOP_ITERATION;
            }
            case "local" -> {
                cb.sendLocalReply(503, "no healthy upstream", ResponseFlag.NO_HEALTHY_UPSTREAM, "no_healthy_upstream");
                return FilterStatus.STOP_ITERATION;
            }
            case "nostatus" -> {
                // A response whose :status is no number, as a filter that spoilt it would send.
                respond(new DefaultHttp2Headers().status("none"), false);
                cb.encodeData(ByteBufUtil.writeAscii(io.netty.buffer.ByteBufAllocator.DEFAULT, "lost"), true);
                return FilterStatus.STOP_ITERATION;
            }
            case "reset" -> {
                // A response begun, then given up (an upstream lost mid-body, as the router resets the stream).
                respond(new DefaultHttp2Headers().status("200"), false);
                cb.resetStream();
                return FilterStatus.STOP_ITERATION;
            }
            case "chunks" -> {
                Http2Headers h = new DefaultHttp2Headers().status("200");
                respond(h, false);
                for (int i = 0; i < 3; i++) {
                    cb.encodeData(ByteBufUtil.writeAscii(io.netty.buffer.ByteBufAllocator.DEFAULT, "chunk" + i + ";"), false);
                }
                cb.encodeData(io.netty.buffer.Unpooled.EMPTY_BUFFER, true);
                return FilterStatus.STOP_ITERATION;
            }
            default -> {
            }
        }
        if (endStream) {
            Http2Headers h = new DefaultHttp2Headers().status("200");
            h.set("content-length", "2");
            h.set("x-seen-path", headers.path());
            respond(h, false);
            cb.encodeData(ByteBufUtil.writeAscii(io.netty.buffer.ByteBufAllocator.DEFAULT, "ok"), true);
        } else {
            Http2Headers h = new DefaultHttp2Headers().status("200");
            respond(h, false);
        }
        return FilterStatus.STOP_ITERATION;
    }

    /** Sends response headers with the route's response mutations, as the router does. */
    private void respond(Http2Headers h, boolean endStream) {
        RouteEntry route = cb.route();
        if (route != null) {
            route.mutateResponseHeaders(h, cb.clusterName(), cb.formatterContext());
        }
        cb.encodeHeaders(h, endStream);
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean endStream) {
        if (router != null) {
            return router.decodeData(data, endStream);
        }
        if (mode.equals("pause")) {
            RECEIVED.addAndGet(data.readableBytes());
            data.release();
            if (endStream) {
                respond(new DefaultHttp2Headers().status("204"), true);
            }
            return FilterStatus.STOP_ITERATION;
        }
        if (mode.equals("buffer")) {
            return FilterStatus.STOP_ITERATION_AND_BUFFER;
        }
        if (mode.equals("hang")) {
            EVENTS.add("data:" + data.readableBytes() + (endStream ? ":end" : ""));
            data.release();
            return FilterStatus.STOP_ITERATION;
        }
        cb.encodeData(data, endStream);
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus decodeTrailers(Http2Headers trailers) {
        if (router != null) {
            return router.decodeTrailers(trailers);
        }
        Http2Headers t = new DefaultHttp2Headers();
        for (var e : trailers) {
            t.add("echo-" + e.getKey(), e.getValue());
        }
        cb.encodeTrailers(t);
        return FilterStatus.STOP_ITERATION;
    }

    @Override
    public void onDestroy() {
        if (router != null) {
            router.onDestroy();
        }
        DESTROYED.incrementAndGet();
        EVENTS.add("destroy");
    }
}

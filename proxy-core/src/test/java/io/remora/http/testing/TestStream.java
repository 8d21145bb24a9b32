package io.remora.http.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.RouteFilterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.http.filter.WatermarkCallbacks;
import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import io.remora.route.HeaderFormatter;
import io.remora.route.RouteEntry;
import io.remora.server.ServerContext;
import io.remora.stats.HttpConnManagerStats;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Test-only stand-in for the connection manager's side of one stream: drives a decoder filter on
 * an event loop and records the response it encodes, as a client would observe it.
 */
public final class TestStream implements DecoderFilterCallbacks {
    private final EventLoop loop;
    private final ServerContext ctx;
    private final RouteEntry route;
    private final String protocol;
    public final StreamInfo info = new StreamInfo();
    public final CompletableFuture<TestStream> done = new CompletableFuture<>();
    public volatile Http2Headers responseHeaders;
    public volatile Http2Headers responseTrailers;
    public final StringBuilder responseBody = new StringBuilder();
    public volatile boolean reset;
    public volatile String localReplyBody;
    public volatile int pauses;
    public volatile int bufferLimit = 1 << 20;
    public WatermarkCallbacks watermarks;
    public StreamDecoderFilter filter;
    private Http2Headers requestHeaders;
    private String cluster;
    private boolean clusterPicked;
    private final FilterState filterState = new FilterState(null);
    private final io.remora.accesslog.StreamInfo formatterInfo = new io.remora.accesslog.StreamInfo();
    private final HeaderFormatter.Context formatter = new HeaderFormatter.Context() {
        @Override
        public io.remora.accesslog.StreamInfo streamInfo() {
            formatterInfo.protocol = protocol;
            formatterInfo.filterState(filterState);
            return formatterInfo;
        }

        @Override
        public Http2Headers requestHeaders() {
            return requestHeaders;
        }
    };

    public TestStream(EventLoop loop, ServerContext ctx, RouteEntry route, String protocol) {
        this.loop = loop;
        this.ctx = ctx;
        this.route = route;
        this.protocol = protocol;
    }

    public static Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").path(path).authority("example.com").scheme("http");
    }

    public static Http2Headers post(String path) {
        return new DefaultHttp2Headers().method("POST").path(path).authority("example.com").scheme("http");
    }

    /** Runs fn on the stream's loop and waits for it. */
    public void run(Runnable fn) throws Exception {
        loop.submit(fn).get(5, TimeUnit.SECONDS);
    }

    public TestStream start(StreamDecoderFilter f, Http2Headers headers, boolean endStream) throws Exception {
        this.filter = f;
        this.requestHeaders = headers;
        run(() -> {
            f.setDecoderFilterCallbacks(this);
            f.decodeHeaders(headers, endStream);
        });
        return this;
    }

    public TestStream await() throws Exception {
        return done.get(10, TimeUnit.SECONDS);
    }

    public int status() {
        return Integer.parseInt(responseHeaders.status().toString());
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public ServerContext serverContext() {
        return ctx;
    }

    @Override
    public ConnectionInfo connection() {
        return null;
    }

    @Override
    public StreamInfo streamInfo() {
        return info;
    }

    @Override
    public String downstreamProtocol() {
        return protocol;
    }

    @Override
    public RouteEntry route() {
        return route;
    }

    @Override
    public void clearRouteCache() {
    }

    @Override
    public String filterName() {
        return "envoy.filters.http.router";
    }

    @Override
    public String clusterName() {
        if (route == null || !clusterPicked) {
            clusterPicked = true;
            cluster = route == null || requestHeaders == null ? null : route.pickCluster(requestHeaders,
                    java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        }
        return cluster;
    }

    @Override
    public RouteFilterConfig perFilterConfig() {
        return null;
    }

    @Override
    public List<RouteFilterConfig> perFilterConfigs() {
        return List.of();
    }

    @Override
    public Http2Headers requestHeaders() {
        return requestHeaders;
    }

    @Override
    public FilterState filterState() {
        return filterState;
    }

    @Override
    public HeaderFormatter.Context formatterContext() {
        return formatter;
    }

    @Override
    public void continueDecoding() {
        throw new AssertionError("the router is the last filter");
    }

    @Override
    public ByteBuf decodingBuffer() {
        return null;
    }

    @Override
    public void injectDecodedDataToFilterChain(ByteBuf data, boolean endStream) {
        data.release();
        throw new AssertionError("the router is the last filter");
    }

    @Override
    public void addDecodedData(ByteBuf data) {
        data.release();
        throw new AssertionError("the router is the last filter");
    }

    @Override
    public HttpConnManagerStats connectionManagerStats() {
        return ctx.stats().http("test");
    }

    @Override
    public void encodeHeaders(Http2Headers headers, boolean endStream) {
        assert loop.inEventLoop();
        responseHeaders = headers;
        info.responseCode = Integer.parseInt(headers.status().toString());
        if (endStream) {
            done.complete(this);
        }
    }

    @Override
    public void encodeData(ByteBuf data, boolean endStream) {
        assert loop.inEventLoop();
        synchronized (responseBody) {
            responseBody.append(data.toString(StandardCharsets.UTF_8));
        }
        data.release();
        if (endStream) {
            done.complete(this);
        }
    }

    @Override
    public void encodeTrailers(Http2Headers trailers) {
        responseTrailers = trailers;
        done.complete(this);
    }

    @Override
    public void sendLocalReply(int status, String body, ResponseFlag flag, String details,
                               Consumer<Http2Headers> modifyHeaders, int grpcStatus) {
        if (flag != null) {
            info.setFlag(flag);
        }
        info.responseCodeDetails = details;
        if (responseHeaders != null) {
            resetStream();
            return;
        }
        localReplyBody = body;
        Http2Headers h = new DefaultHttp2Headers().status(Integer.toString(status));
        if (modifyHeaders != null) {
            modifyHeaders.accept(h);
        }
        responseHeaders = h;
        info.responseCode = status;
        synchronized (responseBody) {
            responseBody.append(body);
        }
        done.complete(this);
    }

    @Override
    public void resetStream() {
        reset = true;
        done.complete(this);
    }

    @Override
    public void pauseDecoding() {
        pauses++;
    }

    @Override
    public void resumeDecoding() {
    }

    @Override
    public void setDownstreamWatermarkCallbacks(WatermarkCallbacks callbacks) {
        this.watermarks = callbacks;
    }

    @Override
    public int bufferLimit() {
        return bufferLimit;
    }

    @Override
    public void setDecoderBufferLimit(int limit) {
        bufferLimit = limit;
    }

    public String body() {
        synchronized (responseBody) {
            return responseBody.toString();
        }
    }
}

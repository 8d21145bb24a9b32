package io.remora.http;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.PerFilterConfig;
import io.remora.config.RouteFilterConfig;
import io.remora.http.filter.StreamFilterCallbacks;
import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import io.remora.route.HeaderFormatter;
import io.remora.route.RouteEntry;
import io.remora.server.ServerContext;

import java.util.List;
import java.util.function.Consumer;

/**
 * One filter's place in its stream's chain (Envoy's {@code ActiveStreamFilterBase}): the callbacks
 * a filter gets know its name and position, so per-route config and {@code continue*} resolve to it.
 */
abstract class FilterSlot implements StreamFilterCallbacks {

    final ActiveStream stream;
    final FilterManager manager;
    final int index;
    final String name;

    FilterSlot(ActiveStream stream, FilterManager manager, int index, String name) {
        this.stream = stream;
        this.manager = manager;
        this.index = index;
        this.name = name;
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
        return stream.info.protocol;
    }

    @Override
    public String filterName() {
        return name;
    }

    @Override
    public RouteEntry route() {
        return stream.route();
    }

    @Override
    public String clusterName() {
        stream.route();
        return stream.clusterName;
    }

    @Override
    public void clearRouteCache() {
        stream.clearRouteCache();
    }

    @Override
    public boolean requestRouteConfigUpdate(Consumer<Boolean> done) {
        return RouteConfigUpdates.request(stream, done);
    }

    @Override
    public RouteFilterConfig perFilterConfig() {
        return perFilterConfig(stream.route(), name, stream.clusterName);
    }

    /** The most specific {@code typed_per_filter_config} of filter {@code name} on route {@code r} (may be null). */
    static RouteFilterConfig perFilterConfig(RouteEntry r, String name, String cluster) {
        if (r == null) {
            return null;
        }
        PerFilterConfig c = r.perFilterConfig(name, cluster);
        return c == null ? null : c.config();
    }

    @Override
    public List<RouteFilterConfig> perFilterConfigs() {
        RouteEntry r = stream.route();
        return r == null ? List.of() : r.perFilterConfigs(name, stream.clusterName);
    }

    @Override
    public Http2Headers requestHeaders() {
        return stream.requestHeaders;
    }

    @Override
    public FilterState filterState() {
        return stream.filterState();
    }

    @Override
    public HeaderFormatter.Context formatterContext() {
        return stream;
    }

    @Override
    public void sendLocalReply(int status, String body, ResponseFlag flag, String details,
                               Consumer<Http2Headers> modifyHeaders, int grpcStatus) {
        stream.sendLocalReply(status, body, flag, details, modifyHeaders, grpcStatus);
    }

    @Override
    public void resetStream() {
        stream.resetStream();
    }

    @Override
    public int bufferLimit() {
        return stream.cx.bufferLimit();
    }

    @Override
    public void drainConnectionUponCompletion() {
        stream.cx.drain();
    }

    @Override
    public java.util.Map<String, java.util.Map<String, Object>> connectionDynamicMetadata() {
        return io.remora.network.ConnectionMetadata.all(stream.cx.channel);
    }
}

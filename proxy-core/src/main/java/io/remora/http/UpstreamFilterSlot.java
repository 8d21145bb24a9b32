package io.remora.http;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.RouteFilterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.StreamFilterCallbacks;
import io.remora.network.ConnectionInfo;
import io.remora.network.FilterState;
import io.remora.route.HeaderFormatter;
import io.remora.route.RouteEntry;
import io.remora.server.ServerContext;

import java.util.List;
import java.util.function.Consumer;

/**
 * One upstream filter's place in its try's chain: the stream-wide answers come from the downstream
 * stream the router serves (route, stream info, filter state), as Envoy's upstream filter manager
 * callbacks delegate to the router's; per-route config is looked up by this filter's name.
 */
abstract class UpstreamFilterSlot implements StreamFilterCallbacks {

    final UpstreamFilterManager manager;
    final int index;
    final String name;

    UpstreamFilterSlot(UpstreamFilterManager manager, int index, String name) {
        this.manager = manager;
        this.index = index;
        this.name = name;
    }

    final DecoderFilterCallbacks downstream() {
        return manager.upstream.downstream();
    }

    @Override
    public EventLoop eventLoop() {
        return downstream().eventLoop();
    }

    @Override
    public ServerContext serverContext() {
        return downstream().serverContext();
    }

    @Override
    public ConnectionInfo connection() {
        return downstream().connection();
    }

    @Override
    public StreamInfo streamInfo() {
        return downstream().streamInfo();
    }

    @Override
    public String downstreamProtocol() {
        return downstream().downstreamProtocol();
    }

    @Override
    public String filterName() {
        return name;
    }

    @Override
    public RouteEntry route() {
        return downstream().route();
    }

    @Override
    public String clusterName() {
        return downstream().clusterName();
    }

    /** The route was chosen before the try: an upstream filter cannot send it elsewhere (as Envoy). */
    @Override
    public void clearRouteCache() {
    }

    @Override
    public RouteFilterConfig perFilterConfig() {
        return FilterSlot.perFilterConfig(route(), name, clusterName());
    }

    @Override
    public List<RouteFilterConfig> perFilterConfigs() {
        RouteEntry r = route();
        return r == null ? List.of() : r.perFilterConfigs(name, clusterName());
    }

    @Override
    public Http2Headers requestHeaders() {
        return manager.upstream.requestHeaders();
    }

    @Override
    public FilterState filterState() {
        return downstream().filterState();
    }

    @Override
    public HeaderFormatter.Context formatterContext() {
        return downstream().formatterContext();
    }

    @Override
    public void sendLocalReply(int status, String body, ResponseFlag flag, String details,
                               Consumer<Http2Headers> modifyHeaders, int grpcStatus) {
        manager.localReply(status, body, flag, details, modifyHeaders, grpcStatus);
    }

    @Override
    public void resetStream() {
        downstream().resetStream();
    }
}

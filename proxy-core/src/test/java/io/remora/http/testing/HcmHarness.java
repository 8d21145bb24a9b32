package io.remora.http.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.remora.config.HttpFilterEntry;
import io.remora.config.ClusterSpecifier;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpConnectionManagerConfigBuilder;
import io.remora.config.RetryPolicy;
import io.remora.config.Route;
import io.remora.config.RouteConfiguration;
import io.remora.config.RouteMatch;
import io.remora.config.RouterFilterConfig;
import io.remora.config.VirtualHost;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.network.ConnectionInfo;
import io.remora.network.NetworkFilter;
import io.remora.network.NetworkFilterFactory;
import io.remora.server.Transport;
import org.junit.jupiter.api.Assumptions;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A listening socket whose connections go through the real connection manager with the router
 * as its only filter. The connection manager is another helper's package; until it is on this
 * branch the tests using this harness are skipped (an assumption), not passed.
 */
public final class HcmHarness implements AutoCloseable {
    public final EventLoopGroup workers;
    public final Channel listener;

    public HcmHarness(Transport transport, TestServerContext ctx, HttpFilterFactory.Provider<?> router,
                      List<Route> routes) throws Exception {
        this(transport, ctx, router, routes, b -> b);
    }

    /** As above, with {@code config} setting more of the connection manager's configuration. */
    public HcmHarness(Transport transport, TestServerContext ctx, HttpFilterFactory.Provider<?> router,
                      List<Route> routes, java.util.function.UnaryOperator<HttpConnectionManagerConfigBuilder> config)
            throws Exception {
        NetworkFilterFactory<HttpConnectionManagerConfig> factory = factory(router);
        RouteConfiguration rc = new RouteConfiguration("rc", List.of(new VirtualHost("vh", List.of("*"), routes,
                HeaderMutation.NONE, HeaderMutation.NONE, null, false, VirtualHost.TlsRequirement.NONE)),
                HeaderMutation.NONE, HeaderMutation.NONE, List.of(), 4096);
        HttpConnectionManagerConfig hcmConfig = config.apply(HttpConnectionManagerConfig.builder("test").routeConfig(rc)
                .httpFilters(List.of(HttpFilterEntry.of(new RouterFilterConfig(false))))).build();
        NetworkFilter hcm = factory.create(hcmConfig, ctx);
        workers = transport.newEventLoopGroup(1, "downstream");
        listener = new ServerBootstrap().group(workers).channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        hcm.onAccept(ch, new ConnectionInfo("test", ch.localAddress(), ch.remoteAddress(), null, null,
                                "raw_buffer", List.of()));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @SuppressWarnings("unchecked")
    private static NetworkFilterFactory<HttpConnectionManagerConfig> factory(HttpFilterFactory.Provider<?> router)
            throws Exception {
        Class<?> type;
        try {
            type = Class.forName("io.remora.http.HttpConnectionManagerFactory");
        } catch (ClassNotFoundException e) {
            Assumptions.abort("the HTTP connection manager is not on this branch yet");
            throw e;
        }
        return (NetworkFilterFactory<HttpConnectionManagerConfig>) type.getConstructor(List.class)
                .newInstance(List.of(router));
    }

    public static Route route(String prefix, String cluster, RetryPolicy retry, Duration timeout) {
        return new Route(prefix, new RouteMatch(new RouteMatch.Prefix(prefix), true, List.of(), List.of(), false, null),
                new ForwardAction(new ClusterSpecifier.Single(cluster), null, null, null, false, null, timeout, null,
                        retry, List.of(), null, null), HeaderMutation.NONE, HeaderMutation.NONE);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void close() throws InterruptedException {
        listener.close().sync();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}

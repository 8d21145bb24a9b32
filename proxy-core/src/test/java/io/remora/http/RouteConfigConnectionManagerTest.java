package io.remora.http;

import io.remora.http.testing.TestServerContext;
import io.remora.http.testing.LeakCheck;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.remora.accesslog.ResponseFlag;
import io.remora.accesslog.StreamInfo;
import io.remora.config.HttpFilterEntry;
import io.remora.config.AccessLogConfig;
import io.remora.config.ClusterSpecifier;
import io.remora.config.DirectResponseAction;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.HeaderMutation.AppendAction;
import io.remora.config.HeaderMutation.HeaderValueOption;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.RedirectAction;
import io.remora.config.Route;
import io.remora.config.RouteAction;
import io.remora.config.RouteConfiguration;
import io.remora.config.RouteMatch;
import io.remora.config.VirtualHost;
import io.remora.network.ConnectionInfo;
import io.remora.network.NetworkFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connection manager with real compiled route tables (inline route_config and RDS). */
@ExtendWith(LeakCheck.class)
class RouteConfigConnectionManagerTest {

    private final TestServerContext context = new TestServerContext();
    private EventLoopGroup group;
    private int port;

    @BeforeEach
    void clear() {
        TestFilter.REQUESTS.clear();
    }

    @AfterEach
    void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    static Route route(String name, String prefix, RouteAction action) {
        return new Route(name, new RouteMatch(new RouteMatch.Prefix(prefix), true, List.of(), List.of(), false, null),
                action, HeaderMutation.NONE, new HeaderMutation(
                List.of(new HeaderValueOption("x-route-name", name, AppendAction.OVERWRITE_IF_EXISTS_OR_ADD, false)),
                List.of()));
    }

    static RouteConfiguration routes(String name) {
        ForwardAction forward = new ForwardAction(new ClusterSpecifier.Single("backend"), "/rewritten/", null, null,
                false, null, Duration.ofSeconds(15), null, null, List.of(), null, null);
        VirtualHost vh = new VirtualHost("vh", List.of("*"), List.of(
                route("direct", "/direct", new DirectResponseAction(503, "maintenance")),
                route("redirect", "/redirect", new RedirectAction("https", null, 0, null, null, null, 301, false)),
                route("api", "/api/", forward)),
                new HeaderMutation(List.of(new HeaderValueOption("x-proto", "%PROTOCOL%",
                        AppendAction.OVERWRITE_IF_EXISTS_OR_ADD, false)), List.of()),
                HeaderMutation.NONE, null, false, VirtualHost.TlsRequirement.NONE);
        return new RouteConfiguration(name, List.of(vh), HeaderMutation.NONE, HeaderMutation.NONE, List.of(), 4096);
    }

    private void start(RouteConfiguration inline, String rds) throws Exception {
        HttpConnectionManagerConfig config = HttpConnectionManagerConfig.builder("rt").routeConfig(inline).rdsName(rds)
                .httpFilters(List.of(HttpFilterEntry.of(new TestFilter.Config())))
                .accessLogs(List.of(AccessLogConfig.builder(AccessLogConfig.Sink.STDOUT).build())).build();
        NetworkFilter hcm = new HttpConnectionManagerFactory(List.of(TestFilter.PROVIDER)).create(config, context);
        group = context.transport.newEventLoopGroup(1, "rt-test");
        Channel server = new ServerBootstrap().group(group).channel(context.transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        hcm.onAccept(ch, new ConnectionInfo("t", ch.localAddress(), ch.remoteAddress(), null, null,
                                "raw_buffer", List.of()));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private StreamInfo logged() throws InterruptedException {
        StreamInfo i = context.logged.poll(5, TimeUnit.SECONDS);
        assertNotNull(i);
        return i;
    }

    @Test
    void inlineRoutesDirectRedirectForwardAndNoRoute() throws Exception {
        start(routes("inline"), null);
        HttpResponse<String> d = get("/direct");
        assertEquals(503, d.statusCode());
        assertEquals("maintenance", d.body());
        assertEquals("direct", d.headers().firstValue("x-route-name").orElse(null));
        assertEquals("direct", logged().routeName);

        HttpResponse<String> r = get("/redirect/x");
        assertEquals(301, r.statusCode());
        assertTrue(r.headers().firstValue("location").orElse("").startsWith("https://"), r.headers().toString());
        logged();

        HttpResponse<String> a = get("/api/users");
        assertEquals(200, a.statusCode());
        assertEquals("api", a.headers().firstValue("x-route-name").orElse(null));
        var seen = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        assertEquals("/rewritten/users", seen.path().toString(), "prefix_rewrite applied by the router");
        assertEquals("/api/users", seen.get("x-envoy-original-path").toString());
        assertEquals("HTTP/1.1", seen.get("x-proto").toString(), "virtual host request_headers_to_add applied");
        StreamInfo info = logged();
        assertEquals("api", info.routeName);

        HttpResponse<String> n = get("/nothing");
        assertEquals(404, n.statusCode());
        StreamInfo nr = logged();
        assertTrue(nr.hasFlag(ResponseFlag.NO_ROUTE_FOUND));
        assertEquals("route_not_found", nr.responseCodeDetails);
    }

    @Test
    void rdsIsReadPerStreamAndRecompiledWhenReplaced() throws Exception {
        start(null, "rds-routes");
        assertEquals(404, get("/direct").statusCode(), "no route configuration yet: 404 NR");
        context.rds.put("rds-routes", routes("rds-routes"));
        assertEquals(503, get("/direct").statusCode());
        context.rds.put("rds-routes", new RouteConfiguration("rds-routes", List.of(), HeaderMutation.NONE,
                HeaderMutation.NONE, List.of(), 4096));
        assertEquals(404, get("/direct").statusCode());
    }

    @Test
    void unsupportedHttpFilterFailsTheChainBuild() {
        record Unknown() implements io.remora.config.HttpFilterConfig {
            @Override
            public String filterName() {
                return "envoy.filters.http.unknown";
            }
        }
        HttpConnectionManagerConfig config = HttpConnectionManagerConfig.builder("x").routeConfig(routes("r"))
                .httpFilters(List.of(HttpFilterEntry.of(new Unknown()))).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new HttpConnectionManagerFactory(List.of(TestFilter.PROVIDER)).create(config, context));
        assertTrue(e.getMessage().contains("envoy.filters.http.unknown"), e.getMessage());
    }
}

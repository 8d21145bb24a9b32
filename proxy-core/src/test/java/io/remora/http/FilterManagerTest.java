package io.remora.http;

import io.remora.http.testing.TestServerContext;
import io.remora.http.testing.LeakCheck;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.StreamInfo;
import io.remora.config.AccessLogConfig;
import io.remora.config.ClusterSpecifier;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpFilterEntry;
import io.remora.config.PerFilterConfig;
import io.remora.config.Route;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The filter manager over real sockets: decoders in order and encoders in reverse, stop and
 * continue with buffering both ways, local replies through the encoders, per-route config at
 * every level and per-route enable/disable, and clearRouteCache picking a new route and cluster.
 */
@ExtendWith(LeakCheck.class)
class FilterManagerTest {

    private final TestServerContext context = new TestServerContext();
    private EventLoopGroup group;
    private int port;

    @BeforeEach
    void start() throws Exception {
        TestFilter.REQUESTS.clear();
        ProbeFilter.DESTROYED.clear();
        VirtualHost vh = new VirtualHost("vh", List.of("*"), List.of(
                route("off", "/off", "c1", Map.of("probe-b", PerFilterConfig.DISABLED)),
                route("enable-c", "/enable-c", "c1", Map.of("probe-c", PerFilterConfig.ENABLED)),
                route("tag", "/tag", "c1", Map.of("probe-a", new PerFilterConfig(new ProbeFilter.RouteConfig("route"), false))),
                route("b", "/b", "c2", Map.of()),
                route("default", "/", "c1", Map.of())),
                HeaderMutation.NONE, HeaderMutation.NONE, null, false, VirtualHost.TlsRequirement.NONE,
                Map.of("probe-a", new PerFilterConfig(new ProbeFilter.RouteConfig("vhost"), false)));
        RouteConfiguration rc = new RouteConfiguration("rc", List.of(vh), HeaderMutation.NONE, HeaderMutation.NONE,
                List.of(), 4096);
        List<HttpFilterEntry> filters = List.of(
                new HttpFilterEntry("probe-a", new ProbeFilter.Config("a"), false),
                new HttpFilterEntry("probe-b", new ProbeFilter.Config("b"), false),
                new HttpFilterEntry("probe-c", new ProbeFilter.Config("c"), true),
                HttpFilterEntry.of(new TestFilter.Config()));
        HttpConnectionManagerConfig config = HttpConnectionManagerConfig.builder("fm").routeConfig(rc).httpFilters(filters)
                .accessLogs(List.of(AccessLogConfig.builder(AccessLogConfig.Sink.STDOUT).build())).build();
        NetworkFilter hcm = new HttpConnectionManagerFactory(List.of(TestFilter.PROVIDER, ProbeFilter.PROVIDER))
                .create(config, context);
        group = context.transport.newEventLoopGroup(1, "fm-test");
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

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static Route route(String name, String prefix, String cluster, Map<String, PerFilterConfig> perFilter) {
        ForwardAction forward = new ForwardAction(new ClusterSpecifier.Single(cluster), null, null, null,
                false, null, Duration.ofSeconds(15), null, null, List.of(), null, null);
        return new Route(name, new RouteMatch(new RouteMatch.Prefix(prefix), true, List.of(), List.of(), false, null),
                forward, HeaderMutation.NONE, HeaderMutation.NONE, perFilter);
    }

    private HttpResponse<String> send(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        b.method(body == null ? "GET" : "POST", body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Http2Headers upstreamSaw() throws InterruptedException {
        Http2Headers h = TestFilter.REQUESTS.poll(5, TimeUnit.SECONDS);
        assertNotNull(h, "the request reached the terminal filter");
        return h;
    }

    private StreamInfo logged() throws InterruptedException {
        StreamInfo i = context.logged.poll(5, TimeUnit.SECONDS);
        assertNotNull(i);
        return i;
    }

    @Test
    void decodersRunInOrderAndEncodersInReverse() throws Exception {
        HttpResponse<String> r = send("/x", null);
        assertEquals(200, r.statusCode());
        assertEquals("a,b", upstreamSaw().get("x-decode-order").toString());
        assertEquals("b,a", r.headers().firstValue("x-encode-order").orElse(null));
    }

    @Test
    void encoderWatermarksReachTheRouterOnceForAllTheirSources() throws Exception {
        TestFilter.EVENTS.clear();
        HttpResponse<String> r = send("/x", null, "x-test", "watermarks", "x-probe-a", "hold-upstream",
                "x-probe-b", "hold-upstream");
        assertEquals(200, r.statusCode());
        assertEquals("ok", r.body());
        logged();
        // b then a go above (one event), b then a go below (one event, after a's).
        assertEquals(List.of("above", "below"),
                TestFilter.EVENTS.stream().filter(e -> !e.equals("destroy")).toList());
    }

    @Test
    void everyFilterMadeIsDestroyedOnceWhenTheStreamEnds() throws Exception {
        assertEquals(200, send("/x", null).statusCode());
        logged(); // the stream has ended
        assertEquals(List.of("a", "b"), List.copyOf(ProbeFilter.DESTROYED), "c is disabled: never made");
        assertEquals(200, send("/off", null).statusCode());
        logged();
        assertEquals(List.of("a", "b", "a"), List.copyOf(ProbeFilter.DESTROYED), "b is off on this route");
    }

    @Test
    void stoppedHeadersContinueWithTheBufferedBody() throws Exception {
        String body = "0123456789".repeat(5000);
        for (String mode : List.of("stop-headers", "stop-all")) {
            HttpResponse<String> r = send("/x", body, "x-probe-a", mode);
            assertEquals(200, r.statusCode(), mode);
            assertEquals(body, r.body(), mode + ": the body reached the upstream whole and in order");
            assertEquals("a,b", upstreamSaw().get("x-decode-order").toString(), mode);
            logged();
        }
    }

    @Test
    void bodyAddedToHeadersThatEndTheRequestFollowsThem() throws Exception {
        // Alone, and with a later filter holding the headers for a while: the body waits behind them.
        for (String later : List.of("", "stop-headers", "stop-all")) {
            HttpResponse<String> r = send("/x", null, "x-probe-a", "add-body", "x-probe-b", later.isEmpty() ? "none" : later);
            assertEquals(200, r.statusCode(), later);
            assertEquals("added by a", r.body(), later + ": the upstream got the added body");
            assertEquals("a,b", upstreamSaw().get("x-decode-order").toString(), later);
            logged();
        }
    }

    @Test
    void aFilterBufferingTheBodySeesAllOfItBeforeTheHeadersGoOn() throws Exception {
        String body = "x".repeat(200_000);
        HttpResponse<String> r = send("/x", body, "x-probe-b", "buffer-body");
        assertEquals(200, r.statusCode());
        assertEquals(body, r.body());
        assertEquals("200000", upstreamSaw().get("x-body-length").toString());
    }

    @Test
    void encoderBufferingTheResponseAddsAHeaderBeforeItLeaves() throws Exception {
        String body = "y".repeat(100_000);
        HttpResponse<String> r = send("/x", body, "x-probe-a", "buffer-response");
        assertEquals(200, r.statusCode());
        assertEquals(body, r.body());
        assertEquals("100000", r.headers().firstValue("x-response-length").orElse(null));
    }

    @Test
    void bodyInjectedByTheLastEncoderLeavesAfterItsHeldHeaders() throws Exception {
        String body = "z".repeat(50_000);
        HttpResponse<String> r = send("/x", body, "x-probe-a", "own-response");
        assertEquals(200, r.statusCode());
        assertEquals(body, r.body());
    }

    @Test
    void localReplyPassesThroughEveryEncoder() throws Exception {
        HttpResponse<String> r = send("/x", null, "x-probe-b", "reply");
        assertEquals(418, r.statusCode());
        assertEquals("probe b says no", r.body());
        assertEquals("b,a", r.headers().firstValue("x-encode-order").orElse(null));
        assertNull(TestFilter.REQUESTS.poll(200, TimeUnit.MILLISECONDS), "the terminal filter never ran");
        StreamInfo info = logged();
        assertEquals("probe_reply", info.responseCodeDetails);
        assertEquals("FI", info.responseFlagsString());
    }

    @Test
    void perRouteConfigMostSpecificWinsAndRoutesDisableOrEnableFilters() throws Exception {
        HttpResponse<String> plain = send("/x", null);
        assertEquals("vhost", plain.headers().firstValue("x-config-a").orElse(null));
        assertEquals("1", plain.headers().firstValue("x-configs-a").orElse(null));
        assertEquals("b,a", plain.headers().firstValue("x-encode-order").orElse(null), "probe-c is disabled in the HCM");

        HttpResponse<String> tag = send("/tag", null);
        assertEquals("route", tag.headers().firstValue("x-config-a").orElse(null));
        assertEquals("2", tag.headers().firstValue("x-configs-a").orElse(null), "vhost and route levels");

        HttpResponse<String> off = send("/off", null);
        assertEquals("a", off.headers().firstValue("x-encode-order").orElse(null), "the route disables probe-b");

        HttpResponse<String> on = send("/enable-c", null);
        assertEquals("c,b,a", on.headers().firstValue("x-encode-order").orElse(null), "the route enables probe-c");
    }

    @Test
    void clearRouteCachePicksTheNewRouteAndCluster() throws Exception {
        HttpResponse<String> before = send("/x", null);
        assertEquals("c1", before.headers().firstValue("x-cluster").orElse(null));
        upstreamSaw();
        assertEquals("default", logged().routeName);

        HttpResponse<String> after = send("/x", null, "x-probe-a", "reroute");
        assertEquals(200, after.statusCode());
        assertEquals("c2", after.headers().firstValue("x-cluster").orElse(null));
        assertEquals("/b", upstreamSaw().path().toString());
        assertEquals("b", logged().routeName);
    }
}

package io.remora.http;

import io.remora.testing.HttpHeads;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.router.RouterFilterProvider;
import io.remora.http.testing.FixedCluster;
import io.remora.http.testing.H1Upstream;
import io.remora.http.testing.H2Upstream;
import io.remora.http.testing.HcmHarness;
import io.remora.http.testing.LeakCheck;
import io.remora.http.testing.TestServerContext;
import io.remora.server.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Repeated headers through the proxy on real sockets, both ways, over HTTP/1.1 and HTTP/2: the
 * ones Envoy's header maps hold inline arrive as one comma-joined line (cookie crumbs of an
 * HTTP/2 hop with "; "), the others as they were sent.
 */
class InlineHeaderJoinTest {
    static {
        LeakCheck.install();
    }

    private static final Transport TRANSPORT = Transport.detect();
    private static H1Upstream h1;
    private static H2Upstream h2;
    private static HcmHarness hcm;

    @BeforeAll
    static void start() throws Exception {
        h1 = new H1Upstream(TRANSPORT, (ctx, req, n) -> {
            FullHttpResponse r = H1Upstream.text(200, "ok");
            r.headers().add("cache-control", "no-cache").add("cache-control", "private")
                    .add("x-custom", "1").add("x-custom", "2")
                    .add("set-cookie", "a=1").add("set-cookie", "b=2");
            ctx.writeAndFlush(r);
        });
        h2 = new H2Upstream(TRANSPORT, 100, (ctx, h, body, tr, n) -> {
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                    .add("cache-control", "no-cache").add("cache-control", "private")
                    .add("x-custom", "1").add("x-custom", "2")
                    .add("set-cookie", "a=1").add("set-cookie", "b=2"), false));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8), true));
        });
        TestServerContext ctx = new TestServerContext(TRANSPORT);
        ctx.add(new FixedCluster(FixedCluster.config("h1", UpstreamProtocol.HTTP1), ctx.stats,
                FixedCluster.hosts(h1.address())));
        ctx.add(new FixedCluster(FixedCluster.config("h2", UpstreamProtocol.HTTP2), ctx.stats,
                FixedCluster.hosts(h2.address())));
        hcm = new HcmHarness(TRANSPORT, ctx, new RouterFilterProvider(), List.of(
                HcmHarness.route("/h1", "h1", null, null), HcmHarness.route("/h2", "h2", null, null)));
    }

    @AfterAll
    static void stop() throws Exception {
        hcm.close();
        h1.close();
        h2.close();
        List<String> leaks = LeakCheck.leaks();
        assertTrue(leaks.isEmpty(), () -> "ByteBuf leaks: " + leaks);
    }

    @Test
    void http1BothWays() throws Exception {
        String head = http1("GET /h1 HTTP/1.1\r\nHost: a\r\nUser-Agent: a\r\nUser-Agent: b\r\n"
                + "X-Custom: 1\r\nX-Custom: 2\r\nCookie: a=1\r\nCookie: b=2\r\nAccept: x/y\r\nAccept: */*\r\n\r\n");
        FullHttpRequest seen = h1.seen.get(h1.seen.size() - 1);
        assertEquals(List.of("a,b"), seen.headers().getAll("user-agent"));
        assertEquals(List.of("x/y,*/*"), seen.headers().getAll("accept")); // registered by extensions
        assertEquals(List.of("1", "2"), seen.headers().getAll("x-custom"));
        assertEquals(List.of("a=1", "b=2"), seen.headers().getAll("cookie")); // not inline over HTTP/1.1
        assertEquals(List.of("no-cache,private"), HttpHeads.lines(head, "cache-control"));
        assertEquals(List.of("1", "2"), HttpHeads.lines(head, "x-custom"));
        assertEquals(List.of("a=1", "b=2"), HttpHeads.lines(head, "set-cookie"));
    }

    @Test
    void http2BothWays() throws Exception {
        try (H2Client c = new H2Client(hcm.address().getPort())) {
            H2Client.Stream s = c.open();
            Http2Headers req = new DefaultHttp2Headers().method("GET").path("/h2").scheme("http").authority("a")
                    .add("user-agent", "a").add("user-agent", "b").add("x-custom", "1").add("x-custom", "2")
                    .add("cookie", "a=1").add("cookie", "b=2");
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(req, true));
            Http2HeadersFrame h = (Http2HeadersFrame) s.next();
            assertEquals("200", h.headers().status().toString());
            assertEquals(List.of("no-cache,private"), strings(h.headers().getAll("cache-control")));
            assertEquals(List.of("1", "2"), strings(h.headers().getAll("x-custom")));
            assertEquals(List.of("a=1", "b=2"), strings(h.headers().getAll("set-cookie")));
        }
        Http2Headers seen = h2.seen.get(h2.seen.size() - 1);
        assertEquals(List.of("a,b"), strings(seen.getAll("user-agent")));
        assertEquals(List.of("1", "2"), strings(seen.getAll("x-custom")));
        assertEquals(List.of("a=1; b=2"), strings(seen.getAll("cookie"))); // the codec's cookie crumbs, joined
    }

    /**
     * Envoy's HTTP/2 codec keeps the crumbs aside and adds the joined cookie after the fields that
     * came with it (ConnectionImpl::onHeaders), wherever the crumbs were: here it follows x-two.
     */
    @Test
    void http2CookieCrumbsAreJoinedAfterTheOtherFields() throws Exception {
        try (H2Client c = new H2Client(hcm.address().getPort())) {
            H2Client.Stream s = c.open();
            Http2Headers req = new DefaultHttp2Headers().method("GET").path("/h1").scheme("http").authority("a")
                    .add("cookie", "a=1").add("x-one", "1").add("cookie", "b=2").add("x-two", "2");
            s.channel.writeAndFlush(new DefaultHttp2HeadersFrame(req, true));
            assertEquals("200", ((Http2HeadersFrame) s.next()).headers().status().toString());
        }
        FullHttpRequest seen = h1.seen.get(h1.seen.size() - 1);
        assertEquals(List.of("a=1; b=2"), seen.headers().getAll("cookie"));
        List<String> names = new java.util.ArrayList<>();
        seen.headers().forEach(e -> names.add(e.getKey().toLowerCase(java.util.Locale.ROOT)));
        assertTrue(names.indexOf("cookie") > names.indexOf("x-two"), names.toString());
        assertTrue(names.indexOf("x-one") < names.indexOf("x-two"), names.toString());
    }

    @Test
    void http1ToHttp2UpstreamAndBack() throws Exception {
        String head = http1("GET /h2 HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: http\r\nUser-Agent: a\r\n"
                + "User-Agent: b\r\n\r\n");
        assertEquals(List.of("a,b"), strings(h2.seen.get(h2.seen.size() - 1).getAll("user-agent")));
        assertEquals(List.of("no-cache,private"), HttpHeads.lines(head, "cache-control"));
        assertEquals(List.of("1", "2"), HttpHeads.lines(head, "x-custom"));
    }

    /** Sends {@code request} on a new connection; the response head as it came, lower-cased. */
    private static String http1(String request) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", hcm.address().getPort()), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            String head = HttpHeads.read(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            return head.toLowerCase();
        }
    }

    private static List<String> strings(List<CharSequence> values) {
        List<String> out = new ArrayList<>();
        values.forEach(v -> out.add(v.toString()));
        return out;
    }
}

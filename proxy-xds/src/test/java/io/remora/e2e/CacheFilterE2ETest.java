package io.remora.e2e;

import io.netty.handler.codec.http.FullHttpRequest;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.filters.http.cache} with the simple cache, through curl and a real upstream that
 * counts what reaches it per path: hits never go upstream; a stale entry is validated with
 * {@code if-none-match} / {@code if-modified-since} and a 304 serves the stored body; {@code vary}
 * keeps variants apart (and refuses headers not allowed); {@code no-store}, {@code private} and
 * {@code authorization} keep responses out; HEAD and ranges are served from a stored GET; the
 * query parameters {@code key_creator_params} excludes share an entry.
 */
class CacheFilterE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    /** The conditional headers of each request that reached the upstream, "path if-none-match if-modified-since". */
    static final CopyOnWriteArrayList<String> conditionals = new CopyOnWriteArrayList<>();
    static ProxyProcess proxy;
    static java.nio.file.Path accessLog;

    private static final String LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT";

    @BeforeAll
    static void start() throws Exception {
        TestUpstream upstream = stack.upstream(CacheFilterE2ETest::respond);
        String filter = """
                - name: envoy.filters.http.cache
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.cache.v3.CacheConfig
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig
                    allowed_vary_headers:
                    - exact: accept-language
                    key_creator_params:
                      query_parameters_excluded:
                      - name: utm
                """;
        accessLog = TempPaths.file("access", ".log");
        proxy = stack.start(Bootstraps.logFormat(stack.http(accessLog.toString(), "- match: { prefix: \"/\" }\n"
                + "  route: { cluster: web }\n", Bootstraps.cluster("web", false, null, upstream.port()), "", filter),
                accessLog, "%REQ(:PATH)% %RESPONSE_CODE_DETAILS%"));
    }

    private static void respond(io.netty.channel.ChannelHandlerContext ctx, FullHttpRequest req, int n) {
        String uri = req.uri();
        String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
        int count = seen.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
        String inm = req.headers().get("if-none-match");
        String ims = req.headers().get("if-modified-since");
        if (inm != null || ims != null) {
            conditionals.add(path + " " + inm + " " + ims);
        }
        String body = path.substring(1) + " #" + count;
        switch (path) {
            case "/validate", "/expire", "/nocache-request" -> {
                // Two seconds, not one: ages count whole seconds, so a one-second entry could already be stale
                // for a request in the next second however soon it follows.
                String maxAge = path.equals("/expire") ? "2" : path.equals("/validate") ? "0" : "60";
                if ("\"v1\"".equals(inm)) {
                    TestUpstream.send(ctx, req, 304, "", Map.of("etag", "\"v1\"", "cache-control", "max-age=" + maxAge,
                            "x-fresh", "from-304"));
                } else {
                    TestUpstream.send(ctx, req, 200, body, Map.of("etag", "\"v1\"", "cache-control", "max-age=" + maxAge,
                            "last-modified", LAST_MODIFIED, "x-fresh", "original", "x-stored", "kept"));
                }
            }
            case "/vary" -> TestUpstream.send(ctx, req, 200, body + " " + req.headers().get("accept-language"),
                    Map.of("cache-control", "max-age=60", "vary", "Accept-Language"));
            case "/vary-agent" -> TestUpstream.send(ctx, req, 200, body,
                    Map.of("cache-control", "max-age=60", "vary", "user-agent"));
            case "/nostore" -> TestUpstream.send(ctx, req, 200, body, Map.of("cache-control", "no-store, max-age=60"));
            case "/private" -> TestUpstream.send(ctx, req, 200, body, Map.of("cache-control", "private, max-age=60"));
            case "/nofreshness" -> TestUpstream.send(ctx, req, 200, body);
            case "/error" -> TestUpstream.send(ctx, req, 500, body, Map.of("cache-control", "max-age=60"));
            default -> TestUpstream.send(ctx, req, 200, body, Map.of("cache-control", "public, max-age=60"));
        }
    }

    private static int upstream(String path) {
        AtomicInteger n = seen.get(path);
        return n == null ? 0 : n.get();
    }

    @Test
    void aSecondGetIsServedFromTheCache() throws Exception {
        Curl first = Curl.get(stack.port, "/fresh");
        Curl second = Curl.get(stack.port, "/fresh");
        assertEquals("fresh #1", first.text());
        assertNull(first.header("age"), "the origin's response carries no age");
        assertEquals(200, second.status());
        assertEquals("fresh #1", second.text());
        assertNotNull(second.header("age"), "a stored response says how old it is");
        assertEquals("public, max-age=60", second.header("cache-control"));
        assertEquals(1, upstream("/fresh"), "the hit did not go upstream");
        assertTrue(proxy.stat("cache.event.cache_label.envoy_extensions_http_cache_simple.event_type.hit") >= 1);
        LogFiles.await(accessLog, lines -> lines.contains("/fresh via_upstream")
                && lines.contains("/fresh cache.response_from_cache_filter"));
    }

    @Test
    void aStaleEntryIsValidatedAndA304ServesTheStoredBody() throws Exception {
        assertEquals("validate #1", Curl.get(stack.port, "/validate").text());
        Curl validated = Curl.get(stack.port, "/validate");
        assertEquals(200, validated.status());
        assertEquals("validate #1", validated.text(), "the stored body, under the 304's headers");
        assertEquals("from-304", validated.header("x-fresh"), "the 304's own headers win");
        assertEquals("kept", validated.header("x-stored"), "stored headers fill what the 304 lacks");
        assertNull(validated.header("age"), "a validated response is as fresh as the origin's");
        assertEquals(2, upstream("/validate"));
        assertTrue(conditionals.contains("/validate \"v1\" " + LAST_MODIFIED), conditionals.toString());
    }

    @Test
    void maxAgeExpiryTriggersValidation() throws Exception {
        assertEquals("expire #1", Curl.get(stack.port, "/expire").text());
        assertEquals("expire #1", Curl.get(stack.port, "/expire").text());
        assertEquals(1, upstream("/expire"), "fresh for two seconds");
        Thread.sleep(3100);
        Curl validated = Curl.get(stack.port, "/expire");
        assertEquals("expire #1", validated.text());
        assertEquals(2, upstream("/expire"), "expired: validated upstream");
        assertTrue(conditionals.contains("/expire \"v1\" " + LAST_MODIFIED), conditionals.toString());
        assertEquals("expire #1", Curl.get(stack.port, "/expire").text());
        assertEquals(2, upstream("/expire"), "the 304 freshened the entry");
    }

    @Test
    void requestNoCacheValidatesUnlessIgnored() throws Exception {
        Curl.get(stack.port, "/nocache-request");
        Curl r = Curl.get(stack.port, "/nocache-request", "cache-control: no-cache");
        assertEquals("nocache-request #1", r.text());
        assertEquals(2, upstream("/nocache-request"));
        Curl.get(stack.port, "/nocache-request", "pragma: no-cache");
        assertEquals(3, upstream("/nocache-request"), "pragma: no-cache without cache-control too");
    }

    @Test
    void varyKeepsVariantsApartAndOnlyAllowedHeadersAreStored() throws Exception {
        assertEquals("vary #1 en", Curl.get(stack.port, "/vary", "accept-language: en").text());
        assertEquals("vary #2 fr", Curl.get(stack.port, "/vary", "accept-language: fr").text());
        assertEquals("vary #1 en", Curl.get(stack.port, "/vary", "accept-language: en").text());
        assertEquals("vary #2 fr", Curl.get(stack.port, "/vary", "accept-language: fr").text());
        assertEquals(2, upstream("/vary"));
        Curl.get(stack.port, "/vary-agent");
        Curl.get(stack.port, "/vary-agent");
        assertEquals(2, upstream("/vary-agent"), "user-agent is not in allowed_vary_headers");
    }

    @Test
    void noStorePrivateAndUnknownFreshnessAreNotStored() throws Exception {
        for (String path : new String[] {"/nostore", "/private", "/nofreshness", "/error"}) {
            Curl.get(stack.port, path);
            assertEquals(path.substring(1) + " #2", Curl.get(stack.port, path).text(), path);
            assertEquals(2, upstream(path), path);
        }
    }

    @Test
    void authorizedRequestsAreNeitherServedNorStored() throws Exception {
        Curl.get(stack.port, "/auth", "authorization: Bearer x");
        Curl.get(stack.port, "/auth", "authorization: Bearer x");
        assertEquals(2, upstream("/auth"));
        assertEquals("auth #3", Curl.get(stack.port, "/auth").text(), "nothing was stored for it");
        assertEquals("auth #3", Curl.get(stack.port, "/auth").text());
        assertEquals("auth #4", Curl.get(stack.port, "/auth", "authorization: Bearer x").text(),
                "a stored response is not served to an authorized request");
    }

    @Test
    void headAndRangesAreServedFromAStoredGet() throws Exception {
        Curl.get(stack.port, "/ranged");
        Curl head = Curl.run("-I", stack.url("/ranged"));
        assertEquals(200, head.status());
        assertEquals("9", head.header("content-length"));
        Curl part = Curl.get(stack.port, "/ranged", "range: bytes=0-5");
        assertEquals(206, part.status());
        assertEquals("ranged", part.text());
        assertEquals("bytes 0-5/9", part.header("content-range"));
        Curl none = Curl.get(stack.port, "/ranged", "range: bytes=100-");
        assertEquals(416, none.status());
        assertEquals("bytes */9", none.header("content-range"));
        assertEquals(1, upstream("/ranged"));
    }

    @Test
    void excludedQueryParametersShareAnEntry() throws Exception {
        assertEquals("query #1", Curl.get(stack.port, "/query?x=1&utm=a").text());
        assertEquals("query #1", Curl.get(stack.port, "/query?x=1&utm=b").text());
        assertEquals("query #2", Curl.get(stack.port, "/query?x=2").text(), "x is in the key");
        assertEquals(2, upstream("/query"));
    }
}

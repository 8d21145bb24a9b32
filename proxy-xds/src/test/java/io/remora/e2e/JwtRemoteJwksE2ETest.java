package io.remora.e2e;

import io.netty.handler.codec.http.FullHttpRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static io.remora.e2e.JwtTokens.claims;
import static io.remora.e2e.JwtTokens.es256;
import static io.remora.e2e.JwtTokens.now;
import static io.remora.e2e.JwtTokens.rs256;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * jwt_authn with {@code remote_jwks} on real sockets: the key sets come from a JWKS server behind
 * a cluster, which counts the fetches of each document. Each case has its own provider (and
 * document), so the cases do not depend on each other's fetches.
 */
class JwtRemoteJwksE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream backend;
    static TestUpstream jwksServer;
    static TestUpstream brokenJwksServer;
    static ProxyProcess proxy;
    static final Map<String, AtomicInteger> FETCHES = new ConcurrentHashMap<>();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static String provider(String name, String uri, String cluster, String extra) {
        // A generous timeout: a fetch timing out on a loaded machine would be fetched again and miscounted.
        return """
                      %s:
                        issuer: "https://%s.example"
                        remote_jwks:
                          http_uri: { uri: "%s", cluster: %s, timeout: 10s }
                          %s
                """.formatted(name, name, uri, cluster, extra);
    }

    static String rule(String prefix, String provider) {
        return """
                    - match: { prefix: /%s }
                      requires: { provider_name: %s }
                """.formatted(prefix, provider);
    }

    @BeforeAll
    static void start() throws Exception {
        String jwks = JwtTokens.jwks();
        jwksServer = stack.upstream((ctx, req, n) -> {
            FETCHES.computeIfAbsent(req.uri(), k -> new AtomicInteger()).incrementAndGet();
            TestUpstream.send(ctx, req, 200, jwks);
        });
        brokenJwksServer = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 500, "down"));
        backend = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "body=" + body(req)));
        String filter = """
                - name: envoy.filters.http.jwt_authn
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
                    providers:
                """
                + provider("ondemand", "http://jwks.example/ondemand", "jwks", "cache_duration: 300s")
                + provider("post", "http://jwks.example/post?v=1", "jwks", "cache_duration: 300s")
                + provider("async", "http://jwks.example/async", "jwks", "async_fetch: { fast_listener: true }")
                + provider("broken", "http://jwks.example/broken", "jwks_broken",
                        "retry_policy: { num_retries: 1, retry_back_off: { base_interval: 0.05s } }")
                + "    rules:\n"
                + rule("ondemand", "ondemand") + rule("post", "post") + rule("async", "async")
                + rule("broken", "broken");
        String clusters = Bootstraps.cluster("backend", false, null, backend.port())
                + Bootstraps.cluster("jwks", false, null, jwksServer.port())
                + Bootstraps.cluster("jwks_broken", false, null, brokenJwksServer.port());
        String yaml = stack.http("/dev/null", "- match: { prefix: / }\n  route: { cluster: backend }",
                clusters, "", filter);
        proxy = stack.start(yaml, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"));
    }

    static String body(FullHttpRequest req) {
        return req.content().toString(StandardCharsets.UTF_8);
    }

    static int fetches(String uri) {
        AtomicInteger n = FETCHES.get(uri);
        return n == null ? 0 : n.get();
    }

    static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url(path)))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("authorization", "Bearer " + token);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String token(String provider) throws Exception {
        return rs256(claims("https://" + provider + ".example", "bob", now() + 600, ""));
    }

    static double metric(String name) throws Exception {
        return proxy.metric("envoy_http_jwt_authn_" + name + "{envoy_http_conn_manager_prefix=\"ingress\"}");
    }

    /**
     * jwks_fetch_success counts every good fetch of the filter's providers: the async provider's
     * fetches land whenever they do, so the count is compared with the server's, once it settles.
     */
    static void assertEveryGoodFetchCounted() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (metric("jwks_fetch_success") != goodFetches() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(goodFetches(), metric("jwks_fetch_success"));
    }

    static int goodFetches() {
        return FETCHES.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    @Test
    void keysAreFetchedOnDemandOnceAndCached() throws Exception {
        // A request without a token needs no keys and does not fetch them.
        HttpResponse<String> r = send("GET", "/ondemand", null, null);
        assertEquals(401, r.statusCode());
        assertEquals("Jwt is missing", r.body());
        assertEquals(0, fetches("/ondemand"));

        r = send("GET", "/ondemand", token("ondemand"), null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(1, fetches("/ondemand"));
        assertEveryGoodFetchCounted();
        for (int i = 0; i < 3; i++) {
            assertEquals(200, send("GET", "/ondemand", token("ondemand"), null).statusCode());
        }
        String ec = es256(claims("https://ondemand.example", "bob", now() + 600, ""));
        assertEquals(200, send("GET", "/ondemand", ec, null).statusCode());
        assertEquals(1, fetches("/ondemand"));
        assertEveryGoodFetchCounted();

        // Tokens are still verified against the fetched keys.
        String good = token("ondemand");
        String forged = good.substring(0, good.lastIndexOf('.')) + ec.substring(ec.lastIndexOf('.'));
        r = send("GET", "/ondemand", forged, null);
        assertEquals(401, r.statusCode());
        assertEquals("Jwt verification fails", r.body());
    }

    @Test
    void aRequestWaitingForTheKeysKeepsItsBody() throws Exception {
        HttpResponse<String> r = send("POST", "/post", token("post"), "hello ".repeat(2000));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("body=" + "hello ".repeat(2000), r.body());
        assertEquals(1, fetches("/post?v=1"));
    }

    @Test
    void asyncFetchHappensBeforeTheFirstRequest() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (fetches("/async") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, fetches("/async"));
        assertEquals(200, send("GET", "/async", token("async"), null).statusCode());
        assertEveryGoodFetchCounted(); // the fetch made with the config, before any request, counts too
        assertEquals(200, send("GET", "/async", token("async"), null).statusCode());
        assertEquals(1, fetches("/async"));
    }

    @Test
    void aFailedFetchFailsVerificationAfterTheRetry() throws Exception {
        int before = brokenJwksServer.requests.get();
        double failed = metric("jwks_fetch_failed");
        HttpResponse<String> r = send("GET", "/broken", token("broken"), null);
        assertEquals(401, r.statusCode());
        assertEquals("Jwks remote fetch is failed", r.body());
        assertEquals("Bearer realm=\"http://127.0.0.1:" + stack.port + "/broken\", error=\"invalid_token\"",
                r.headers().firstValue("www-authenticate").orElse(null));
        assertEquals(before + 2, brokenJwksServer.requests.get());
        assertEquals(failed + 1, metric("jwks_fetch_failed"), "one fetch, whatever its retries");
    }
}

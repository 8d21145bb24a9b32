package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * envoy.filters.http.local_ratelimit's {@code local_cluster_rate_limit} through real sockets: the
 * configured bucket is the whole local cluster's (cluster_manager.local_cluster_name), so with two
 * members each request takes two tokens, as Envoy's even share (Envoy's TestLocalClusterRateLimit
 * checks the share factor 1/2 for two members).
 */
class LocalClusterRateLimitE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static final String LIMIT = """
            "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
            stat_prefix: %s
            token_bucket: { max_tokens: %d, tokens_per_fill: 1, fill_interval: 1000s }
            filter_enabled: { default_value: { numerator: 100 } }
            filter_enforced: { default_value: { numerator: 100 } }
            local_cluster_rate_limit: {}
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        String bootstrap = Bootstraps.ingress("", """
                - name: envoy.filters.http.local_ratelimit
                  typed_config:
                %s""".formatted(LIMIT.formatted("whole", 2).indent(4)), """
                - match: { prefix: "/route" }
                  route: { cluster: web }
                  typed_per_filter_config:
                    envoy.filters.http.local_ratelimit:
                %s- match: { prefix: "/" }
                  route: { cluster: web }
                """.formatted(LIMIT.formatted("per_route", 3).indent(6))) + """
                cluster_manager: { local_cluster_name: local }
                """;
        // The local cluster lists this proxy's service: two members, never connected to.
        String clusters = Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()) + "\n"
                + Bootstraps.cluster("local", false, null, ProxyProcess.freePort(), ProxyProcess.freePort()), 2);
        proxy = stack.start(stack.render(bootstrap, Map.of("CLUSTERS", clusters)), List.of("-Xmx256m"));
    }

    static int status(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(stack.url(path))).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void eachRequestTakesTheLocalClustersMemberCountOfTokens() throws Exception {
        // Two tokens, two members: the first request empties the bucket.
        assertEquals(200, status("/a"));
        assertEquals(429, status("/b"));
        assertEquals(1, proxy.stat("whole.http_local_rate_limit.rate_limited"));
    }

    @Test
    void aRoutesOwnBucketIsSharedToo() throws Exception {
        // Three tokens: one request takes two, the one left is not enough for the next.
        assertEquals(200, status("/route/1"));
        assertEquals(429, status("/route/2"));
    }
}

package io.remora.e2e;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jwt_authn {@code async_fetch.fast_listener}: without it the listener is not listened on (a connect is
 * refused) and the server stays INITIALIZING until the first JWKS fetch ends, as Envoy's listener init
 * target holds its static listeners; with it the listener serves at once. The JWKS server answers
 * only when the test lets it.
 */
class JwtAsyncFetchListenerE2ETest {

    @RegisterExtension
    static final E2EStack waiting = new E2EStack();
    @RegisterExtension
    static final E2EStack fast = new E2EStack();
    @RegisterExtension
    static final E2EStack lds = new E2EStack();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A JWKS server holding each fetch until {@link #answer} completes; {@link #asked} counts down on the first. */
    static final class SlowJwks {
        final CompletableFuture<Integer> answer = new CompletableFuture<>();
        final CountDownLatch asked = new CountDownLatch(1);
        final TestUpstream upstream;

        SlowJwks(E2EStack stack) throws InterruptedException {
            String jwks = JwtTokens.jwks();
            upstream = stack.upstream((ctx, req, n) -> hold(ctx, req, jwks));
        }

        private void hold(ChannelHandlerContext ctx, FullHttpRequest req, String jwks) {
            req.retain();
            asked.countDown();
            answer.thenAccept(status -> ctx.executor().execute(() -> {
                try {
                    TestUpstream.send(ctx, req, status, status == 200 ? jwks : "down");
                } finally {
                    req.release();
                }
            }));
        }
    }

    static String bootstrap(E2EStack stack, TestUpstream backend, TestUpstream jwks, boolean fastListener) {
        String filter = """
                - name: envoy.filters.http.jwt_authn
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
                    providers:
                      slow:
                        issuer: "https://slow.example"
                        remote_jwks:
                          http_uri: { uri: "http://jwks.example/keys", cluster: jwks, timeout: 30s }
                          async_fetch: { fast_listener: %s }
                    rules:
                    - match: { prefix: / }
                      requires: { provider_name: slow }
                """.formatted(fastListener);
        String clusters = Bootstraps.cluster("backend", false, null, backend.port())
                + Bootstraps.cluster("jwks", false, null, jwks.port());
        return stack.http("/dev/null", "- match: { prefix: / }\n  route: { cluster: backend }", clusters, "",
                filter);
    }

    static HttpResponse<String> get(E2EStack stack, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url("/"))).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("authorization", "Bearer " + token);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> admin(E2EStack stack, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.adminPort + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void connect(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
    }

    static String token() throws Exception {
        return JwtTokens.rs256(JwtTokens.claims("https://slow.example", "bob", JwtTokens.now() + 600, ""));
    }

    @Test
    void withoutFastListenerTheListenerWaitsForTheFirstFetch() throws Exception {
        TestUpstream backend = waiting.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        SlowJwks jwks = new SlowJwks(waiting);
        String yaml = bootstrap(waiting, backend, jwks.upstream, false);
        CompletableFuture<ProxyProcess> started = CompletableFuture.supplyAsync(() -> {
            try {
                return waiting.start(yaml, List.of("-Xmx256m"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(jwks.asked.await(30, TimeUnit.SECONDS), "no JWKS fetch");
        // The fetch is under way: the admin answers, the listener does not listen.
        HttpResponse<String> ready = admin(waiting, "/ready");
        assertEquals(503, ready.statusCode());
        assertEquals("INITIALIZING\n", ready.body());
        assertTrue(admin(waiting, "/server_info").body().replace(" ", "").contains("\"state\":\"INITIALIZING\""));
        assertTrue(admin(waiting, "/init_dump").body().contains("Jwks async fetching url=http://jwks.example/keys"));
        assertThrows(ConnectException.class, () -> connect(waiting.port));
        Thread.sleep(300);
        assertThrows(ConnectException.class, () -> connect(waiting.port));
        assertFalse(started.isDone());

        jwks.answer.complete(200);
        ProxyProcess proxy = started.get(30, TimeUnit.SECONDS);
        assertEquals(200, get(waiting, token()).statusCode());
        assertEquals(1, jwks.upstream.requests.get(), "the request used the keys the async fetch brought");
        assertTrue(proxy.admin("/server_info").replace(" ", "").contains("\"state\":\"LIVE\""));
    }

    @Test
    void withFastListenerTheListenerServesAtOnce() throws Exception {
        TestUpstream backend = fast.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        SlowJwks jwks = new SlowJwks(fast);
        fast.start(bootstrap(fast, backend, jwks.upstream, true), List.of("-Xmx256m"));
        assertTrue(jwks.asked.await(30, TimeUnit.SECONDS), "no JWKS fetch");
        // Served while the fetch hangs: a request without a token needs no keys.
        HttpResponse<String> r = get(fast, null);
        assertEquals(401, r.statusCode());
        assertEquals("Jwt is missing", r.body());
        jwks.answer.complete(200);
        assertEquals(200, get(fast, token()).statusCode());
    }

    /**
     * The static bootstrap made dynamic: its clusters stay static, its listener comes from an LDS file
     * (path_config_source), at first empty.
     */
    static String ldsBootstrap(String staticYaml, Path ldsFile) {
        String listeners = staticYaml.substring(staticYaml.indexOf("  listeners:\n") + "  listeners:\n".length(),
                staticYaml.indexOf("  clusters:\n"));
        String admin = staticYaml.substring(0, staticYaml.indexOf("static_resources:\n"));
        return admin + "dynamic_resources:\n  lds_config: { path_config_source: { path: \"" + ldsFile
                + "\" }, resource_api_version: V3 }\n" + "static_resources:\n"
                + staticYaml.substring(staticYaml.indexOf("  clusters:\n")) + "\n# listeners:\n" + listeners.replaceAll("(?m)^", "#");
    }

    /** The listener commented out at the end of {@link #ldsBootstrap}, as an LDS file's resources. */
    static String ldsResources(String bootstrap, String version) {
        String listener = bootstrap.substring(bootstrap.indexOf("# listeners:\n") + "# listeners:\n".length())
                .replaceAll("(?m)^#  ", "");
        return "version_info: \"" + version + "\"\nresources:\n"
                + listener.replaceFirst("- name: ", "- \"@type\": type.googleapis.com/envoy.config.listener.v3.Listener\n  name: ");
    }

    @Test
    void aListenerAddedByLdsWarmsUntilTheFirstFetchWhileTheServerStaysLive() throws Exception {
        TestUpstream backend = lds.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        SlowJwks jwks = new SlowJwks(lds);
        Path dir = io.remora.testing.TempPaths.directory("remora-jwt-lds");
        Path ldsFile = dir.resolve("lds.yaml");
        Files.writeString(ldsFile, "version_info: \"0\"\nresources: []\n");
        String bootstrap = ldsBootstrap(bootstrap(lds, backend, jwks.upstream, false), ldsFile);
        ProxyProcess proxy = lds.start(bootstrap, List.of("-Xmx256m"));

        // Envoy's documented way to change a watched file: write beside it, move into place.
        Path tmp = dir.resolve("lds.yaml.tmp");
        Files.writeString(tmp, ldsResources(bootstrap, "1"));
        Files.move(tmp, ldsFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(jwks.asked.await(30, TimeUnit.SECONDS), "no JWKS fetch:\n" + proxy.log());
        assertThrows(ConnectException.class, () -> connect(lds.port));
        assertEquals(200, admin(lds, "/ready").statusCode(), "a warming listener added after init leaves the server LIVE");
        assertFalse(proxy.admin("/listeners").contains("http::"), proxy.admin("/listeners"));
        assertTrue(proxy.admin("/init_dump").contains("Listener-local-init-manager http"), proxy.admin("/init_dump"));
        String dump = proxy.admin("/config_dump?resource=dynamic_listeners");
        assertTrue(dump.contains("warming_state") && !dump.contains("active_state"), dump);

        jwks.answer.complete(200);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                connect(lds.port);
                break;
            } catch (ConnectException notYet) {
                Thread.sleep(20);
            }
        }
        assertEquals(200, get(lds, token()).statusCode());
        assertEquals(1, jwks.upstream.requests.get());
        dump = proxy.admin("/config_dump?resource=dynamic_listeners");
        assertTrue(dump.contains("active_state") && !dump.contains("warming_state"), dump);
    }
}

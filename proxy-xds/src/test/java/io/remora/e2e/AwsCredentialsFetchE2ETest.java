package io.remora.e2e;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request signing filter with credentials from the container endpoint
 * ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI} on 127.0.0.1, with {@code
 * AWS_CONTAINER_AUTHORIZATION_TOKEN}): a request, and a Lambda invocation with a body, that come
 * while the first fetch is held wait and are then signed with the fetched key id and session token;
 * credentials about to expire are fetched again and later requests signed with the new ones.
 */
class AwsCredentialsFetchE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static final AtomicReference<SigV4Check> received = new AtomicReference<>();
    static final AtomicReference<SigV4Check> invoked = new AtomicReference<>();
    static final List<String> credentialAuthorizations = new CopyOnWriteArrayList<>();
    /** The first credentials request, answered when the test says so. */
    static final CompletableFuture<Runnable> firstFetch = new CompletableFuture<>();
    static TestUpstream app;
    static TestUpstream credentials;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        app = stack.upstream((ctx, req, n) -> {
            (req.uri().startsWith("/2015-03-31/") ? invoked : received).set(SigV4Check.of(req));
            TestUpstream.send(ctx, req, 200, "ok");
        });
        credentials = stack.upstream((ctx, req, n) -> {
            credentialAuthorizations.add(req.uri() + " " + req.headers().get("authorization"));
            if (n == 1) {
                req.retain();
                firstFetch.complete(() -> ctx.executor().execute(() -> {
                    // Expiring soon: refreshed 5 s before, so within the test.
                    answer(ctx, req, 1, Instant.now().plusSeconds(8));
                    req.release();
                }));
            } else {
                answer(ctx, req, n, Instant.now().plusSeconds(3600));
            }
        });
        String filters = """
                - name: envoy.filters.http.aws_request_signing
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning
                    service_name: svc
                    region: eu-west-1
                - name: envoy.filters.http.aws_lambda
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.aws_lambda.v3.Config
                    arn: "arn:aws:lambda:us-west-2:123456789012:function:fn"
                    payload_passthrough: true
                """;
        String routes = """
                - match: { prefix: "/lambda" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.aws_request_signing:
                      "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                      disabled: true
                - match: { prefix: "/" }
                  route: { cluster: app }
                  typed_per_filter_config:
                    envoy.filters.http.aws_lambda:
                      "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                      disabled: true
                """;
        String yaml = stack.http(TempPaths.file("aws-fetch-access", ".log").toString(), routes,
                Bootstraps.cluster("app", false, null, app.port()), "", filters);
        ProxyProcess.Launch local = ProxyProcess.Launch.local();
        ProxyProcess.Launch withContainerEndpoint = new ProxyProcess.Launch(List.of("env", "-u", "AWS_ACCESS_KEY_ID",
                "-u", "AWS_PROFILE", "HOME=/nonexistent", "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:"
                        + credentials.port() + "/v2/credentials/task",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN=container-token"), local.classpath(), local.admin());
        proxy = ProxyProcess.start(withContainerEndpoint, yaml, stack.adminPort, List.of("-Xmx256m"));
        stack.own(proxy::closeCheckingLeaks);
    }

    private static void answer(ChannelHandlerContext ctx, FullHttpRequest req, int n, Instant expiration) {
        TestUpstream.send(ctx, req, 200, "{\"RoleArn\":\"arn:aws:iam::1:role/task\",\"AccessKeyId\":\"AKIDFETCH" + n
                + "\",\"SecretAccessKey\":\"secret" + n + "\",\"Token\":\"session" + n + "\",\"Expiration\":\""
                + expiration + "\"}");
    }

    private static CompletableFuture<Curl> curlInBackground(String... args) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Curl.run(args);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void requestsWaitForTheFetchThenAreSignedWithItsCredentialsUntilTheyAreRefreshed() throws Exception {
        Runnable release = firstFetch.get(30, TimeUnit.SECONDS);
        CompletableFuture<Curl> first = curlInBackground(stack.url("/obj"));
        CompletableFuture<Curl> invocation = curlInBackground("--data-binary", "payload", stack.url("/lambda/x"));
        Thread.sleep(700);
        assertFalse(first.isDone(), "the request waits while the credentials are fetched");
        assertFalse(invocation.isDone(), "so does the Lambda invocation, its body held");
        assertEquals(0, app.requests.get(), "nothing went upstream unsigned");
        release.run();
        assertEquals(200, first.get(30, TimeUnit.SECONDS).status());
        assertEquals(200, invocation.get(30, TimeUnit.SECONDS).status());
        SigV4Check call = invoked.get();
        assertEquals("/2015-03-31/functions/fn/invocations", call.uri());
        assertEquals(List.of("AKIDFETCH1", "us-west-2", "lambda"),
                List.of(call.authorization()[0], call.authorization()[2], call.authorization()[3]));
        assertEquals("payload", new String(call.body()));
        assertEquals(call.expectedSignature("secret1"), call.authorization()[5]);
        SigV4Check req = received.get();
        String[] auth = req.authorization();
        assertEquals(List.of("AKIDFETCH1", "eu-west-1", "svc"), List.of(auth[0], auth[2], auth[3]));
        assertEquals("session1", req.header("x-amz-security-token"));
        assertEquals(req.expectedSignature("secret1"), auth[5]);
        assertEquals("/v2/credentials/task container-token", credentialAuthorizations.get(0));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (credentials.requests.get() < 2) {
            assertTrue(System.nanoTime() < deadline, "fetched again 5 s before the expiration");
            Thread.sleep(100);
        }
        Curl later = Curl.run(stack.url("/obj"));
        assertEquals(200, later.status());
        req = received.get();
        assertEquals("AKIDFETCH2", req.authorization()[0]);
        assertEquals("session2", req.header("x-amz-security-token"));
        assertEquals(req.expectedSignature("secret2"), req.authorization()[5]);
        assertEquals(2, proxy.metric("envoy_aws_metadata_credentials_provider_ecs_task_metadata_server_internal_"
                + "credential_refreshes_succeeded"));
    }
}

package io.remora.e2e;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AWS Lambda filter through a real proxy to an upstream playing Lambda: it records each
 * invocation (path, invocation type, SigV4 re-checked by {@link SigV4Check}, the JSON document
 * of the request) and answers as a function would; curl sees the response the document
 * describes. A route invokes another function asynchronously with the payload passed through.
 */
class AwsLambdaE2ETest {

    static final String ARN = "arn:aws:lambda:us-east-2:123456789012:function:greeter:live";

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static final AtomicReference<SigV4Check> received = new AtomicReference<>();
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        TestUpstream lambda = stack.upstream((ctx, req, n) -> {
            SigV4Check invocation = SigV4Check.of(req);
            received.set(invocation);
            if (!"RequestResponse".equals(invocation.header("x-amz-invocation-type"))) {
                TestUpstream.send(ctx, req, 202, "raw:" + new String(invocation.body(), StandardCharsets.UTF_8));
                return;
            }
            String rawPath = JsonParser.parseString(new String(invocation.body(), StandardCharsets.UTF_8))
                    .getAsJsonObject().get("rawPath").getAsString();
            if (rawPath.startsWith("/bad")) {
                TestUpstream.send(ctx, req, 200, "this is not a response document");
            } else if (rawPath.startsWith("/error")) {
                TestUpstream.send(ctx, req, 200, "{\"errorMessage\":\"boom\"}",
                        Map.of("x-amz-function-error", "Unhandled"));
            } else if (rawPath.startsWith("/plain")) {
                TestUpstream.send(ctx, req, 200, "{\"body\":\"plain text\",\"headers\":{\"X-Fn\":\"plain\"}}");
            } else {
                String body = Base64.getEncoder().encodeToString("hello from lambda".getBytes(StandardCharsets.UTF_8));
                TestUpstream.send(ctx, req, 200, "{\"statusCode\":201,\"headers\":{\"x-fn\":\"yes\","
                        + "\"content-type\":\"text/plain\"},\"cookies\":[\"a=1\",\"b=2; Path=/\"],"
                        + "\"multiValueHeaders\":{\"x-ignored\":[\"1\"]},\"body\":\"" + body
                        + "\",\"isBase64Encoded\":true}");
            }
        });
        String filters = """
                - name: envoy.filters.http.aws_lambda
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.aws_lambda.v3.Config
                    arn: "%s"
                    host_rewrite: lambda.us-east-2.amazonaws.com
                    credentials: { access_key_id: AKIDLAMBDA, secret_access_key: lambdasecret, session_token: tok }
                """.formatted(ARN);
        String routes = """
                - match: { prefix: "/upstream" }
                  route: { cluster: lambda_upstream }
                  typed_per_filter_config:
                    envoy.filters.http.aws_lambda:
                      "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                      disabled: true
                - match: { prefix: "/async" }
                  route: { cluster: lambda }
                  typed_per_filter_config:
                    envoy.filters.http.aws_lambda:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.aws_lambda.v3.PerRouteConfig
                      invoke_config:
                        arn: "arn:aws:lambda:eu-central-1:123456789012:function:worker"
                        payload_passthrough: true
                        invocation_mode: ASYNCHRONOUS
                        credentials: { access_key_id: AKIDASYNC, secret_access_key: asyncsecret }
                - match: { prefix: "/" }
                  route: { cluster: lambda }
                """;
        // The same function invoked by the cluster's upstream filter (Envoy's documented layout);
        // the connection manager's filter is disabled on that route.
        String upstreamFilters = """
                  typed_extension_protocol_options:
                    envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                      "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                      explicit_http_config: { http_protocol_options: {} }
                      http_filters:
                      - name: lambda-upstream
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.aws_lambda.v3.Config
                          arn: "arn:aws:lambda:us-west-2:123456789012:function:upstream_fn"
                          host_rewrite: lambda.us-west-2.amazonaws.com
                          credentials: { access_key_id: AKIDUP, secret_access_key: upsecret }
                      - name: envoy.filters.http.upstream_codec
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec
                """;
        proxy = stack.start(stack.http(TempPaths.file("lambda-access", ".log").toString(), routes,
                Bootstraps.cluster("lambda", false, null, lambda.port()) + "\n"
                        + Bootstraps.cluster("lambda_upstream", false, upstreamFilters, lambda.port()), "", filters));
    }

    static JsonObject document(SigV4Check invocation) {
        return JsonParser.parseString(new String(invocation.body(), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void requestIsWrappedSignedAndTheResponseUnwrapped() throws Exception {
        Curl r = Curl.run("-H", "x-caller: me", "-H", "x-caller: you", stack.url("/hello/world?q=1&q=2&other"));
        assertEquals(201, r.status(), "the document's statusCode");
        assertEquals("hello from lambda", r.text(), "the document's base64 body, decoded");
        assertEquals("yes", r.header("x-fn"));
        assertEquals("application/json", r.header("content-type"), "as Envoy, the filter sets it after the headers");
        assertEquals("a=1, b=2; Path=/", r.header("set-cookie"), "one set-cookie per cookie");
        assertFalse(r.headers().containsKey("x-ignored"), "multiValueHeaders is not in Envoy's response document");

        SigV4Check invocation = received.get();
        assertEquals("POST", invocation.method());
        assertEquals("/2015-03-31/functions/greeter:live/invocations", invocation.uri());
        assertEquals("RequestResponse", invocation.header("x-amz-invocation-type"));
        assertEquals("lambda.us-east-2.amazonaws.com", invocation.header("host"));
        assertEquals("application/json", invocation.header("content-type"));
        assertEquals("tok", invocation.header("x-amz-security-token"));
        String[] auth = invocation.authorization();
        assertEquals(List.of("AKIDLAMBDA", "us-east-2", "lambda"), List.of(auth[0], auth[2], auth[3]));
        assertEquals(invocation.expectedSignature("lambdasecret"), auth[5]);

        JsonObject doc = document(invocation);
        assertEquals("/hello/world?q=1&q=2&other", doc.get("rawPath").getAsString());
        assertEquals("GET", doc.get("method").getAsString());
        assertEquals("me,you", doc.getAsJsonObject("headers").get("x-caller").getAsString());
        assertFalse(doc.getAsJsonObject("headers").has("host"), "the authority is a pseudo-header, left out as Envoy's");
        JsonObject query = doc.getAsJsonObject("queryStringParameters");
        assertEquals("2", query.get("q").getAsString(), "of a repeated parameter the last wins");
        assertEquals("", query.get("other").getAsString());
        assertEquals("", doc.get("body").getAsString());
        assertFalse(doc.get("isBase64Encoded").getAsBoolean());
    }

    @Test
    void textualBodyIsSentAsTextOthersAsBase64() throws Exception {
        Curl.run("-H", "content-type: application/json", "--data-binary", "{\"k\":\"v\"}", stack.url("/json"));
        JsonObject doc = document(received.get());
        assertEquals("POST", doc.get("method").getAsString());
        assertEquals("{\"k\":\"v\"}", doc.get("body").getAsString());
        assertFalse(doc.get("isBase64Encoded").getAsBoolean());
        assertEquals(received.get().expectedSignature("lambdasecret"), received.get().authorization()[5]);

        byte[] binary = new byte[70_000];
        new java.util.Random(3).nextBytes(binary);
        Path file = TempPaths.file("lambda-body", ".bin");
        Files.write(file, binary);
        Curl.run("-H", "content-type: application/octet-stream", "-H", "Transfer-Encoding: chunked", "-H", "Expect:",
                "--data-binary", "@" + file, stack.url("/binary"));
        doc = document(received.get());
        assertTrue(doc.get("isBase64Encoded").getAsBoolean());
        assertArrayEquals(binary, Base64.getDecoder().decode(doc.get("body").getAsString()));
        assertEquals(received.get().expectedSignature("lambdasecret"), received.get().authorization()[5]);
        assertTrue(proxy.metric("envoy_http_aws_lambda_upstream_rq_payload_size_count"
                + "{envoy_http_conn_manager_prefix=\"ingress\"}") >= 2);
    }

    /** As a cluster's upstream filter: the try is the invocation, signed, its answer unwrapped; stats under the cluster. */
    @Test
    void upstreamFilterOfTheClusterInvokesTheFunction() throws Exception {
        String payload = "envoy_cluster_aws_lambda_upstream_rq_payload_size_count{envoy_cluster_name=\"lambda_upstream\"}";
        Curl r = Curl.run(stack.url("/upstream/hello"));
        assertEquals(201, r.status());
        assertEquals("hello from lambda", r.text());
        SigV4Check invocation = received.get();
        assertEquals("/2015-03-31/functions/upstream_fn/invocations", invocation.uri());
        assertEquals("lambda.us-west-2.amazonaws.com", invocation.header("host"));
        assertEquals("/upstream/hello", document(invocation).get("rawPath").getAsString());
        String[] auth = invocation.authorization();
        assertEquals(List.of("AKIDUP", "us-west-2", "lambda"), List.of(auth[0], auth[2], auth[3]));
        assertEquals(invocation.expectedSignature("upsecret"), auth[5]);
        assertEquals(1.0, proxy.metric(payload));
    }

    @Test
    void responseWithoutStatusKeepsTheFunctionsStatus() throws Exception {
        Curl r = Curl.run(stack.url("/plain"));
        assertEquals(200, r.status());
        assertEquals("plain text", r.text());
        assertEquals("plain", r.header("x-fn"), "header names lower-cased");
    }

    @Test
    void notADocumentIsA500() throws Exception {
        String serverError = "envoy_http_aws_lambda_server_error{envoy_http_conn_manager_prefix=\"ingress\"}";
        double before = proxy.metric(serverError);
        Curl r = Curl.run(stack.url("/bad"));
        assertEquals(500, r.status());
        assertEquals("", r.text());
        assertEquals(before + 1, proxy.metric(serverError));
    }

    @Test
    void functionErrorIsReturnedAsItIs() throws Exception {
        Curl r = Curl.run(stack.url("/error"));
        assertEquals(200, r.status());
        assertEquals("Unhandled", r.header("x-amz-function-error"));
        assertEquals("{\"errorMessage\":\"boom\"}", r.text());
    }

    @Test
    void routeInvokesAsynchronouslyWithThePayloadAsItIs() throws Exception {
        Curl r = Curl.run("--data-binary", "event payload", stack.url("/async/job"));
        assertEquals(202, r.status());
        assertEquals("raw:event payload", r.text(), "neither request nor response transformed");
        SigV4Check invocation = received.get();
        assertEquals("Event", invocation.header("x-amz-invocation-type"));
        assertEquals("/2015-03-31/functions/worker/invocations", invocation.uri());
        String[] auth = invocation.authorization();
        assertEquals(List.of("AKIDASYNC", "eu-central-1", "lambda"), List.of(auth[0], auth[2], auth[3]));
        assertEquals(invocation.expectedSignature("asyncsecret"), auth[5]);
    }
}

package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The grpc_json_transcoder filter between curl sending REST/JSON and a grpc-java server of the
 * bookstore service (descriptors built in the test, google.api.http options included): path and
 * query bindings, a body field, google.api.HttpBody, auto_mapping, server streaming, gRPC errors mapped to HTTP
 * statuses (and to google.rpc.Status JSON on a route with convert_grpc_status), and requests that
 * match no binding, or a route that disables the filter, passing through untouched.
 */
class GrpcJsonTranscoderE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream plain;
    static final Map<String, String> grpcSaw = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        int grpcPort = BookstoreService.serve(stack, grpcSaw);
        plain = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "plain " + req.method() + " " + req.uri()));
        Path descriptor = BookstoreService.descriptorFile();
        String disabled = "\"@type\": " + BookstoreService.TRANSCODER_TYPE + "\nproto_descriptor: " + descriptor;
        String routes = route("x-no-transcode", "plain", "", disabled)
                + route("x-convert", "grpc_backend", "", BookstoreService.transcoderConfig(descriptor, """
                        convert_grpc_status: true
                        print_options: { stream_newline_delimited: true }
                        """))
                + route("x-keep", "grpc_backend", "response_headers_to_add: [{ header: { key: x-route, value: keep } }]",
                        BookstoreService.transcoderConfig(descriptor, "match_incoming_request_route: true"))
                + """
                - match: { prefix: "/bookstore.Bookstore/" }
                  route: { cluster: grpc_backend, timeout: 0s }
                - match: { prefix: "/" }
                  route: { cluster: plain, timeout: 0s }
                """;
        String filters = BookstoreService.transcoderFilter(descriptor, "auto_mapping: true");
        stack.start(stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("grpc_backend", true, null, grpcPort)
                        + Bootstraps.cluster("plain", false, null, plain.port()), "", filters));
    }

    @Test
    void getBindsThePathVariableAndTheQuery() throws Exception {
        for (String protocol : List.of("--http1.1", "--http2-prior-knowledge")) {
            Curl r = curl(protocol, stack.url("/shelves/7?theme=old%20books"));
            assertEquals(200, r.status(), protocol + " " + r.headers());
            assertEquals("application/json", r.header("content-type"));
            assertEquals("{\"id\":\"7\",\"theme\":\"old books\"}", r.text());
            assertEquals("0", r.header("grpc-status"));
            assertEquals(Integer.toString(r.body().length), r.header("content-length"));
            assertEquals("/shelves/7?theme=old%20books", grpcSaw.get("x-envoy-original-path"));
            assertEquals("GET", grpcSaw.get("x-envoy-original-method"));
            assertEquals("application/grpc", grpcSaw.get("content-type"));
        }
    }

    @Test
    void matchIncomingRequestRouteKeepsTheRouteOfTheRestPath() throws Exception {
        Curl r = curl("-H", "x-keep: 1", stack.url("/shelves/8"));
        assertEquals(200, r.status(), r.headers().toString());
        assertEquals("{\"id\":\"8\"}", r.text());
        // Looked up again after the rewrite, the request would have gone by the /bookstore.Bookstore/ route.
        assertEquals("keep", r.header("x-route"), "the route matched before the rewrite served it");
    }

    @Test
    void additionalBindingKeepsReservedCharactersOfMultiSegmentVariables() throws Exception {
        Curl r = curl(stack.url("/v1/themes/sci%20fi/a%2Fb"));
        assertEquals(200, r.status(), r.headers().toString());
        assertEquals("{\"theme\":\"themes/sci fi/a%2Fb\"}", r.text());
    }

    @Test
    void postBodyGoesToItsFieldBesideThePathVariable() throws Exception {
        Curl r = curl("-X", "POST", "-H", "content-type: application/json",
                "--data-binary", "{\"title\":\"Dune\",\"genre\":\"FICTION\"}", stack.url("/shelves/3/books"));
        assertEquals(200, r.status(), r.headers().toString());
        assertEquals("{\"id\":\"3\",\"title\":\"Dune\",\"genre\":\"FICTION\"}", r.text());
    }

    @Test
    void autoMappingPostsTheWholeMessage() throws Exception {
        Curl r = curl("-H", "content-type: application/json", "--data-binary", "{\"id\":\"41\"}",
                stack.url("/bookstore.Bookstore/Renumber"));
        assertEquals(200, r.status(), r.headers().toString());
        assertEquals("{\"id\":\"42\"}", r.text());
    }

    @Test
    void httpBodyCarriesRawBytesBothWays() throws Exception {
        Curl r = curl("-H", "content-type: image/png", "--data-binary", "abc", stack.url("/covers"));
        assertEquals(200, r.status(), r.headers().toString());
        assertEquals("text/plain", r.header("content-type"));
        assertEquals("got abc as image/png", r.text());
        assertEquals("20", r.header("content-length"));
    }

    @Test
    void malformedJsonIsRefusedWith400() throws Exception {
        Curl r = curl("-H", "content-type: application/json", "--data-binary", "{\"title\":", stack.url("/shelves/3/books"));
        assertEquals(400, r.status(), r.text());
        r = curl("-H", "content-type: application/json", "--data-binary", "{\"nope\":1}", stack.url("/shelves/3/books"));
        assertEquals(400, r.status(), r.text());
        r = curl("-H", "content-type: application/json", "--data-binary", "{title:\"x\"}", stack.url("/shelves/3/books"));
        assertEquals(400, r.status(), "unquoted names are not JSON: " + r.text());
    }

    @Test
    void grpcErrorBecomesItsHttpStatus() throws Exception {
        Curl r = curl("-X", "DELETE", stack.url("/shelves/9"));
        assertEquals(404, r.status(), r.headers().toString());
        assertEquals("5", r.header("grpc-status"));
        assertEquals("no shelf 9", r.header("grpc-message"));
        assertEquals(0, r.body().length);
    }

    @Test
    void convertGrpcStatusAnswersGoogleRpcStatusJson() throws Exception {
        Curl r = curl("-X", "DELETE", "-H", "x-convert: 1", stack.url("/shelves/9"));
        assertEquals(404, r.status(), r.headers().toString());
        assertEquals("application/json", r.header("content-type"));
        assertEquals("{\"code\":5,\"message\":\"no shelf 9\"}", r.text());
        assertNull(r.header("grpc-status"));
    }

    @Test
    void serverStreamIsAJsonArrayOrNewlineDelimited() throws Exception {
        Curl r = curl(stack.url("/shelves/5/books"));
        assertEquals(200, r.status(), r.headers().toString());
        assertEquals("application/json", r.header("content-type"));
        assertEquals("[{\"id\":\"5\",\"title\":\"a\"},{\"id\":\"5\",\"title\":\"b\"}]", r.text());
        r = curl("-H", "x-convert: 1", stack.url("/shelves/5/books"));
        assertEquals("{\"id\":\"5\",\"title\":\"a\"}\n{\"id\":\"5\",\"title\":\"b\"}\n", r.text());
    }

    @Test
    void requestsMatchingNoBindingPassThrough() throws Exception {
        Curl r = curl(stack.url("/plain/x?y=1"));
        assertEquals("plain GET /plain/x?y=1", r.text());
        assertNull(plain.lastHeaders.get("x-envoy-original-path"));
        // A query parameter naming no field of the request: passed through as it came.
        r = curl(stack.url("/shelves/7?nope=1"));
        assertEquals("plain GET /shelves/7?nope=1", r.text());
        // A POST to a GET binding.
        r = curl("--data-binary", "{}", stack.url("/shelves/7"));
        assertEquals("plain POST /shelves/7", r.text());
    }

    @Test
    void routeWithoutServicesDisablesTheFilter() throws Exception {
        Curl r = curl("-H", "x-no-transcode: 1", stack.url("/shelves/7"));
        assertEquals("plain GET /shelves/7", r.text());
        assertEquals(null, plain.lastHeaders.get("x-envoy-original-path"));
    }

    /** A route for requests with {@code header} (on /shelves/ for x-keep), with this transcoder config. */
    private static String route(String header, String cluster, String fields, String transcoderConfig) {
        String prefix = header.equals("x-keep") ? "/shelves/" : "/";
        return "- match: { prefix: \"" + prefix + "\", headers: [{ name: " + header + ", present_match: true }] }\n"
                + "  route: { cluster: " + cluster + ", timeout: 0s }\n" + fields.indent(2)
                + "  typed_per_filter_config:\n    envoy.filters.http.grpc_json_transcoder:\n"
                + transcoderConfig.indent(6);
    }

    private static Curl curl(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.stream().noneMatch(a -> a.startsWith("--http"))) {
            all.add(0, "--http1.1");
        }
        return Curl.run(all.toArray(String[]::new));
    }
}

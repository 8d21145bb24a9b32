package io.remora.e2e;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ext_authz against real authorization servers started here: a plain HTTP one and a grpc-java
 * {@code envoy.service.auth.v3.Authorization} one; allow (headers passed upstream), deny (the
 * service's status, body and headers reach the client, flag UAEX), errors, an authorizer that is
 * down with failure_mode_allow on and off, per-route disable and check settings, stats.
 */
class ExtAuthzE2ETest {

    static TestUpstream backend;
    static TestUpstream httpAuthz;
    static Server grpcAuthz;
    static ProxyProcess proxy;
    static int httpPort;
    static int grpcPort;
    static int metadataRoutePort;
    static int noIngestPort;
    static int downClosedPort;
    static int downOpenPort;
    static int netAllowPort;
    static int netDenyPort;
    static int sampledPort;
    static int denyAtDisablePort;
    static Path accessLog;
    static final AtomicInteger grpcChecks = new AtomicInteger();
    static final AtomicReference<CheckRequest> lastCheck = new AtomicReference<>();
    static final Map<String, String> lastHttpAuthzHeaders = new ConcurrentHashMap<>();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        backend = TestUpstream.start((ctx, req, n) -> {
            if (req.uri().contains("appends")) {
                TestUpstream.send(ctx, req, 200, "tags=" + req.headers().getAll("x-tag") + " absent="
                        + req.headers().get("x-absent"));
                return;
            }
            // Echo what the authorizer added, so the client can see it arrived upstream.
            String user = req.headers().get("x-authz-user");
            String grpcUser = req.headers().get("x-authz-grpc");
            String failMode = req.headers().get("x-envoy-auth-failure-mode-allowed");
            TestUpstream.send(ctx, req, 200, "backend user=" + user + " grpc=" + grpcUser + " failmode=" + failMode
                    + " secret=" + req.headers().get("x-secret"));
        });
        httpAuthz = TestUpstream.start((ctx, req, n) -> {
            lastHttpAuthzHeaders.clear();
            req.headers().forEach(e -> lastHttpAuthzHeaders.put(e.getKey().toLowerCase(), e.getValue()));
            lastHttpAuthzHeaders.put(":path", req.uri());
            lastHttpAuthzHeaders.put(":method", req.method().name());
            String uri = req.uri();
            if (uri.contains("deny")) {
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.UNAUTHORIZED,
                        Unpooled.copiedBuffer("custom deny", StandardCharsets.UTF_8));
                r.headers().set("content-length", 11).set("x-deny-reason", "nope").set("x-internal", "hidden")
                        .set("www-authenticate", "Bearer realm=test");
                ctx.writeAndFlush(r);
            } else if (uri.contains("error")) {
                TestUpstream.send(ctx, req, 500, "authz broke");
            } else {
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.EMPTY_BUFFER);
                r.headers().set("content-length", 0).set("x-authz-user", "alice").set("x-not-allowed", "x")
                        .set("x-envoy-auth-headers-to-remove", "x-secret");
                ctx.writeAndFlush(r);
            }
        });
        grpcAuthz = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new AuthorizationGrpc.AuthorizationImplBase() {
                    @Override
                    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
                        grpcChecks.incrementAndGet();
                        lastCheck.set(request);
                        String path = request.getAttributes().getRequest().getHttp().getPath();
                        CheckResponse.Builder r = CheckResponse.newBuilder();
                        boolean connectionToDeny = !request.getAttributes().getRequest().hasHttp()
                                && request.getAttributes().getDestination().getAddress().getSocketAddress()
                                .getPortValue() == netDenyPort;
                        if (path.contains("deny") || connectionToDeny) {
                            r.setStatus(Status.newBuilder().setCode(Code.PERMISSION_DENIED_VALUE))
                                    .setDeniedResponse(DeniedHttpResponse.newBuilder()
                                            .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Unauthorized))
                                            .setBody("grpc says no")
                                            .addHeaders(header("x-deny-reason", "grpc")));
                        } else if (path.contains("manyheaders") || path.contains("bigheader")) {
                            // More headers than max_headers_count (100), or more bytes than max_request_headers_kb (60).
                            OkHttpResponse.Builder ok = OkHttpResponse.newBuilder();
                            if (path.contains("manyheaders")) {
                                for (int i = 0; i < 100; i++) {
                                    ok.addHeaders(header("x-many-" + i, "v"));
                                }
                            } else {
                                ok.addHeaders(header("x-big", "b".repeat(61 * 1024)));
                            }
                            r.setStatus(Status.newBuilder().setCode(Code.OK_VALUE)).setOkResponse(ok);
                        } else if (path.contains("appends")) {
                            r.setStatus(Status.newBuilder().setCode(Code.OK_VALUE)).setOkResponse(OkHttpResponse.newBuilder()
                                    .addHeaders(appended("x-tag", "authz")).addHeaders(appended("x-absent", "nope")));
                        } else if (path.contains("slow")) {
                            try {
                                Thread.sleep(6000);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            r.setStatus(Status.newBuilder().setCode(Code.OK_VALUE));
                        } else {
                            r.setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
                                    .setOkResponse(OkHttpResponse.newBuilder()
                                            .addHeaders(header("x-authz-grpc", "yes"))
                                            .addResponseHeadersToAdd(header("x-resp-from-authz", "added")))
                                    .setDynamicMetadata(Struct.newBuilder()
                                            .putFields("checked_by", Value.newBuilder().setStringValue("grpc").build()));
                        }
                        out.onNext(r.build());
                        out.onCompleted();
                    }
                }).build().start();
        int admin = ProxyProcess.freePort();
        httpPort = ProxyProcess.freePort();
        grpcPort = ProxyProcess.freePort();
        metadataRoutePort = ProxyProcess.freePort();
        noIngestPort = ProxyProcess.freePort();
        downClosedPort = ProxyProcess.freePort();
        downOpenPort = ProxyProcess.freePort();
        int deadPort = ProxyProcess.freePort();
        netAllowPort = ProxyProcess.freePort();
        netDenyPort = ProxyProcess.freePort();
        sampledPort = ProxyProcess.freePort();
        denyAtDisablePort = ProxyProcess.freePort();
        accessLog = TempPaths.file("extauthz-access", ".log");
        String httpFilter = """
                - name: envoy.filters.http.ext_authz
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                    http_service:
                      server_uri: { uri: "http://authz", cluster: http_authz, timeout: 2s }
                      path_prefix: /authz
                      authorization_request:
                        allowed_headers: { patterns: [{ exact: x-user-token }] }
                        headers_to_add: [{ key: x-from-proxy, value: remora }]
                      authorization_response:
                        allowed_upstream_headers: { patterns: [{ exact: x-authz-user }] }
                        allowed_client_headers: { patterns: [{ exact: x-deny-reason }] }
                """;
        String grpcFilter = """
                - name: envoy.filters.http.ext_authz
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                    grpc_service:
                      envoy_grpc: { cluster_name: grpc_authz, authority: authz.local }
                      timeout: 4s
                    transport_api_version: V3
                    with_request_body: { max_request_bytes: 8000, allow_partial_message: true }
                """;
        String grpcRoutes = """
                - match: { prefix: /public }
                  route: { cluster: backend }
                  typed_per_filter_config:
                    envoy.filters.http.ext_authz:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute
                      disabled: true
                - match: { prefix: / }
                  route: { cluster: backend }
                  typed_per_filter_config:
                    envoy.filters.http.ext_authz:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute
                      check_settings: { context_extensions: { service: shop } }
                """;
        String downFilter = """
                - name: envoy.filters.http.ext_authz
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                    grpc_service: { envoy_grpc: { cluster_name: dead_authz }, timeout: 1s }
                    failure_mode_allow: %s
                    failure_mode_allow_header_add: true
                    status_on_error: { code: 503 }
                """;
        String plainRoutes = "- match: { prefix: / }\n  route: { cluster: backend }\n";
        // The authorizer changes a header, so with clear_route_cache the route is chosen again,
        // now seeing the dynamic metadata the authorizer returned.
        String metadataRoutes = """
                - match:
                    prefix: /
                    dynamic_metadata:
                    - filter: envoy.filters.http.ext_authz
                      path: [{ key: checked_by }]
                      value: { string_match: { exact: http } }
                  direct_response: { status: 200, body: { inline_string: "the wrong route" } }
                - match:
                    prefix: /
                    dynamic_metadata:
                    - filter: envoy.filters.http.ext_authz
                      path: [{ key: checked_by }]
                      value: { string_match: { exact: grpc } }
                  direct_response: { status: 200, body: { inline_string: "routed by the authorizer's metadata" } }
                - match: { prefix: / }
                  route: { cluster: backend }
                """;
        String yaml = """
                admin:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                layered_runtime:
                  layers: [{ name: admin, admin_layer: {} }]
                static_resources:
                  listeners:
                %s
                %s
                %s
                %s
                %s
                %s
                %s
                %s
                %s
                %s
                  clusters:
                %s
                %s
                %s
                %s
                """.formatted(admin,
                listener("http_authz_l", httpPort, "with_http_authz", httpFilter, plainRoutes),
                listener("grpc_authz_l", grpcPort, "with_grpc_authz", grpcFilter, grpcRoutes),
                listener("metadata_route_l", metadataRoutePort, "metadata_route",
                        grpcFilter + "    clear_route_cache: true\n", metadataRoutes),
                listener("no_ingest_l", noIngestPort, "no_ingest", grpcFilter
                        + "    clear_route_cache: true\n    enable_dynamic_metadata_ingestion: false\n", metadataRoutes),
                listener("down_closed", downClosedPort, "down_closed", downFilter.formatted("false"), plainRoutes),
                listener("down_open", downOpenPort, "down_open", downFilter.formatted("true"), plainRoutes),
                tcpListener("net_allow", netAllowPort), tcpListener("net_deny", netDenyPort),
                listener("sampled_l", sampledPort, "sampled", grpcFilter
                        + "    filter_enabled: { runtime_key: authz.sampled, default_value: { numerator: 0 } }\n",
                        plainRoutes),
                listener("deny_at_disable_l", denyAtDisablePort, "deny_at_disable", grpcFilter
                        + "    filter_enabled: { default_value: { numerator: 0 } }\n"
                        + "    deny_at_disable: { runtime_key: authz.deny, default_value: true }\n", plainRoutes),
                Bootstraps.indent(Bootstraps.cluster("backend", false, null, backend.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("http_authz", false, null, httpAuthz.port()), 2),
                Bootstraps.indent(Bootstraps.cluster("grpc_authz", true, null, grpcAuthz.getPort()), 2),
                Bootstraps.indent(Bootstraps.cluster("dead_authz", true, null, deadPort), 2));
        // Fails here, with the field path, if the config does not translate.
        new io.remora.xds.bootstrap.BootstrapLoader().loadString(yaml, "ext_authz.yaml");
        proxy = ProxyProcess.start(yaml, admin, java.util.List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), "--file-flush-interval-msec", "50");
    }

    static String listener(String name, int port, String statPrefix, String filters, String routes) {
        String l = """
                - name: %s
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: %s
                        access_log:
                        - name: envoy.access_loggers.file
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                            path: %s
                            log_format: { text_format_source: { inline_string: "%s %%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%RESPONSE_CODE_DETAILS%%\\n" } }
                        route_config:
                          virtual_hosts:
                          - name: all
                            domains: ["*"]
                            routes:
                %s
                        http_filters:
                %s
                        - name: envoy.filters.http.router
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                """.formatted(name, port, statPrefix, accessLog, statPrefix, Bootstraps.indent(routes, 12),
                Bootstraps.indent(filters, 8));
        return Bootstraps.indent(l, 2);
    }

    /** A TCP listener: network ext_authz asks the gRPC authorizer, then tcp_proxy to the backend. */
    static String tcpListener(String name, int port) {
        return Bootstraps.indent("""
                - name: %1$s
                  address: { socket_address: { address: 127.0.0.1, port_value: %2$d } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.ext_authz
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.ext_authz.v3.ExtAuthz
                        stat_prefix: %1$s
                        grpc_service: { envoy_grpc: { cluster_name: grpc_authz }, timeout: 4s }
                    - name: envoy.filters.network.tcp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        stat_prefix: %1$s
                        cluster: backend
                """.formatted(name, port), 2);
    }

    static HeaderValueOption header(String k, String v) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(k).setValue(v)).build();
    }

    static HeaderValueOption appended(String k, String v) {
        return header(k, v).toBuilder().setAppend(BoolValue.of(true)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (AutoCloseable c : new AutoCloseable[]{backend, httpAuthz}) {
            if (c != null) {
                c.close();
            }
        }
        if (grpcAuthz != null) {
            grpcAuthz.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static HttpResponse<String> send(int port, String method, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String awaitLogLine(String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (String l : Files.readAllLines(accessLog)) {
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no access log line for " + prefix + " in:\n" + Files.readString(accessLog));
    }

    static String statsOrError(String path) {
        try {
            return proxy.admin(path);
        } catch (Exception e) {
            return e.toString();
        }
    }

    static double metric(String name, String hcm) throws Exception {
        return proxy.metric(name + "{envoy_http_conn_manager_prefix=\"" + hcm + "\"}");
    }

    @Test
    void httpAuthorizerAllows() throws Exception {
        double ok = metric("envoy_http_ext_authz_ok", "with_http_authz");
        HttpResponse<String> r = send(httpPort, "GET", "/allow/me?q=1", null, "x-user-token", "t0k",
                "x-secret", "s3cret", "x-other", "not-sent");
        assertEquals(200, r.statusCode());
        // allowed_upstream_headers reached the backend; x-envoy-auth-headers-to-remove took x-secret away.
        assertEquals("backend user=alice grpc=null failmode=null secret=null", r.body());
        assertEquals("/authz/allow/me?q=1", lastHttpAuthzHeaders.get(":path"));
        assertEquals("GET", lastHttpAuthzHeaders.get(":method"));
        assertEquals("t0k", lastHttpAuthzHeaders.get("x-user-token"));
        assertEquals("remora", lastHttpAuthzHeaders.get("x-from-proxy"));
        assertNull(lastHttpAuthzHeaders.get("x-other"));
        assertEquals(ok + 1, metric("envoy_http_ext_authz_ok", "with_http_authz"));
    }

    @Test
    void httpAuthorizerDeniesWithItsStatusBodyAndHeaders() throws Exception {
        double denied = metric("envoy_http_ext_authz_denied", "with_http_authz");
        HttpResponse<String> r = send(httpPort, "GET", "/deny/me", null);
        assertEquals(401, r.statusCode());
        assertEquals("custom deny", r.body());
        assertEquals("nope", r.headers().firstValue("x-deny-reason").orElse(null));
        // Envoy adds www-authenticate to a configured allowed_client_headers list; others stay out.
        assertEquals("Bearer realm=test", r.headers().firstValue("www-authenticate").orElse(null));
        assertTrue(r.headers().firstValue("x-internal").isEmpty());
        assertEquals("with_http_authz /deny/me 401 UAEX ext_authz_denied", awaitLogLine("with_http_authz /deny/me "));
        assertEquals(denied + 1, metric("envoy_http_ext_authz_denied", "with_http_authz"));
    }

    @Test
    void httpAuthorizer5xxIsAnError() throws Exception {
        double errors = metric("envoy_http_ext_authz_error", "with_http_authz");
        HttpResponse<String> r = send(httpPort, "GET", "/error", null);
        assertEquals(403, r.statusCode());
        assertEquals("with_http_authz /error 403 UAEX ext_authz_error", awaitLogLine("with_http_authz /error "));
        assertEquals(errors + 1, metric("envoy_http_ext_authz_error", "with_http_authz"));
    }

    @Test
    void grpcAuthorizerAllowsAndSeesTheRequest() throws Exception {
        HttpResponse<String> r = send(grpcPort, "POST", "/orders?id=7", "order-body", "x-user-token", "g");
        assertEquals(200, r.statusCode());
        assertEquals("backend user=null grpc=yes failmode=null secret=null", r.body());
        assertEquals("added", r.headers().firstValue("x-resp-from-authz").orElse(null));
        CheckRequest c = lastCheck.get();
        var http = c.getAttributes().getRequest().getHttp();
        assertEquals("POST", http.getMethod());
        assertEquals("/orders?id=7", http.getPath());
        assertEquals("order-body", http.getBody());
        assertEquals("g", http.getHeadersMap().get("x-user-token"));
        assertEquals("false", http.getHeadersMap().get("x-envoy-auth-partial-body"));
        assertEquals("shop", c.getAttributes().getContextExtensionsMap().get("service"));
        assertEquals("127.0.0.1", c.getAttributes().getSource().getAddress().getSocketAddress().getAddress());
        assertEquals(grpcPort, c.getAttributes().getDestination().getAddress().getSocketAddress().getPortValue());
    }

    /** A route's dynamic_metadata matches what the authorizer returned, once the route cache is cleared. */
    @Test
    void routesMatchTheDynamicMetadataTheAuthorizerSet() throws Exception {
        HttpResponse<String> r = send(metadataRoutePort, "GET", "/orders", null);
        assertEquals(200, r.statusCode());
        assertEquals("routed by the authorizer's metadata", r.body());
    }

    /**
     * enable_dynamic_metadata_ingestion: false drops the authorizer's metadata (the route never sees
     * it) and counts ignored_dynamic_metadata, as Envoy's onComplete.
     */
    @Test
    void metadataNotIngestedIsCountedAsIgnored() throws Exception {
        double ignored = metric("envoy_http_ext_authz_ignored_dynamic_metadata", "no_ingest");
        HttpResponse<String> r = send(noIngestPort, "GET", "/orders", null);
        assertEquals(200, r.statusCode());
        assertTrue(!r.body().contains("metadata") && !r.body().contains("wrong route"), r.body());
        assertEquals(ignored + 1, metric("envoy_http_ext_authz_ignored_dynamic_metadata", "no_ingest"));
        assertEquals(0.0, metric("envoy_http_ext_authz_ignored_dynamic_metadata", "metadata_route"));
    }

    /**
     * Envoy: an OK answer whose headers push the request past the HCM's limits is refused (500,
     * invalid), counted in request_header_limits_reached too.
     */
    @Test
    void okAnswerPastTheRequestHeaderLimitsIsRefused() throws Exception {
        double ok = metric("envoy_http_ext_authz_ok", "with_grpc_authz");
        double invalid = metric("envoy_http_ext_authz_invalid", "with_grpc_authz");
        double limits = metric("envoy_http_ext_authz_request_header_limits_reached", "with_grpc_authz");
        HttpResponse<String> r = send(grpcPort, "GET", "/manyheaders", null);
        assertEquals(500, r.statusCode(), r.body());
        r = send(grpcPort, "GET", "/bigheader", null);
        assertEquals(500, r.statusCode(), r.body());
        assertEquals(invalid + 2, metric("envoy_http_ext_authz_invalid", "with_grpc_authz"));
        assertEquals(limits + 2, metric("envoy_http_ext_authz_request_header_limits_reached", "with_grpc_authz"));
        assertEquals(ok, metric("envoy_http_ext_authz_ok", "with_grpc_authz"));
        assertEquals("with_grpc_authz /manyheaders 500 UAEX ext_authz_invalid", awaitLogLine("with_grpc_authz /manyheaders "));
    }

    /**
     * Envoy's headers_to_append ({@code append: true} in an OK answer): joined onto the header the
     * request has ({@code appendCopy}), and nothing for a header it lacks.
     */
    @Test
    void appendedHeadersJoinThoseTheRequestHasAndAddNoOthers() throws Exception {
        HttpResponse<String> r = send(grpcPort, "GET", "/appends", null, "x-tag", "client");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("tags=[client,authz] absent=null", r.body());
    }

    @Test
    void grpcAuthorizerDenies() throws Exception {
        double denied = metric("envoy_http_ext_authz_denied", "with_grpc_authz");
        HttpResponse<String> r = send(grpcPort, "GET", "/deny", null);
        assertEquals(401, r.statusCode());
        assertEquals("grpc says no", r.body());
        assertEquals("grpc", r.headers().firstValue("x-deny-reason").orElse(null));
        assertEquals(denied + 1, metric("envoy_http_ext_authz_denied", "with_grpc_authz"));
    }

    @Test
    void grpcAuthorizerTooSlowIsAnError() throws Exception {
        HttpResponse<String> r = send(grpcPort, "GET", "/slow", null);
        assertEquals(403, r.statusCode());
        assertEquals("with_grpc_authz /slow 403 UAEX ext_authz_error", awaitLogLine("with_grpc_authz /slow "));
    }

    @Test
    void perRouteDisabledSkipsTheCheck() throws Exception {
        int before = grpcChecks.get();
        HttpResponse<String> r = send(grpcPort, "GET", "/public/deny", null);
        assertEquals(200, r.statusCode());
        assertEquals(before, grpcChecks.get());
    }

    /** filter_enabled is a runtime fraction drawn per request: at 0 % no check, at 100 % (by its key) each. */
    @Test
    void filterEnabledChecksItsFractionOfRequests() throws Exception {
        int before = grpcChecks.get();
        double disabled = metric("envoy_http_ext_authz_disabled", "sampled");
        HttpResponse<String> r = send(sampledPort, "GET", "/deny", null);
        assertEquals(200, r.statusCode(), "0 %: not checked");
        assertEquals(before, grpcChecks.get());
        assertEquals(disabled + 1, metric("envoy_http_ext_authz_disabled", "sampled"));
        runtime("authz.sampled=100");
        r = send(sampledPort, "GET", "/deny", null);
        assertEquals(401, r.statusCode(), "100 % by the runtime key: checked and denied");
        assertEquals(before + 1, grpcChecks.get());
    }

    /** deny_at_disable: a request the filter is disabled for is denied (status_on_error), its runtime key winning. */
    @Test
    void denyAtDisableDeniesWhatTheFilterSkips() throws Exception {
        int before = grpcChecks.get();
        HttpResponse<String> r = send(denyAtDisablePort, "GET", "/x", null);
        assertEquals(403, r.statusCode());
        assertEquals("deny_at_disable /x 403 UAEX ext_authz_error", awaitLogLine("deny_at_disable /x "));
        runtime("authz.deny=false");
        r = send(denyAtDisablePort, "GET", "/y", null);
        assertEquals(200, r.statusCode());
        assertEquals(before, grpcChecks.get());
    }

    static void runtime(String query) throws Exception {
        HttpResponse<String> set = CLIENT.send(HttpRequest.newBuilder(proxy.adminUri("/runtime_modify?" + query))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, set.statusCode(), set.body());
    }

    @Test
    void networkExtAuthzChecksEachConnection() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", netAllowPort)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write("GET /tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
            byte[] head = new byte[12];
            int n = 0;
            try {
                while (n < head.length) {
                    int r = s.getInputStream().read(head, n, head.length - n);
                    if (r < 0) {
                        break;
                    }
                    n += r;
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("no answer through the network ext_authz filter; stats:\n"
                        + proxy.admin("/stats?filter=ext_authz%7Ctcp%7Cgrpc_authz"), e);
            }
            assertEquals("HTTP/1.1 200", new String(head, 0, n, StandardCharsets.UTF_8),
                    () -> "stats:\n" + statsOrError("/stats?filter=ext_authz%7Ctcp%7Cgrpc_authz"));
        }
        // The check described the connection, not an HTTP request.
        assertTrue(!lastCheck.get().getAttributes().getRequest().hasHttp());
        assertEquals(netAllowPort, lastCheck.get().getAttributes().getDestination().getAddress().getSocketAddress()
                .getPortValue());
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", netDenyPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /tcp HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            int n;
            try {
                n = s.getInputStream().read();
            } catch (java.net.SocketException reset) {
                n = -1;
            }
            assertEquals(-1, n);
        }
        assertEquals(1.0, proxy.metric("envoy_ext_authz_net_allow_ok"));
        assertEquals(1.0, proxy.metric("envoy_ext_authz_net_deny_denied"));
        assertEquals(1.0, proxy.metric("envoy_ext_authz_net_deny_cx_closed"));
    }

    @Test
    void authorizerDownFailsClosed() throws Exception {
        double errors = metric("envoy_http_ext_authz_error", "down_closed");
        HttpResponse<String> r = send(downClosedPort, "GET", "/x", null);
        assertEquals(503, r.statusCode());
        assertEquals("down_closed /x 503 UAEX ext_authz_error", awaitLogLine("down_closed /x "));
        assertEquals(errors + 1, metric("envoy_http_ext_authz_error", "down_closed"));
    }

    @Test
    void authorizerDownFailsOpenWhenAllowed() throws Exception {
        double allowed = metric("envoy_http_ext_authz_failure_mode_allowed", "down_open");
        HttpResponse<String> r = send(downOpenPort, "GET", "/x", null);
        assertEquals(200, r.statusCode());
        assertEquals("backend user=null grpc=null failmode=true secret=null", r.body());
        assertEquals(allowed + 1, metric("envoy_http_ext_authz_failure_mode_allowed", "down_open"));
        assertEquals(1.0, metric("envoy_http_ext_authz_error", "down_open"), 1.0);
    }
}

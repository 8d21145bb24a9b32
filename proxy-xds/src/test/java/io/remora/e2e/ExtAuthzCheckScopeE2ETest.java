package io.remora.e2e;

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
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which requests ext_authz checks and what the check carries and leaves, as Envoy: a request no
 * route matches is not checked, an upgrade is checked without waiting for a body, the check names
 * the connection's metadata, the downstream service and the node's labels, a denial's repeated headers all reach the
 * client, an OK leaves the call's duration in the dynamic metadata; the HTTP service keeps
 * Envoy's four headers beside the filter's allowed_headers and formats its headers_to_add; the
 * network filter reads and writes
 * the connection's metadata.
 */
class ExtAuthzCheckScopeE2ETest {

    @TempDir
    static Path dir;
    static TestUpstream backend;
    static TestUpstream httpAuthz;
    static WebSocketEchoUpstream ws;
    static Server grpcAuthz;
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new ConcurrentHashMap<>();
    static final AtomicInteger checks = new AtomicInteger();
    static final AtomicReference<CheckRequest> lastCheck = new AtomicReference<>();
    static final Map<String, String> httpAuthzHeaders = new ConcurrentHashMap<>();

    /** Network RBAC that lets everything through and leaves its shadow result in the connection's metadata. */
    static final String SHADOW_RBAC = """
            - name: envoy.filters.network.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                stat_prefix: shadow
                rules: { policies: { all: { permissions: [{ any: true }], principals: [{ any: true }] } } }
                shadow_rules: { policies: { all: { permissions: [{ any: true }], principals: [{ any: true }] } } }
            """;

    @BeforeAll
    static void start() throws Exception {
        backend = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "backend",
                Map.of("x-set", "upstream", "x-if-absent", "upstream", "x-add", "upstream")));
        ws = new WebSocketEchoUpstream();
        httpAuthz = TestUpstream.start((ctx, req, n) -> {
            httpAuthzHeaders.clear();
            req.headers().forEach(e -> httpAuthzHeaders.put(e.getKey().toLowerCase(), e.getValue()));
            TestUpstream.send(ctx, req, 200, "");
        });
        grpcAuthz = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new AuthorizationGrpc.AuthorizationImplBase() {
                    @Override
                    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
                        checks.incrementAndGet();
                        lastCheck.set(request);
                        var attrs = request.getAttributes();
                        String path = attrs.getRequest().getHttp().getPath();
                        boolean connectionToDeny = !attrs.getRequest().hasHttp()
                                && attrs.getDestination().getAddress().getSocketAddress().getPortValue()
                                == PORTS.get("tcpdeny");
                        CheckResponse.Builder r = CheckResponse.newBuilder();
                        if (path.contains("deny") || connectionToDeny) {
                            r.setStatus(Status.newBuilder().setCode(Code.PERMISSION_DENIED_VALUE))
                                    .setDeniedResponse(DeniedHttpResponse.newBuilder()
                                            .addHeaders(header("set-cookie", "a=1"))
                                            .addHeaders(header("set-cookie", "b=2")));
                        } else {
                            r.setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
                                    .setOkResponse(OkHttpResponse.newBuilder()
                                            .addResponseHeadersToAdd(header("x-add", "authz"))
                                            .addResponseHeadersToAdd(header("x-set", "authz").toBuilder()
                                                    .setAppend(com.google.protobuf.BoolValue.of(false)))
                                            .addResponseHeadersToAdd(header("x-if-absent", "authz").toBuilder()
                                                    .setAppendAction(HeaderValueOption.HeaderAppendAction.ADD_IF_ABSENT))
                                            .addResponseHeadersToAdd(header("x-if-present", "authz").toBuilder()
                                                    .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS)))
                                    .setDynamicMetadata(Struct.newBuilder().putFields("by",
                                            Value.newBuilder().setStringValue("grpc").build()));
                        }
                        out.onNext(r.build());
                        out.onCompleted();
                    }
                }).build().start();
        int admin = ProxyProcess.freePort();
        for (String name : List.of("grpc", "http", "tcp", "tcpdeny")) {
            PORTS.put(name, ProxyProcess.freePort());
        }
        String grpcFilter = """
                - name: envoy.filters.http.ext_authz
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                    grpc_service: { envoy_grpc: { cluster_name: grpc_authz }, timeout: 4s }
                    with_request_body: { max_request_bytes: 1000 }
                    include_tls_session: true
                    metadata_context_namespaces: [envoy.filters.network.rbac]
                    bootstrap_metadata_labels_key: labels
                """;
        String httpFilter = """
                - name: envoy.filters.http.ext_authz
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                    http_service:
                      server_uri: { uri: "http://authz", cluster: http_authz, timeout: 4s }
                      authorization_request:
                        headers_to_add:
                        - { key: x-client, value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %REQ(x-user)%" }
                        - { key: x-nothing, value: "%REQ(x-absent)%" }
                    allowed_headers: { patterns: [{ exact: x-user }] }
                """;
        String listeners = grpcListener(grpcFilter) + "\n"
                + Bootstraps.httpListenerWithFilters("http", httpFilter, "- match: { prefix: / }\n  route: { cluster: backend }\n")
                + "\n" + Bootstraps.tcpListener("tcp", "", SHADOW_RBAC + networkFilter("tcp"), "backend",
                        Bootstraps.fileAccessLog(dir.resolve("tcp.log"), "%DOWNSTREAM_LOCAL_PORT% %RESPONSE_FLAGS%"
                                + " %DYNAMIC_METADATA(envoy.filters.network.ext_authz:ext_authz_duration)%"))
                + "\n" + Bootstraps.tcpListener("tcpdeny", "", SHADOW_RBAC + networkFilter("tcpdeny"), "backend",
                        Bootstraps.fileAccessLog(dir.resolve("tcp.log"), "%DOWNSTREAM_LOCAL_PORT% %RESPONSE_FLAGS%"
                                + " %DYNAMIC_METADATA(envoy.filters.network.ext_authz:ext_authz_duration)%"));
        String clusters = Bootstraps.cluster("backend", false, null, backend.port()) + "\n"
                + Bootstraps.cluster("ws", false, null, ws.port()) + "\n"
                + Bootstraps.cluster("http_authz", false, null, httpAuthz.port()) + "\n"
                + Bootstraps.cluster("grpc_authz", true, null, grpcAuthz.getPort());
        // The node's labels, which bootstrap_metadata_labels_key sends as the destination's.
        String yaml = "node: { id: n1, cluster: c1, metadata: { labels: { app: shop, version: v1 } } }\n"
                + Bootstraps.listeners(admin, listeners, clusters, PORTS);
        new io.remora.xds.bootstrap.BootstrapLoader().loadString(yaml, "ext_authz_scope.yaml");
        proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                "--file-flush-interval-msec", "50");
    }

    /**
     * The gRPC-checked listener: network RBAC's shadow result in the connection's metadata, then a
     * connection manager with WebSocket upgrades, /r and /ws routed and nothing else.
     */
    static String grpcListener(String filters) {
        return """
                - name: grpc
                  address: { socket_address: { address: 127.0.0.1, port_value: ${grpc} } }
                  filter_chains:
                  - filters:
                RBAC
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: grpc
                        upgrade_configs: [{ upgrade_type: websocket }]
                LOG
                        http_filters:
                FILTERS
                        - name: envoy.filters.http.router
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                        route_config:
                          virtual_hosts:
                          - name: some
                            domains: ["*"]
                            routes:
                            - match: { prefix: /r }
                              route: { cluster: backend }
                            - match: { prefix: /ws }
                              route: { cluster: ws }
                """.replace("RBAC\n", Bootstraps.indent(SHADOW_RBAC, 4) + "\n")
                .replace("LOG\n", Bootstraps.indent(Bootstraps.fileAccessLog(dir.resolve("grpc.log"),
                        "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS%"
                                + " %DYNAMIC_METADATA(envoy.filters.http.ext_authz:ext_authz_duration)%"), 8) + "\n")
                .replace("FILTERS\n", Bootstraps.indent(filters, 8) + "\n");
    }

    /** Network ext_authz, enabled only where network RBAC's shadow result names policy "all". */
    static String networkFilter(String statPrefix) {
        return """
                - name: envoy.filters.network.ext_authz
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.ext_authz.v3.ExtAuthz
                    stat_prefix: %s
                    grpc_service: { envoy_grpc: { cluster_name: grpc_authz }, timeout: 4s }
                    bootstrap_metadata_labels_key: labels
                    filter_enabled_metadata:
                      filter: envoy.filters.network.rbac
                      path: [{ key: shadow_effective_policy_id }]
                      value: { string_match: { exact: all } }
                """.formatted(statPrefix);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (AutoCloseable c : new AutoCloseable[]{backend, httpAuthz, ws}) {
            if (c != null) {
                c.close();
            }
        }
        if (grpcAuthz != null) {
            grpcAuthz.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static HeaderValueOption header(String k, String v) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(k).setValue(v)).build();
    }

    static HttpResponse<String> send(String listener, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get(listener) + path))
                .timeout(Duration.ofSeconds(10))
                .method(body == null ? "GET" : "POST", body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String logLine(String file, String prefix) throws Exception {
        return LogFiles.await(dir.resolve(file), lines -> lines.stream().anyMatch(l -> l.startsWith(prefix)))
                .stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    /** Envoy skips the check of a request without a route: the router's 404, not the authorizer's denial. */
    @Test
    void aRequestNoRouteMatchesIsNotChecked() throws Exception {
        int before = checks.get();
        HttpResponse<String> r = send("grpc", "/nowhere/deny", null);
        assertEquals(404, r.statusCode());
        assertEquals(before, checks.get());
        assertEquals("/nowhere/deny 404 NR -", logLine("grpc.log", "/nowhere/deny "));
    }

    /** An upgrade's body is its tunnel: with with_request_body it is checked at once, not after a body. */
    @Test
    void anUpgradeIsCheckedWithoutWaitingForItsBody() throws Exception {
        int before = checks.get();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + PORTS.get("grpc") + "/ws"), new WebSocket.Listener() { })
                .get(10, TimeUnit.SECONDS);
        socket.abort();
        assertEquals(before + 1, checks.get());
        assertEquals(1, ws.handshakes.get());
    }

    /**
     * The check names the connection's metadata (network RBAC's shadow result), the downstream
     * service, a TLS session even on plaintext (as Envoy, empty), and the proxy's own partial-body
     * header only, not the client's.
     */
    @Test
    void theCheckCarriesWhatTheConnectionAndRequestSay() throws Exception {
        HttpResponse<String> r = send("grpc", "/r/attrs", "body", "x-envoy-downstream-service-cluster", "front",
                "x-envoy-auth-partial-body", "true");
        assertEquals(200, r.statusCode(), r.body());
        var attrs = lastCheck.get().getAttributes();
        assertEquals("front", attrs.getSource().getService());
        assertEquals("false", attrs.getRequest().getHttp().getHeadersMap().get("x-envoy-auth-partial-body"));
        assertEquals("all", attrs.getMetadataContext().getFilterMetadataOrThrow("envoy.filters.network.rbac")
                .getFieldsOrThrow("shadow_effective_policy_id").getStringValue());
        assertTrue(attrs.hasTlsSession());
        assertEquals("", attrs.getTlsSession().getSni());
        assertEquals(Map.of("app", "shop", "version", "v1"), attrs.getDestination().getLabelsMap());
        // size is the bytes received (Envoy's bytesReceived): the buffered body here, 0 for a GET.
        assertEquals(4, attrs.getRequest().getHttp().getSize());
        assertEquals(200, send("grpc", "/r/attrs-get", null).statusCode());
        assertEquals(0, lastCheck.get().getAttributes().getRequest().getHttp().getSize());
    }

    /** A denial's repeated header (set-cookie) reaches the client with every value, as Envoy's addCopy. */
    @Test
    void everyValueOfADenialsRepeatedHeaderReachesTheClient() throws Exception {
        HttpResponse<String> r = send("grpc", "/r/deny", null);
        assertEquals(403, r.statusCode());
        assertEquals(List.of("a=1", "b=2"), r.headers().allValues("set-cookie"));
    }

    /**
     * An OK answer's response headers apply as their append / append_action say: added, set over
     * the upstream's, added only where absent, set only where present.
     */
    @Test
    void responseHeadersApplyAsTheirActionSays() throws Exception {
        HttpResponse<String> r = send("grpc", "/r/response-headers", null);
        assertEquals(200, r.statusCode());
        assertEquals(List.of("upstream", "authz"), r.headers().allValues("x-add"));
        assertEquals(List.of("authz"), r.headers().allValues("x-set"));
        assertEquals(List.of("upstream"), r.headers().allValues("x-if-absent"));
        assertEquals(List.of(), r.headers().allValues("x-if-present"));
    }

    /** Envoy also counts each decision under the request's routed cluster: cluster.backend.ext_authz.*. */
    @Test
    void decisionsAreCountedUnderTheRoutedCluster() throws Exception {
        String ok = "envoy_cluster_ext_authz_ok{envoy_cluster_name=\"backend\"}";
        String denied = "envoy_cluster_ext_authz_denied{envoy_cluster_name=\"backend\"}";
        double okBefore = proxy.metric(ok);
        double deniedBefore = proxy.metric(denied);
        assertEquals(200, send("grpc", "/r/counted", null).statusCode());
        assertEquals(403, send("grpc", "/r/counted-deny", null).statusCode());
        assertEquals(okBefore + 1, proxy.metric(ok));
        assertEquals(deniedBefore + 1, proxy.metric(denied));
    }

    /** An OK answer that brought metadata leaves the call's duration beside it (ext_authz_duration, in ms). */
    @Test
    void anOkLeavesTheCallDurationInTheMetadata() throws Exception {
        assertEquals(200, send("grpc", "/r/duration", null).statusCode());
        String line = logLine("grpc.log", "/r/duration ");
        assertTrue(line.matches("/r/duration 200 - [0-9]+(\\.0)?"), line);
    }

    /** The filter's allowed_headers with an HTTP service add to authorization, :method, :path and host. */
    @Test
    void anHttpServiceKeepsEnvoysHeadersBesideAllowedOnes() throws Exception {
        assertEquals(200, send("http", "/h", null, "authorization", "Bearer t", "x-user", "u", "x-other", "o")
                .statusCode());
        assertEquals("Bearer t", httpAuthzHeaders.get("authorization"));
        assertEquals("u", httpAuthzHeaders.get("x-user"));
        assertEquals(null, httpAuthzHeaders.get("x-other"));
    }

    /**
     * authorization_request.headers_to_add are formatted as Envoy's HeaderParser does (%REQ()%
     * reads the authorization request); one whose operators give nothing is left out.
     */
    @Test
    void headersToAddAreFormattedPerCall() throws Exception {
        assertEquals(200, send("http", "/f", null, "x-user", "carol").statusCode());
        assertEquals("127.0.0.1 carol", httpAuthzHeaders.get("x-client"));
        assertTrue(!httpAuthzHeaders.containsKey("x-nothing"), httpAuthzHeaders.toString());
    }

    /**
     * The network filter asks filter_enabled_metadata of the connection's metadata (set by network
     * RBAC before it), leaves the OK call's duration there for tcp_proxy's log, and flags a
     * denied connection UAEX.
     */
    @Test
    void theNetworkFilterReadsAndWritesTheConnectionsMetadata() throws Exception {
        int before = checks.get();
        try (Socket s = new Socket("127.0.0.1", PORTS.get("tcp"))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        }
        assertEquals(before + 1, checks.get(), "the connection's metadata enabled the check");
        // A connection's check has no request part at all (Envoy's createTcpCheck).
        assertTrue(!lastCheck.get().getAttributes().hasRequest());
        assertEquals(Map.of("app", "shop", "version", "v1"), lastCheck.get().getAttributes().getDestination().getLabelsMap());
        String ok = logLine("tcp.log", PORTS.get("tcp") + " ");
        assertTrue(ok.matches(PORTS.get("tcp") + " - [0-9]+(\\.0)?"), ok);
        try (Socket s = new Socket("127.0.0.1", PORTS.get("tcpdeny"))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /tcp HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            try {
                assertEquals(-1, s.getInputStream().read());
            } catch (java.net.SocketException reset) {
                // closed without a byte either way
            }
        }
        assertEquals(PORTS.get("tcpdeny") + " UAEX -", logLine("tcp.log", PORTS.get("tcpdeny") + " "));
        // Envoy's active gauge: no call is under way any more.
        assertTrue(proxy.admin("/stats/prometheus").contains("\nenvoy_ext_authz_tcp_active 0"),
                () -> "no active gauge: " + statsLines("envoy_ext_authz_tcp"));
    }

    static String statsLines(String prefix) {
        try {
            return proxy.admin("/stats/prometheus").lines().filter(l -> l.startsWith(prefix))
                    .collect(java.util.stream.Collectors.joining("\n"));
        } catch (Exception e) {
            return e.toString();
        }
    }
}

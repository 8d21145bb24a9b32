package io.remora.e2e;

import io.remora.testing.HttpHeads;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envoy.filters.http.ratelimit against a real grpc-java RateLimitService started here: OK lets the
 * request through with the service's headers, OVER_LIMIT answers 429 with x-envoy-ratelimited,
 * the descriptors and domain the service received (route, virtual host, per-route, stage,
 * apply_on_stream_done), a service that is down with failure_mode_deny on and off, and the
 * cluster.&lt;cluster&gt;.ratelimit.* stats through the admin endpoint.
 */
class RateLimitE2ETest {

    static TestUpstream backend;
    static Server rls;
    static ProxyProcess proxy;
    static Path accessLog;
    static final Map<String, Integer> PORTS = new java.util.HashMap<>();
    static final List<RateLimitRequest> received = new CopyOnWriteArrayList<>();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static final String FILTER = """
            - name: envoy.filters.http.ratelimit
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit
                domain: remora-test
                timeout: 5s
                failure_mode_deny: FAIL_DENY
                enable_x_ratelimit_headers: DRAFT_VERSION_03
                response_headers_to_add: [{ header: { key: x-limited-by, value: "%REQ(x-user)%" } }]
                rate_limit_service:
                  grpc_service: { envoy_grpc: { cluster_name: RLS_CLUSTER } }
                  transport_api_version: V3
            """;

    /** The dynamic metadata the /override route's limit overrides read. */
    static final String SET_LIMITS = """
            - name: envoy.filters.http.set_metadata
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config
                metadata_namespace: rl.override
                value:
                  limits:
                    good: { requests_per_unit: 42, unit: HOUR }
                    bad: { requests_per_unit: 5, unit: FORTNIGHT }
            """;

    static final String HOSTS = """
            - name: all
              domains: ["*"]
              rate_limits:
              - actions: [{ remote_address: {} }]
              routes:
              - match: { prefix: /api }
                route:
                  cluster: backend
                  rate_limits:
                  - actions:
                    - generic_key: { descriptor_value: api }
                    - request_headers: { header_name: x-user, descriptor_key: user }
                  - stage: 1
                    actions: [{ generic_key: { descriptor_value: stage-one } }]
                  - actions: [{ generic_key: { descriptor_value: after-the-stream } }]
                    apply_on_stream_done: true
              - match: { prefix: /vh }
                route:
                  cluster: backend
                  include_vh_rate_limits: true
                  rate_limits: [{ actions: [{ generic_key: { descriptor_value: vh-route } }] }]
              - match: { prefix: /per-route }
                route: { cluster: backend }
                typed_per_filter_config:
                  envoy.filters.http.ratelimit:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute
                    domain: per-route-domain
                    rate_limits:
                    - actions: [{ request_headers: { header_name: x-user, descriptor_key: user } }]
                      hits_addend: { number: 3 }
              - match: { prefix: /override }
                route:
                  cluster: backend
                  rate_limits:
                  - actions: [{ generic_key: { descriptor_value: good } }]
                    limit: { dynamic_metadata: { metadata_key: { key: rl.override, path: [{ key: limits }, { key: good }] } } }
                  - actions: [{ generic_key: { descriptor_value: bad-unit } }]
                    limit: { dynamic_metadata: { metadata_key: { key: rl.override, path: [{ key: limits }, { key: bad }] } } }
                  - actions: [{ generic_key: { descriptor_value: absent } }]
                    limit: { dynamic_metadata: { metadata_key: { key: rl.override, path: [{ key: nothing }] } } }
              - match: { prefix: /expr }
                route:
                  cluster: backend
                  rate_limits:
                  - actions:
                    - extension:
                        name: envoy.rate_limit_descriptors.expr
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.rate_limit_descriptors.expr.v3.Descriptor
                          descriptor_key: plan
                          text: request.headers['x-plan'] + '-' + request.method
                  - actions:
                    - generic_key: { descriptor_value: tolerant }
                    - extension:
                        name: envoy.rate_limit_descriptors.expr
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.rate_limit_descriptors.expr.v3.Descriptor
                          descriptor_key: absent
                          skip_if_error: true
                          text: request.headers['x-absent']
                  - actions:
                    - generic_key: { descriptor_value: strict }
                    - extension:
                        name: envoy.rate_limit_descriptors.expr
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.rate_limit_descriptors.expr.v3.Descriptor
                          descriptor_key: absent
                          text: request.headers['x-absent']
              - match: { prefix: /input }
                route:
                  cluster: backend
                  rate_limits:
                  - actions:
                    - extension:
                        name: user
                        typed_config:
                          "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                          header_name: x-user
                  - actions:
                    - generic_key: { descriptor_value: by-query }
                    - extension:
                        name: region
                        typed_config:
                          "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestQueryParamMatchInput
                          query_param: region
              - match: { prefix: /unlimited }
                route: { cluster: backend }
                typed_per_filter_config:
                  envoy.filters.http.ratelimit:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute
                    vh_rate_limits: IGNORE
              - match: { prefix: / }
                route: { cluster: backend }
            """;

    @BeforeAll
    static void start() throws Exception {
        backend = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "backend added=" + req.headers().get("x-rls-added")));
        rls = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new RateLimitServiceGrpc.RateLimitServiceImplBase() {
                    @Override
                    public void shouldRateLimit(RateLimitRequest request, StreamObserver<RateLimitResponse> out) {
                        received.add(request);
                        out.onNext(answer(request));
                        out.onCompleted();
                    }
                }).build().start();
        int admin = ProxyProcess.freePort();
        for (String name : List.of("main", "shadow", "external_only", "down_closed", "down_open", "net_ok", "net_over", "net_down")) {
            PORTS.put(name, ProxyProcess.freePort());
        }
        int dead = ProxyProcess.freePort();
        accessLog = TempPaths.file("ratelimit-global-access", ".log");
        String listeners = listener("main", SET_LIMITS + FILTER.replace("FAIL_DENY", "false").replace("RLS_CLUSTER", "rls"), HOSTS)
                + "\n" + listener("down_closed", FILTER.replace("FAIL_DENY", "true").replace("RLS_CLUSTER", "dead_rls"),
                HOSTS) + "\n" + listener("down_open", FILTER.replace("FAIL_DENY", "false")
                .replace("RLS_CLUSTER", "dead_rls"), HOSTS)
                + "\n" + listener("shadow", FILTER.replace("FAIL_DENY", "false\n    filter_enforced: { default_value: { numerator: 0 } }")
                .replace("RLS_CLUSTER", "rls"), HOSTS)
                + "\n" + listener("external_only", FILTER.replace("FAIL_DENY", "false\n    request_type: external")
                .replace("RLS_CLUSTER", "rls"), HOSTS, "use_remote_address: true\ninternal_address_config: {}")
                + "\n" + tcpListener("net_ok", "allowed", "rls", false)
                + "\n" + tcpListener("net_over", "over", "rls", false)
                + "\n" + tcpListener("net_down", "allowed", "dead_rls", true);
        String clusters = Bootstraps.cluster("backend", false, null, backend.port()) + "\n"
                + Bootstraps.cluster("rls", true, null, rls.getPort()) + "\n"
                + Bootstraps.cluster("dead_rls", true, null, dead);
        String yaml = Bootstraps.listeners(admin, listeners, clusters, PORTS);
        // Fails here, with the field path, if the config does not translate.
        new io.remora.xds.bootstrap.BootstrapLoader().loadString(yaml, "ratelimit.yaml");
        proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                "--file-flush-interval-msec", "50");
    }

    /** An HTTP listener with the rate limit filter before the router and an access log of flags and details. */
    static String listener(String name, String filter, String hosts) {
        return listener(name, filter, hosts, "");
    }

    /** As {@link #listener(String, String, String)}, with more connection manager fields. */
    static String listener(String name, String filter, String hosts, String hcmFields) {
        String hcm = hcmFields + "\n" + """
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format: { text_format_source: { inline_string: "%s %%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%RESPONSE_CODE_DETAILS%%\\n" } }
                """.formatted(accessLog, name);
        return Bootstraps.httpListenerWithFilters(name, "", hcm, filter, hosts);
    }

    /** A TCP listener: the network rate limit filter, then tcp_proxy to the backend. */
    static String tcpListener(String name, String value, String rlsCluster, boolean failureModeDeny) {
        return """
                - name: %1$s
                  address: { socket_address: { address: 127.0.0.1, port_value: ${%1$s} } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.ratelimit
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.ratelimit.v3.RateLimit
                        stat_prefix: %1$s
                        domain: tcp-domain
                        timeout: 5s
                        failure_mode_deny: %4$s
                        descriptors:
                        - entries: [{ key: tcp, value: %2$s }, { key: from, value: "%%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%%" }]
                        rate_limit_service:
                          grpc_service: { envoy_grpc: { cluster_name: %3$s } }
                          transport_api_version: V3
                    - name: envoy.filters.network.tcp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        stat_prefix: %1$s
                        cluster: backend
                """.formatted(name, value, rlsCluster, failureModeDeny);
    }

    /** OVER_LIMIT for a descriptor with an entry "over", else OK; each with statuses and headers. */
    static RateLimitResponse answer(RateLimitRequest request) {
        boolean over = false;
        for (RateLimitDescriptor d : request.getDescriptorsList()) {
            for (RateLimitDescriptor.Entry e : d.getEntriesList()) {
                over |= e.getValue().equals("over");
            }
        }
        RateLimitResponse.Builder r = RateLimitResponse.newBuilder();
        RateLimitResponse.RateLimit perUser = RateLimitResponse.RateLimit.newBuilder().setRequestsPerUnit(10)
                .setUnit(RateLimitResponse.RateLimit.Unit.MINUTE).setName("per-user").build();
        RateLimitResponse.RateLimit perSecond = RateLimitResponse.RateLimit.newBuilder().setRequestsPerUnit(100)
                .setUnit(RateLimitResponse.RateLimit.Unit.SECOND).build();
        r.addStatuses(RateLimitResponse.DescriptorStatus.newBuilder().setCode(RateLimitResponse.Code.OK)
                .setCurrentLimit(perSecond).setLimitRemaining(40)
                .setDurationUntilReset(com.google.protobuf.Duration.newBuilder().setSeconds(1)));
        r.addStatuses(RateLimitResponse.DescriptorStatus.newBuilder()
                .setCode(over ? RateLimitResponse.Code.OVER_LIMIT : RateLimitResponse.Code.OK)
                .setCurrentLimit(perUser).setLimitRemaining(over ? 0 : 7)
                .setDurationUntilReset(com.google.protobuf.Duration.newBuilder().setSeconds(30)));
        if (over) {
            return r.setOverallCode(RateLimitResponse.Code.OVER_LIMIT).setRawBody(ByteString.copyFromUtf8("slow down"))
                    .addResponseHeadersToAdd(HeaderValue.newBuilder().setKey("x-rls-reason").setValue("quota")).build();
        }
        return r.setOverallCode(RateLimitResponse.Code.OK)
                .addRequestHeadersToAdd(HeaderValue.newBuilder().setKey("x-rls-added").setValue("yes"))
                .addResponseHeadersToAdd(HeaderValue.newBuilder().setKey("x-rls-response").setValue("ok")).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (rls != null) {
            rls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static HttpResponse<String> get(String listener, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get(listener) + path))
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The descriptors of a request as "key=value,key=value" strings. */
    static List<String> descriptors(RateLimitRequest r) {
        List<String> out = new ArrayList<>();
        for (RateLimitDescriptor d : r.getDescriptorsList()) {
            StringBuilder sb = new StringBuilder();
            for (RateLimitDescriptor.Entry e : d.getEntriesList()) {
                sb.append(sb.isEmpty() ? "" : ",").append(e.getKey()).append('=').append(e.getValue());
            }
            out.add(sb.toString());
        }
        return out;
    }

    /**
     * The one request the service received since {@code before}, leaving out the stream-done ones
     * of /api (sent after their response, so they may land in a later test's window).
     */
    static RateLimitRequest onlyRequestSince(int before) {
        List<RateLimitRequest> atRequestTime = new ArrayList<>();
        for (RateLimitRequest r : since(before)) {
            if (!descriptors(r).equals(List.of(STREAM_DONE))) {
                atRequestTime.add(r);
            }
        }
        assertEquals(1, atRequestTime.size(), () -> "requests: " + atRequestTime);
        return atRequestTime.get(0);
    }

    /**
     * A copy of what arrived since {@code before}: a view of the live list would throw when the
     * stream-done request lands while it is read.
     */
    static List<RateLimitRequest> since(int before) {
        List<RateLimitRequest> now = List.copyOf(received);
        return now.subList(before, now.size());
    }

    static final String STREAM_DONE = "generic_key=after-the-stream";

    static String awaitLogLine(String prefix) throws Exception {
        return LogFiles.await(accessLog, lines -> lines.stream().anyMatch(l -> l.startsWith(prefix))).stream()
                .filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    /** A counter from the admin /stats text, e.g. cluster.backend.ratelimit.ok; 0 when absent. */
    static long stat(String name) throws Exception {
        for (String line : proxy.admin("/stats").split("\n")) {
            if (line.startsWith(name + ": ")) {
                return Long.parseLong(line.substring(name.length() + 2).trim());
            }
        }
        return 0;
    }

    @Test
    void underTheLimitPassesWithTheServiceHeaders() throws Exception {
        long ok = stat("cluster.backend.ratelimit.ok");
        int before = received.size();
        HttpResponse<String> r = get("main", "/api/orders", "x-user", "alice");
        assertEquals(200, r.statusCode());
        assertEquals("backend added=yes", r.body());
        assertEquals("ok", r.headers().firstValue("x-rls-response").orElse(null));
        assertTrue(r.headers().firstValue("x-envoy-ratelimited").isEmpty());
        // The status closest to its limit (7 left of 10 a minute) speaks, with every quota policy listed.
        assertEquals("10, 100;w=1, 10;w=60;name=\"per-user\"", r.headers().firstValue("x-ratelimit-limit").orElse(null));
        assertEquals("7", r.headers().firstValue("x-ratelimit-remaining").orElse(null));
        assertEquals("30", r.headers().firstValue("x-ratelimit-reset").orElse(null));
        RateLimitRequest sent = onlyRequestSince(before);
        assertEquals("remora-test", sent.getDomain());
        // Stage 1 is not this filter's; the route has rate_limits, so the virtual host's stay out.
        assertEquals(List.of("generic_key=api,user=alice"), descriptors(sent));
        assertEquals(ok + 1, stat("cluster.backend.ratelimit.ok"));
        // apply_on_stream_done: sent on its own once the stream is done, not enforced.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.size() < before + 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(before + 2, received.size());
        assertTrue(since(before).stream().anyMatch(q -> descriptors(q).equals(List.of(STREAM_DONE))));
    }

    @Test
    void overTheLimitIs429WithXEnvoyRateLimited() throws Exception {
        long over = stat("cluster.backend.ratelimit.over_limit");
        long rq429 = stat("cluster.backend.upstream_rq_429");
        HttpResponse<String> r = get("main", "/api/orders", "x-user", "over");
        assertEquals(429, r.statusCode());
        assertEquals("slow down", r.body());
        assertEquals("true", r.headers().firstValue("x-envoy-ratelimited").orElse(null));
        assertEquals("quota", r.headers().firstValue("x-rls-reason").orElse(null));
        // response_headers_to_add of the filter config, formatted against the request.
        assertEquals("over", r.headers().firstValue("x-limited-by").orElse(null));
        assertEquals("0", r.headers().firstValue("x-ratelimit-remaining").orElse(null));
        assertEquals("main /api/orders 429 RL request_rate_limited", awaitLogLine("main /api/orders 429"));
        assertEquals(over + 1, stat("cluster.backend.ratelimit.over_limit"));
        assertEquals(rq429 + 1, stat("cluster.backend.upstream_rq_429"));
    }

    /** filter_enforced 0%: over the limit is counted and marked, not answered. */
    @Test
    void notEnforcedOverLimitGoesUpstream() throws Exception {
        long over = stat("cluster.backend.ratelimit.over_limit");
        HttpResponse<String> r = get("shadow", "/api/orders", "x-user", "over");
        assertEquals(200, r.statusCode());
        assertEquals("backend added=null", r.body());
        assertEquals("true", r.headers().firstValue("x-envoy-ratelimited").orElse(null));
        assertTrue(r.headers().firstValue("x-limited-by").isEmpty());
        assertEquals(over + 1, stat("cluster.backend.ratelimit.over_limit"));
    }

    /** request_type external: a loopback client of a use_remote_address connection manager is internal. */
    @Test
    void internalRequestsSkippedByAnExternalOnlyFilter() throws Exception {
        int before = received.size();
        HttpResponse<String> r = get("external_only", "/api/orders", "x-user", "over");
        assertEquals(200, r.statusCode());
        assertEquals(before, received.size());
    }

    @Test
    void routeWithoutRateLimitsUsesTheVirtualHosts() throws Exception {
        int before = received.size();
        assertEquals(200, get("main", "/other").statusCode());
        assertEquals(List.of("remote_address=127.0.0.1"), descriptors(onlyRequestSince(before)));
    }

    @Test
    void includeVhRateLimitsAddsTheVirtualHosts() throws Exception {
        int before = received.size();
        assertEquals(200, get("main", "/vh").statusCode());
        assertEquals(List.of("generic_key=vh-route", "remote_address=127.0.0.1"), descriptors(onlyRequestSince(before)));
    }

    @Test
    void perRouteRateLimitsAndDomainReplaceTheRoutes() throws Exception {
        int before = received.size();
        assertEquals(200, get("main", "/per-route", "x-user", "bob").statusCode());
        RateLimitRequest sent = onlyRequestSince(before);
        assertEquals("per-route-domain", sent.getDomain());
        assertEquals(List.of("user=bob"), descriptors(sent));
        assertEquals(3, sent.getDescriptors(0).getHitsAddend().getValue());
    }

    /** limit.dynamic_metadata: a struct with requests_per_unit and a known unit goes with its descriptor. */
    @Test
    void limitOverridesFromDynamicMetadata() throws Exception {
        int before = received.size();
        assertEquals(200, get("main", "/override").statusCode());
        RateLimitRequest sent = onlyRequestSince(before);
        assertEquals(List.of("generic_key=good", "generic_key=bad-unit", "generic_key=absent"), descriptors(sent));
        assertEquals(42, sent.getDescriptors(0).getLimit().getRequestsPerUnit());
        assertEquals(io.envoyproxy.envoy.type.v3.RateLimitUnit.HOUR, sent.getDescriptors(0).getLimit().getUnit());
        // A unit that names no RateLimitUnit, or no value at the key: the descriptor goes without one.
        assertTrue(!sent.getDescriptors(1).hasLimit() && !sent.getDescriptors(2).hasLimit(), sent.toString());
    }

    /** Expr descriptor extensions: the CEL value under descriptor_key; an error drops the descriptor unless skip_if_error. */
    @Test
    void exprDescriptorsReachTheService() throws Exception {
        int before = received.size();
        assertEquals(200, get("main", "/expr", "x-plan", "gold").statusCode());
        assertEquals(List.of("plan=gold-GET", "generic_key=tolerant"), descriptors(onlyRequestSince(before)));
        before = received.size();
        assertEquals(200, get("main", "/expr").statusCode());
        assertEquals(List.of("generic_key=tolerant"), descriptors(onlyRequestSince(before)),
                "no x-plan: that expression fails, and its descriptor goes");
    }

    /** HTTP matching inputs as descriptor extensions: the value under the extension's name; no value, no descriptor. */
    @Test
    void matchingInputDescriptorsReachTheService() throws Exception {
        int before = received.size();
        assertEquals(200, get("main", "/input?region=eu", "x-user", "ann").statusCode());
        assertEquals(List.of("user=ann", "generic_key=by-query,region=eu"), descriptors(onlyRequestSince(before)));
        before = received.size();
        assertEquals(200, get("main", "/input?other=1").statusCode());
        assertEquals(before, received.size(), "neither input has a value: no descriptor, no call");
    }

    @Test
    void noDescriptorsNoCall() throws Exception {
        int before = received.size();
        HttpResponse<String> r = get("main", "/unlimited");
        assertEquals(200, r.statusCode());
        assertEquals("backend added=null", r.body());
        assertEquals(before, received.size());
    }

    @Test
    void serviceDownFailsClosedWithFailureModeDeny() throws Exception {
        long errors = stat("cluster.backend.ratelimit.error");
        HttpResponse<String> r = get("down_closed", "/api/x", "x-user", "alice");
        assertEquals(500, r.statusCode());
        assertEquals("down_closed /api/x 500 RLSE rate_limiter_error", awaitLogLine("down_closed /api/x "));
        assertEquals(errors + 1, stat("cluster.backend.ratelimit.error"));
    }

    @Test
    void serviceDownLetsRequestsThroughByDefault() throws Exception {
        long allowed = stat("cluster.backend.ratelimit.failure_mode_allowed");
        HttpResponse<String> r = get("down_open", "/api/x", "x-user", "alice");
        assertEquals(200, r.statusCode());
        assertEquals("backend added=null", r.body());
        assertEquals(allowed + 1, stat("cluster.backend.ratelimit.failure_mode_allowed"));
        assertEquals(allowed + 1, proxy.metric("envoy_cluster_ratelimit_failure_mode_allowed{envoy_cluster_name=\"backend\"}"));
    }

    /** Sends an HTTP/1.1 request over a raw connection; the response's status line, or null when closed. */
    static String rawExchange(String listener) throws Exception {
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", PORTS.get(listener))) {
            sock.setSoTimeout(10_000);
            sock.getOutputStream().write("GET /tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String head;
            try {
                head = HttpHeads.read(sock.getInputStream());
            } catch (java.net.SocketException reset) {
                return null;
            }
            return head.isEmpty() ? null : head.substring(0, head.indexOf("\r\n"));
        }
    }

    @Test
    void networkFilterLetsConnectionsUnderTheLimitThrough() throws Exception {
        int before = received.size();
        assertEquals("HTTP/1.1 200 OK", rawExchange("net_ok"));
        RateLimitRequest sent = onlyRequestSince(before);
        assertEquals("tcp-domain", sent.getDomain());
        assertEquals(List.of("tcp=allowed,from=127.0.0.1"), descriptors(sent));
        assertEquals(1, stat("ratelimit.net_ok.ok"));
        assertEquals(1, stat("ratelimit.net_ok.total"));
    }

    @Test
    void networkFilterClosesConnectionsOverTheLimit() throws Exception {
        assertEquals(null, rawExchange("net_over"));
        assertEquals(1, stat("ratelimit.net_over.over_limit"));
        assertEquals(1, stat("ratelimit.net_over.cx_closed"));
        assertEquals(1.0, proxy.metric("envoy_ratelimit_cx_closed{envoy_ratelimit_prefix=\"net_over\"}"));
    }

    @Test
    void networkFilterClosesOnErrorWithFailureModeDeny() throws Exception {
        assertEquals(null, rawExchange("net_down"));
        assertEquals(1, stat("ratelimit.net_down.error"));
        assertEquals(1, stat("ratelimit.net_down.cx_closed"));
    }
}

package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * envoy.filters.http.local_ratelimit and envoy.filters.network.local_ratelimit through real
 * sockets: 429 with x-ratelimit-* headers and refill, shadow mode (counted, not enforced),
 * per-route and per-descriptor buckets, and connections closed over the rate.
 */
class LocalRateLimitE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static ProxyProcess proxy;
    static Path accessLog;
    static int tcpPort;
    static final List<String> SHARED = List.of("share_a", "share_b", "share_other");
    static final Map<String, Integer> sharedPorts = new java.util.HashMap<>();
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static final String ROUTE_LIMIT = """
            "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
            stat_prefix: per_route
            token_bucket: { max_tokens: 2, fill_interval: 60s }
            filter_enabled: { default_value: { numerator: 100 } }
            filter_enforced: { default_value: { numerator: 100 } }
            """;

    /** Descriptors without rate_limits of its own: the route's (or virtual host's) rate_limits make them. */
    static final String DESC_LIMIT = """
            "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
            stat_prefix: route_desc
            token_bucket: { max_tokens: 1000, fill_interval: 60s }
            filter_enabled: { default_value: { numerator: 100 } }
            filter_enforced: { default_value: { numerator: 100 } }
            descriptors:
            - entries: [{ key: client, value: carol }]
              token_bucket: { max_tokens: 1, fill_interval: 60s }
            - entries: [{ key: generic_key, value: vh }]
              token_bucket: { max_tokens: 1, fill_interval: 60s }
            - entries: [{ key: generic_key, value: staged }]
              token_bucket: { max_tokens: 1, fill_interval: 60s }
            - entries: [{ key: plan, value: gold }]
              token_bucket: { max_tokens: 1, fill_interval: 60s }
            - entries: [{ key: query_match, value: nodebug }]
              token_bucket: { max_tokens: 1, fill_interval: 60s }
            """;

    static final String BOOTSTRAP = """
            admin:
              address: { socket_address: { address: 127.0.0.1, port_value: ${ADMIN} } }
            static_resources:
              listeners:
              - name: http
                address: { socket_address: { address: 127.0.0.1, port_value: ${PORT} } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: ingress
                      access_log:
                      - name: envoy.access_loggers.file
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                          path: ${LOG}
                          log_format: { text_format_source: { inline_string: "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%\\n" } }
                      http_filters:
                      - name: envoy.filters.http.local_ratelimit
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                          stat_prefix: global
                          token_bucket: { max_tokens: 3, tokens_per_fill: 3, fill_interval: 2s }
                          filter_enabled: { runtime_key: rl_enabled, default_value: { numerator: 100, denominator: HUNDRED } }
                          filter_enforced: { runtime_key: rl_enforced, default_value: { numerator: 100, denominator: HUNDRED } }
                          enable_x_ratelimit_headers: DRAFT_VERSION_03
                          response_headers_to_add:
                          - append_action: OVERWRITE_IF_EXISTS_OR_ADD
                            header: { key: x-local-rate-limit, value: "true" }
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                      route_config:
                        virtual_hosts:
                        - name: all
                          domains: ["*"]
                          rate_limits:
                          - actions: [{ generic_key: { descriptor_value: vh } }]
                          routes:
                          - match: { prefix: "/shadow" }
                            route: { cluster: web }
                            typed_per_filter_config:
                              envoy.filters.http.local_ratelimit:
                                "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                                stat_prefix: shadow
                                token_bucket: { max_tokens: 1, fill_interval: 60s }
                                filter_enabled: { default_value: { numerator: 100 } }
                                request_headers_to_add_when_not_enforced:
                                - header: { key: x-rl-shadow, value: "over" }
                          - match: { prefix: "/route-a" }
                            route: { cluster: web }
                            typed_per_filter_config:
                              envoy.filters.http.local_ratelimit:
            ${ROUTE_LIMIT}
                          - match: { prefix: "/route-b" }
                            route: { cluster: web }
                            typed_per_filter_config:
                              envoy.filters.http.local_ratelimit:
            ${ROUTE_LIMIT}
                          - match: { prefix: "/desc" }
                            route: { cluster: web }
                            typed_per_filter_config:
                              envoy.filters.http.local_ratelimit:
                                "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                                stat_prefix: desc
                                status: { code: ServiceUnavailable }
                                token_bucket: { max_tokens: 1000, fill_interval: 60s }
                                filter_enabled: { default_value: { numerator: 100 } }
                                filter_enforced: { default_value: { numerator: 100 } }
                                enable_x_ratelimit_headers: DRAFT_VERSION_03
                                descriptors:
                                - entries: [{ key: client, value: alice }]
                                  token_bucket: { max_tokens: 1, fill_interval: 60s }
                                rate_limits:
                                - actions: [{ request_headers: { header_name: x-client, descriptor_key: client } }]
                          - match: { prefix: "/rdesc" }
                            route:
                              cluster: web
                              rate_limits:
                              - actions: [{ request_headers: { header_name: x-client, descriptor_key: client } }]
                              - stage: 1
                                actions: [{ generic_key: { descriptor_value: staged } }]
                            typed_per_filter_config:
                              envoy.filters.http.local_ratelimit:
            ${DESC_LIMIT}
                          - match: { prefix: "/mdesc" }
                            metadata: { filter_metadata: { acme: { plan: gold } } }
                            route:
                              cluster: web
                              rate_limits:
                              - actions: [{ metadata: { descriptor_key: plan, source: ROUTE_ENTRY, metadata_key: { key: acme, path: [{ key: plan }] } } }]
                            typed_per_filter_config:
                              envoy.filters.http.local_ratelimit:
            ${DESC_LIMIT}
                          - match: { prefix: "/xdesc" }
                            route:
                              cluster: web
                              rate_limits:
                              - actions:
                                - extension:
                                    name: envoy.rate_limit_descriptors.expr
                                    typed_config:
                                      "@type": type.googleapis.com/envoy.extensions.rate_limit_descriptors.expr.v3.Descriptor
                                      descriptor_key: plan
                                      text: "request.headers['x-tier'] == 'top' ? 'gold' : 'basic'"
                            typed_per_filter_config:
                              envoy.filters.http.local_ratelimit:
            ${DESC_LIMIT}
            ${INPUT_ROUTES}
                          - match: { prefix: "/vhdesc" }
                            route: { cluster: web }
                            typed_per_filter_config:
                              envoy.filters.http.local_ratelimit:
            ${DESC_LIMIT}
                          - match: { prefix: "/perconn" }
                            route: { cluster: web }
                            typed_per_filter_config:
                              envoy.filters.http.local_ratelimit:
                                "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                                stat_prefix: perconn
                                token_bucket: { max_tokens: 1, fill_interval: 60s }
                                filter_enabled: { default_value: { numerator: 100 } }
                                filter_enforced: { default_value: { numerator: 100 } }
                                local_rate_limit_per_downstream_connection: true
                          - match: { prefix: "/off" }
                            route: { cluster: web }
                            typed_per_filter_config:
                              envoy.filters.http.local_ratelimit:
                                "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                                disabled: true
                          - match: { prefix: "/" }
                            route: { cluster: web }
              - name: tcp
                address: { socket_address: { address: 127.0.0.1, port_value: ${TCP_PORT} } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.local_ratelimit
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit
                      stat_prefix: tcp_rl
                      token_bucket: { max_tokens: 2, fill_interval: 60s }
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: tcp
                      cluster: web
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: ${LOG}
                    log_format: { text_format_source: { inline_string: "listener tcp %RESPONSE_FLAGS% %CONNECTION_TERMINATION_DETAILS%\\n" } }
            ${SHARED_LISTENERS}
              clusters:
            ${CLUSTERS}
            layered_runtime:
              layers: [{ name: admin, admin_layer: {} }]
            """;

    /**
     * A listener whose network local_ratelimit has share_key {@code share} and a bucket of one
     * token, relaying to web, and logging each connection's flags and termination details.
     */
    static String sharedListener(String name, String share) {
        return ("""
                - name: NAME
                  address: { socket_address: { address: 127.0.0.1, port_value: ${NAME_PORT} } }
                """ + Bootstraps.indent(Bootstraps.fileAccessLog("${LOG}",
                "listener NAME %RESPONSE_FLAGS% %CONNECTION_TERMINATION_DETAILS%"), 2) + """

                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.local_ratelimit
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit
                        stat_prefix: NAME
                        share_key: SHARE
                        token_bucket: { max_tokens: 1, fill_interval: 3600s }
                    - name: envoy.filters.network.tcp_proxy
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        stat_prefix: NAME
                        cluster: web
                """ + Bootstraps.indent(Bootstraps.fileAccessLog("${LOG}",
                "tcp NAME %RESPONSE_FLAGS% %CONNECTION_TERMINATION_DETAILS% %UPSTREAM_CLUSTER%"), 8) + "\n")
                .replace("NAME", name).replace("SHARE", share);
    }

    /** The x-client header input as a descriptor extension named client (a YAML flow map). */
    static final String CLIENT_INPUT = "{ extension: { name: client, typed_config: { \"@type\":"
            + " type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput, header_name: x-client } } }";

    /** A route whose policy's hits_addend is 3, its descriptor's bucket holding 4. */
    static final String HITS_ROUTE = """
            - match: { prefix: "/hits" }
              route: { cluster: web, rate_limits: [{ actions: [{ generic_key: { descriptor_value: hits } }], hits_addend: { number: 3 } }] }
              typed_per_filter_config:
                envoy.filters.http.local_ratelimit:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                  stat_prefix: hits
                  token_bucket: { max_tokens: 1000, fill_interval: 60s }
                  filter_enabled: { default_value: { numerator: 100 } }
                  filter_enforced: { default_value: { numerator: 100 } }
                  descriptors:
                  - entries: [{ key: generic_key, value: hits }]
                    token_bucket: { max_tokens: 4, fill_interval: 60s }
            """;

    /** A route (YAML, unindented) under {@code prefix} to web with one policy of these actions, limited by DESC_LIMIT. */
    static String inputRoute(String prefix, String... actions) {
        return "- match: { prefix: \"" + prefix + "\" }\n"
                + "  route: { cluster: web, rate_limits: [{ actions: [" + String.join(", ", actions) + "] }] }\n"
                + "  typed_per_filter_config:\n    envoy.filters.http.local_ratelimit:\n"
                + DESC_LIMIT.indent(6);
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "ok " + req.uri() + " shadow=" + req.headers().get("x-rl-shadow")));
        tcpPort = ProxyProcess.freePort();
        for (String name : SHARED) {
            sharedPorts.put(name, ProxyProcess.freePort());
        }
        accessLog = TempPaths.file("ratelimit-access", ".log");
        String shared = (sharedListener("share_a", "tenant") + sharedListener("share_b", "tenant")
                + sharedListener("share_other", "other")).indent(2).stripTrailing();
        for (String name : SHARED) {
            shared = shared.replace("${" + name + "_PORT}", String.valueOf(sharedPorts.get(name)));
        }
        proxy = stack.start(stack.render(BOOTSTRAP.replace("${SHARED_LISTENERS}", shared), Map.of("TCP_PORT", tcpPort, "LOG", accessLog,
                "ROUTE_LIMIT", ROUTE_LIMIT.indent(20).stripTrailing(),
                "DESC_LIMIT", DESC_LIMIT.indent(20).stripTrailing(),
                "INPUT_ROUTES", (inputRoute("/hdesc", CLIENT_INPUT) + inputRoute("/h2desc", CLIENT_INPUT,
                        "{ generic_key: { descriptor_key: plan, descriptor_value: gold } }")
                        + inputRoute("/qdesc", "{ extension: { name: plan, typed_config: { \"@type\": "
                        + "type.googleapis.com/envoy.type.matcher.v3.HttpRequestQueryParamMatchInput, query_param: plan } } }")
                        + inputRoute("/qmdesc", "{ query_parameter_value_match: { descriptor_key: plan, descriptor_value: gold,"
                        + " query_parameters: [{ name: tier, string_match: { exact: 'top secret' } }, { name: flag }] } }")
                        + inputRoute("/qndesc", "{ query_parameter_value_match: { descriptor_value: nodebug,"
                        + " expect_match: false, query_parameters: [{ name: debug, present_match: true }] } }")
                        + HITS_ROUTE)
                        .indent(14).stripTrailing(),
                "CLUSTERS", Bootstraps.indent(Bootstraps.cluster("web", false, null, upstream.port()), 2))),
                List.of("-Xmx256m"), "--file-flush-interval-msec", "100");
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.url(path)))
                .timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static double stat(String name, String prefix) throws Exception {
        return proxy.metric("envoy_http_local_rate_limit_" + name + "{envoy_local_http_ratelimit_prefix=\"" + prefix + "\"}");
    }

    @Test
    void tooManyRequestsWithRateLimitHeadersThenRefill() throws Exception {
        double enabled = stat("enabled", "global");
        double enforced = stat("enforced", "global");
        // The bucket holds 3 and refills 3 every 2 s: a burst runs dry within a few requests
        // (a refill may fall inside the burst, so count until the first 429).
        HttpResponse<String> limited = null;
        int ok = 0;
        for (int i = 0; i < 12 && limited == null; i++) {
            HttpResponse<String> r = get("/burst/" + i);
            if (r.statusCode() == 429) {
                limited = r;
            } else {
                assertEquals(200, r.statusCode());
                assertEquals("3", r.headers().firstValue("x-ratelimit-limit").orElse(null));
                ok++;
            }
        }
        assertTrue(limited != null && ok >= 3, "no 429 after " + ok + " requests");
        assertEquals("local_rate_limited", limited.body());
        assertEquals("true", limited.headers().firstValue("x-local-rate-limit").orElse(null));
        assertEquals("3", limited.headers().firstValue("x-ratelimit-limit").orElse(null));
        assertEquals("0", limited.headers().firstValue("x-ratelimit-remaining").orElse(null));
        long reset = Long.parseLong(limited.headers().firstValue("x-ratelimit-reset").orElseThrow());
        assertTrue(reset >= 0 && reset <= 2, "reset " + reset);
        assertTrue(stat("enforced", "global") >= enforced + 1);
        assertTrue(stat("rate_limited", "global") >= stat("enforced", "global"));
        assertEquals(enabled + ok + 1, stat("enabled", "global"), "one enabled count per request");
        assertTrue(HttpProxyE2ETest.awaitLogLine(accessLog, "/burst/" + ok + " 429 RL local_rate_limited")
                .startsWith("/burst/"));
        // A whole fill interval later there are tokens again.
        Thread.sleep(2100);
        HttpResponse<String> again = get("/burst/after");
        assertEquals(200, again.statusCode());
        assertEquals("ok /burst/after shadow=null", again.body());
    }

    private static int runtimeModify(String query) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.adminUri("/runtime_modify?" + query))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** filter_enabled / filter_enforced read their runtime keys per request, as Envoy's filter does. */
    @Test
    void runtimeKeysTurnEnforcementAndTheFilterOff() throws Exception {
        try {
            assertEquals(200, runtimeModify("rl_enforced=0"));
            double enforced = stat("enforced", "global");
            double limited = stat("rate_limited", "global");
            for (int i = 0; i < 8; i++) {
                assertEquals(200, get("/rt/shadow/" + i).statusCode(), "not enforced: request " + i);
            }
            assertTrue(stat("rate_limited", "global") > limited, "the bucket still runs dry (counted, not enforced)");
            assertEquals(enforced, stat("enforced", "global"));

            assertEquals(200, runtimeModify("rl_enforced=&rl_enabled=0"));
            double enabled = stat("enabled", "global");
            for (int i = 0; i < 8; i++) {
                assertEquals(200, get("/rt/off/" + i).statusCode(), "disabled: request " + i);
            }
            assertEquals(enabled, stat("enabled", "global"), "a disabled filter does not look at the bucket");
        } finally {
            runtimeModify("rl_enforced=&rl_enabled=");
            Thread.sleep(2100); // the global bucket refills for the other tests
        }
    }

    @Test
    void shadowModeCountsButDoesNotEnforce() throws Exception {
        double limited = stat("rate_limited", "shadow");
        HttpResponse<String> first = get("/shadow/1");
        HttpResponse<String> second = get("/shadow/2");
        assertEquals(200, first.statusCode());
        assertEquals("ok /shadow/1 shadow=null", first.body());
        assertEquals(200, second.statusCode());
        assertEquals("ok /shadow/2 shadow=over", second.body(), "request_headers_to_add_when_not_enforced");
        assertEquals(limited + 1, stat("rate_limited", "shadow"));
        assertEquals(0, stat("enforced", "shadow"));
        assertEquals(1, stat("ok", "shadow"));
        assertTrue(proxy.admin("/stats?filter=shadow").contains("shadow.http_local_rate_limit.rate_limited: "));
    }

    @Test
    void eachRouteHasItsOwnBucket() throws Exception {
        assertEquals(200, get("/route-a/1").statusCode());
        assertEquals(200, get("/route-a/2").statusCode());
        assertEquals(200, get("/route-b/1").statusCode(), "route-b shares no tokens with route-a");
        assertEquals(200, get("/route-b/2").statusCode());
        assertEquals(429, get("/route-a/3").statusCode());
        assertEquals(429, get("/route-b/3").statusCode());
        assertEquals(2, stat("enforced", "per_route"));
        // The route's bucket replaced the filter's: it has no x-ratelimit headers configured.
        assertFalse(get("/route-a/4").headers().firstValue("x-ratelimit-limit").isPresent());
    }

    @Test
    void descriptorBucket() throws Exception {
        HttpResponse<String> a1 = get("/desc/1", "x-client", "alice");
        assertEquals(200, a1.statusCode());
        assertEquals("1", a1.headers().firstValue("x-ratelimit-limit").orElse(null), "the descriptor's bucket decides");
        HttpResponse<String> a2 = get("/desc/2", "x-client", "alice");
        assertEquals(503, a2.statusCode(), "configured status");
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> b = get("/desc/b" + i, "x-client", "bob");
            assertEquals(200, b.statusCode());
            assertEquals("1000", b.headers().firstValue("x-ratelimit-limit").orElse(null));
        }
        assertEquals(200, get("/desc/none").statusCode());
    }

    @Test
    void hitsAddendTakesThatManyTokens() throws Exception {
        // Envoy's Descriptor.hits_addend: 3 of the descriptor bucket's 4 tokens, then too few are left.
        assertEquals(200, get("/hits/1").statusCode());
        assertEquals(429, get("/hits/2").statusCode());
        assertEquals(1, stat("rate_limited", "hits"));
    }

    @Test
    void routeRateLimitsMakeTheDescriptors() throws Exception {
        assertEquals(200, get("/rdesc/1", "x-client", "carol").statusCode());
        assertEquals(429, get("/rdesc/2", "x-client", "carol").statusCode(), "the route's request_headers action");
        for (int i = 0; i < 4; i++) {
            // Neither the stage-1 policy nor (the route has rate_limits: vh_rate_limits OVERRIDE) the
            // virtual host's make a descriptor, so dave only meets the 1000-token default bucket.
            assertEquals(200, get("/rdesc/d" + i, "x-client", "dave").statusCode());
        }
    }

    /** A metadata action with source ROUTE_ENTRY reads the route's own metadata. */
    @Test
    void routeMetadataMakesADescriptor() throws Exception {
        assertEquals(200, get("/mdesc/1").statusCode());
        assertEquals(429, get("/mdesc/2").statusCode(), "the plan=gold descriptor's one token is spent");
    }

    /**
     * Requests to {@code freePath} with {@code freeHeaders} (a descriptor without a bucket of its
     * own, or none) all pass; to {@code limitedPath} with {@code limitedHeaders} the first spends
     * the descriptor's one token and the second is limited.
     */
    static void freeThenLimited(String freePath, String[] freeHeaders, String limitedPath, String... limitedHeaders)
            throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, get(freePath, freeHeaders).statusCode(), "no descriptor with a bucket of its own");
        }
        assertEquals(200, get(limitedPath, limitedHeaders).statusCode());
        assertEquals(429, get(limitedPath, limitedHeaders).statusCode(), "the descriptor's one token is spent");
    }

    /** An expr descriptor extension (CEL over the request) makes the plan=gold descriptor. */
    @Test
    void exprDescriptorMakesADescriptor() throws Exception {
        freeThenLimited("/xdesc/b", new String[] {"x-tier", "low"}, "/xdesc/1", "x-tier", "top");
    }

    /** A request header input as the descriptor extension: its value under the extension's name. */
    @Test
    void headerInputMakesADescriptor() throws Exception {
        freeThenLimited("/hdesc/n", new String[0], "/hdesc/1", "x-client", "carol");
        assertEquals(200, get("/hdesc/3", "x-client", "dave").statusCode(), "client=dave has no bucket of its own");
    }

    /**
     * As Envoy's MatchInputRateLimitDescriptor: a missing header drops the whole descriptor (else
     * plan=gold alone would be limited), an empty one drops only its entry (leaving plan=gold).
     */
    @Test
    void absentInputDropsTheDescriptorEmptyOnlyItsEntry() throws Exception {
        freeThenLimited("/h2desc/n", new String[0], "/h2desc/1", "x-client", "");
    }

    /** A query parameter input: the parameter's first value. */
    @Test
    void queryParameterInputMakesADescriptor() throws Exception {
        freeThenLimited("/qdesc/b?plan=basic", new String[0], "/qdesc/1?x=1&plan=gold&plan=basic");
    }

    /** query_parameter_value_match: every matcher on the decoded query, then the fixed entry. */
    @Test
    void queryParameterValueMatchMakesADescriptor() throws Exception {
        for (String free : new String[] {"/qmdesc/a?tier=top%20secret", "/qmdesc/b?tier=top&flag", "/qmdesc/c"}) {
            assertEquals(200, get(free).statusCode(), free + ": not every matcher holds");
        }
        freeThenLimited("/qmdesc/d?flag=1", new String[0], "/qmdesc/1?flag&tier=top%20secret");
    }

    /** expect_match false: the entry (under the default key query_match) when the query does not match. */
    @Test
    void queryParameterValueMatchExpectingNoMatch() throws Exception {
        freeThenLimited("/qndesc/a?debug", new String[0], "/qndesc/1?x=debug");
    }

    @Test
    void virtualHostRateLimitsApplyWhenTheRouteHasNone() throws Exception {
        assertEquals(200, get("/vhdesc/1").statusCode());
        HttpResponse<String> limited = get("/vhdesc/2");
        assertEquals(429, limited.statusCode(), "the virtual host's generic_key descriptor");
        assertEquals("local_rate_limited", limited.body());
    }

    @Test
    void perDownstreamConnectionBuckets() throws Exception {
        // One curl run reuses one connection for both URLs: its own bucket of one token.
        assertEquals("200 429 ", curl("/perconn/1", "/perconn/2"));
        assertEquals("200 429 ", curl("/perconn/3", "/perconn/4"), "a new connection has a full bucket");
    }

    private static String curl(String... paths) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-s", "--http1.1", "-w", "%{http_code} "));
        for (String p : paths) {
            cmd.addAll(List.of("-o", "/dev/null", stack.url(p)));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
        return out;
    }

    @Test
    void disabledPerRoute() throws Exception {
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> r = get("/off/" + i);
            assertEquals(200, r.statusCode());
            assertNull(r.headers().firstValue("x-ratelimit-limit").orElse(null));
        }
    }

    @Test
    void networkFilterClosesConnectionsOverTheRate() throws Exception {
        String sample = "envoy_local_rate_limit_rate_limited{envoy_local_network_ratelimit_prefix=\"tcp_rl\"}";
        assertTrue(exchange().startsWith("HTTP/1.1 200"));
        assertTrue(exchange().startsWith("HTTP/1.1 200"));
        assertEquals("", exchange(), "the third connection is closed without an answer");
        assertEquals(1, proxy.metric(sample));
        assertTrue(proxy.admin("/stats?filter=rate_limit").contains("local_rate_limit.tcp_rl.rate_limited: 1"));
        // Envoy's filter flags the refused connection UpstreamRetryLimitExceeded before closing it.
        assertEquals("listener tcp URX local_ratelimit_close_over_limit",
                HttpProxyE2ETest.awaitLogLine(accessLog, "listener tcp URX"));
    }

    /**
     * Filters of one share_key and the same token bucket draw on one bucket (Envoy's
     * SharedRateLimitSingleton); another share_key has its own. The refused connection's listener
     * access log entry says URX and why it was closed.
     */
    @Test
    void shareKeySharesTheBucketAndTheRefusalIsLogged() throws Exception {
        assertTrue(exchange(sharedPorts.get("share_a")).startsWith("HTTP/1.1 200"));
        assertEquals("", exchange(sharedPorts.get("share_b")), "share_a took the tenant bucket's one token");
        assertTrue(exchange(sharedPorts.get("share_other")).startsWith("HTTP/1.1 200"), "another share_key");
        assertEquals(0, proxy.stat("local_rate_limit.share_a.rate_limited"));
        assertEquals(1, proxy.stat("local_rate_limit.share_b.rate_limited"));
        assertEquals("listener share_b URX local_ratelimit_close_over_limit",
                HttpProxyE2ETest.awaitLogLine(accessLog, "listener share_b"));
        assertEquals("listener share_a - -", HttpProxyE2ETest.awaitLogLine(accessLog, "listener share_a"));
        // Envoy's tcp_proxy is made with the connection and logs it as it ends, refused or not.
        assertEquals("tcp share_b URX local_ratelimit_close_over_limit -",
                HttpProxyE2ETest.awaitLogLine(accessLog, "tcp share_b"));
        assertEquals("tcp share_a - - web", HttpProxyE2ETest.awaitLogLine(accessLog, "tcp share_a"));
    }

    /** One HTTP/1.1 request over a fresh connection to the TCP listener; what came back until close. */
    static String exchange() throws Exception {
        return exchange(tcpPort);
    }

    /** As {@link #exchange()} on another port. */
    static String exchange(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write("GET /tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (java.io.IOException closedAlready) {
                return "";
            }
            InputStream in = s.getInputStream();
            try {
                return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            } catch (java.net.SocketException reset) {
                return "";
            }
        }
    }
}

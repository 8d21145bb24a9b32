package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection manager's header options through real sockets and curl: via,
 * always_set_request_id_in_response, append_x_forwarded_port, scheme_to_overwrite,
 * strip_trailing_host_dot with strip_matching_host_port or strip_any_host_port, each
 * path_with_escaped_slashes_action, internal_address_config, headers_with_underscores_action,
 * add_user_agent and proxy_status_config. The upstream answers with the request head it received.
 */
class HcmHeaderOptionsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    /** Answers with the request head it received. */
    static final TestUpstream.Responder upstreamResponder = (ctx, req, n) -> {
        StringBuilder head = new StringBuilder(":path=" + req.uri() + "\n");
        req.headers().forEach(e -> head.append(e.getKey().toLowerCase(java.util.Locale.ROOT)).append('=')
                .append(e.getValue()).append('\n'));
        TestUpstream.send(ctx, req, 200, head.toString());
    };
    static ProxyProcess proxy;
    static final Map<String, Integer> PORTS = new HashMap<>();

    static String listener(String name, String fields) {
        return Bootstraps.httpListenerWithHosts(name, "", fields, """
                - name: named
                  domains: ["example.com"]
                  routes: [{ match: { prefix: "/" }, direct_response: { status: 200, body: { inline_string: "example.com" } } }]
                - name: all
                  domains: ["*"]
                  routes:
                  - { match: { prefix: "/moved" }, redirect: { path_redirect: "/elsewhere" } }
                  - { match: { prefix: "/" }, route: { cluster: web } }
                """);
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream(upstreamResponder);
        for (String l : List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l")) {
            PORTS.put(l, ProxyProcess.freePort());
        }
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listener("a", """
                        via: remora-a
                        always_set_request_id_in_response: true
                        append_x_forwarded_port: true
                        scheme_header_transformation: { scheme_to_overwrite: https }
                        strip_matching_host_port: true
                        strip_trailing_host_dot: true
                        path_with_escaped_slashes_action: UNESCAPE_AND_REDIRECT
                        """)
                + listener("b", """
                        strip_any_host_port: true
                        path_with_escaped_slashes_action: REJECT_REQUEST
                        """)
                + listener("c", """
                        path_with_escaped_slashes_action: UNESCAPE_AND_FORWARD
                        merge_slashes: true
                        http_protocol_options: { accept_http_10: true }
                        """)
                + listener("d", "use_remote_address: true")
                + listener("e", """
                        use_remote_address: true
                        internal_address_config: { cidr_ranges: [{ address_prefix: 192.0.2.0, prefix_len: 24 }] }
                        """)
                + listener("j", """
                        use_remote_address: true
                        internal_address_config: {}
                        """)
                + listener("k", """
                        use_remote_address: true
                        preserve_external_request_id: true
                        """)
                + listener("l", """
                        use_remote_address: true
                        preserve_external_request_id: true
                        request_id_extension:
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig
                            pack_trace_reason: false
                        """)
                + listener("f", "common_http_protocol_options: { headers_with_underscores_action: DROP_HEADER }")
                + listener("g", "common_http_protocol_options: { headers_with_underscores_action: REJECT_REQUEST }")
                + listener("h", "add_user_agent: true")
                + Bootstraps.httpListener("i", "", "proxy_status_config: { set_recommended_response_code: true }", """
                        - match: { prefix: "/dead" }
                          route: { cluster: dead }
                        - match: { prefix: "/direct" }
                          direct_response: { status: 200, body: { inline_string: "here" } }
                        - match: { prefix: "/" }
                          route: { cluster: web }
                        """),
                Bootstraps.cluster("web", false, null, upstream.port()) + "\n"
                        + Bootstraps.cluster("dead", false, null, ProxyProcess.freePort()), PORTS), List.of(),
                "--service-cluster", "orders", "--service-node", "orders-7f9c");
    }

    static Curl curl(String listener, String path, String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.add("--path-as-is");
        all.add("http://127.0.0.1:" + PORTS.get(listener) + path);
        return Curl.run(all.toArray(new String[0]));
    }

    /** The request head the upstream received, by lower-case name. */
    static Map<String, String> upstreamSaw(Curl r) {
        assertEquals(200, r.status(), r.text());
        Map<String, String> m = new HashMap<>();
        for (String line : r.text().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }

    @Test
    void viaRequestIdForwardedPortAndScheme() throws Exception {
        Curl r = curl("a", "/x", "-H", "via: 1.1 client");
        Map<String, String> up = upstreamSaw(r);
        assertEquals("1.1 client, remora-a", up.get("via"));
        assertEquals(String.valueOf(PORTS.get("a")), up.get("x-forwarded-port"));
        assertEquals("https", up.get("x-forwarded-proto"));
        assertEquals("remora-a", r.header("via"));
        assertNotNull(up.get("x-request-id"));
        assertEquals(up.get("x-request-id"), r.header("x-request-id"));

        Map<String, String> plain = upstreamSaw(curl("b", "/x"));
        assertNull(plain.get("via"));
        assertNull(plain.get("x-forwarded-port"));
        assertEquals("http", plain.get("x-forwarded-proto"));
        assertNull(curl("b", "/x").header("x-request-id"), "only with always_set_request_id_in_response");
    }

    /**
     * An HTTP/1.1 request in origin form has no scheme of its own: as Envoy's, the connection
     * manager takes it from x-forwarded-proto as it stands after sanitizing (a trusted hop's, or
     * the connection's at the edge), so a redirect keeps the scheme the client used at the hop
     * before. A value that is neither http nor https leaves the connection's.
     */
    @Test
    void anHttp1RequestsSchemeIsTheForwardedProto() throws Exception {
        int c = PORTS.get("c");
        assertEquals("https://x.org/elsewhere", curl("c", "/moved", "-H", "host: x.org", "-H",
                "x-forwarded-proto: https").header("location"));
        assertEquals("HTTPS://x.org/elsewhere", curl("c", "/moved", "-H", "host: x.org", "-H",
                "x-forwarded-proto: HTTPS").header("location"), "any case, kept as it came");
        assertEquals("http://x.org/elsewhere", curl("c", "/moved", "-H", "host: x.org", "-H",
                "x-forwarded-proto: wss").header("location"));
        assertEquals("http://x.org/elsewhere", curl("d", "/moved", "-H", "host: x.org", "-H",
                "x-forwarded-proto: https").header("location"), "at the edge x-forwarded-proto is the connection's");
        assertEquals("http://y.org/elsewhere", Curl.run("--path-as-is", "--request-target", "http://y.org/moved",
                "-H", "x-forwarded-proto: https", "http://127.0.0.1:" + c + "/").header("location"),
                "an absolute-form target's scheme is its own");
    }

    /** A Referer that is no URL Envoy's parser takes, nor a relative reference, does not go upstream. */
    @Test
    void anInvalidRefererIsRemoved() throws Exception {
        assertEquals("https://shop.example/cart?x=1", upstreamSaw(curl("c", "/x", "-H",
                "referer: https://shop.example/cart?x=1")).get("referer"));
        assertEquals("../up", upstreamSaw(curl("c", "/x", "-H", "referer: ../up")).get("referer"));
        assertNull(upstreamSaw(curl("c", "/x", "-H", "referer: https://shop.example/cart#top")).get("referer"),
                "a fragment");
        assertNull(upstreamSaw(curl("c", "/x", "-H", "referer: https://me:pw@shop.example/")).get("referer"),
                "userinfo");
        assertNull(upstreamSaw(curl("c", "/x", "-H", "referer: javascript:alert(1)")).get("referer"));
    }

    @Test
    void theHostLosesItsTrailingDotAndTheListenersPort() throws Exception {
        int a = PORTS.get("a");
        assertEquals("example.com", curl("a", "/", "-H", "host: example.com.:" + a).text(),
                "example.com.:PORT became example.com, which has its own virtual host");
        assertEquals("other.org:1234", upstreamSaw(curl("a", "/", "-H", "host: other.org.:1234")).get("host"),
                "another port stays");
        assertEquals("other.org", upstreamSaw(curl("b", "/", "-H", "host: other.org:1234")).get("host"),
                "strip_any_host_port");
        assertEquals("other.org.:1234", upstreamSaw(curl("c", "/", "-H", "host: other.org.:1234")).get("host"),
                "neither option set");
    }

    @Test
    void escapedSlashes() throws Exception {
        Curl redirect = curl("a", "/a%2Fb%5cc?q=%2F");
        assertEquals(307, redirect.status());
        assertEquals("/a/b\\c?q=%2F", redirect.header("location"));
        // gRPC cannot follow a redirect: a 400, which gRPC's trailers-only form carries as INTERNAL.
        Curl grpc = curl("a", "/a%2fb", "-H", "content-type: application/grpc");
        assertEquals("13", grpc.header("grpc-status"), grpc.headers().toString());

        assertEquals(400, curl("b", "/a%2fb").status());
        assertEquals("/a%41", upstreamSaw(curl("b", "/a%41")).get(":path"), "other escapes pass");

        assertEquals("/a/b?q=%2F", upstreamSaw(curl("c", "/a%2F%2fb?q=%2F")).get(":path"),
                "unescaped, then merged");

        Curl stats = Curl.run(proxy.adminUri("/stats").toString());
        assertTrue(stats.text().contains("http.a.downstream_rq_redirected_with_normalized_path: 1"),
                stats.text());
    }

    /**
     * Who is internal is internal_address_config's alone. Without it no peer is (Envoy 1.33 on), so
     * a loopback client at the edge loses Envoy's internal headers and gets x-envoy-external-address
     * and a request id of the proxy's. With it but no cidr_ranges, Envoy's RFC 1918 / RFC 4193 set
     * decides, where loopback is 127.0.0.1 alone; cidr_ranges that leave loopback out make it external.
     */
    @Test
    void internalAddressConfigDecidesWhoIsInternal() throws Exception {
        // x-envoy-ip-tags: one of the headers an external request loses that the router leaves alone
        // (it consumes the retry headers itself, as Envoy's).
        Map<String, String> unset = upstreamSaw(curl("d", "/x", "-H", "x-envoy-ip-tags: a", "-H", "x-request-id: mine"));
        assertNull(unset.get("x-envoy-internal"));
        assertNull(unset.get("x-envoy-ip-tags"));
        assertEquals("127.0.0.1", unset.get("x-envoy-external-address"));
        assertTrue(unset.get("x-request-id").matches("[0-9a-f-]{36}"), "an edge request's id is replaced: "
                + unset.get("x-request-id"));

        Map<String, String> internal = upstreamSaw(curl("j", "/x", "-H", "x-envoy-ip-tags: a", "-H", "x-request-id: mine"));
        assertEquals("true", internal.get("x-envoy-internal"));
        assertEquals("a", internal.get("x-envoy-ip-tags"));
        assertEquals("mine", internal.get("x-request-id"));

        Map<String, String> external = upstreamSaw(curl("e", "/x", "-H", "x-envoy-ip-tags: a"));
        assertNull(external.get("x-envoy-internal"));
        assertNull(external.get("x-envoy-ip-tags"));
        assertEquals("127.0.0.1", external.get("x-envoy-external-address"));
    }

    /**
     * preserve_external_request_id keeps an edge request's x-request-id, but not the trace decision
     * packed in its 15th character, which no one outside may make (Envoy 1.33 on); without
     * pack_trace_reason the id is left whole. Inside, the reason stands.
     */
    @Test
    void anExternalRequestIdKeptAtTheEdgeLosesItsTraceReason() throws Exception {
        String forced = "125a4afb-6f55-a4ba-ad80-413f09f48a28";
        assertEquals("125a4afb-6f55-44ba-ad80-413f09f48a28",
                upstreamSaw(curl("k", "/x", "-H", "x-request-id: " + forced)).get("x-request-id"));
        assertEquals("short-id", upstreamSaw(curl("k", "/x", "-H", "x-request-id: short-id")).get("x-request-id"));
        assertEquals(forced, upstreamSaw(curl("l", "/x", "-H", "x-request-id: " + forced)).get("x-request-id"),
                "pack_trace_reason false");
        assertEquals(forced, upstreamSaw(curl("j", "/x", "-H", "x-request-id: " + forced)).get("x-request-id"),
                "an internal request's");
    }

    /**
     * Envoy's loopback is 127.0.0.1 alone: a peer at 127.0.0.2 is neither in its default internal set
     * nor a local hop whose place in x-forwarded-for the proxy's own address takes.
     */
    @Test
    void anotherLoopbackAddressIsAnExternalPeer() throws Exception {
        Map<String, String> up = upstreamSaw(curl("j", "/x", "--interface", "127.0.0.2", "-H", "x-envoy-ip-tags: a"));
        assertNull(up.get("x-envoy-internal"));
        assertNull(up.get("x-envoy-ip-tags"));
        assertEquals("127.0.0.2", up.get("x-envoy-external-address"));
        assertEquals("127.0.0.2", up.get("x-forwarded-for"));
        assertEquals("127.0.0.2", upstreamSaw(curl("j", "/x", "--interface", "127.0.0.2", "-H", "x-forwarded-for;"))
                .get("x-forwarded-for"), "appended to an empty x-forwarded-for without a comma");
    }

    /** headers_with_underscores_action: dropped, or the request refused (400 on HTTP/1, a reset on HTTP/2). */
    @Test
    void headersWithUnderscores() throws Exception {
        Map<String, String> dropped = upstreamSaw(curl("f", "/x", "-H", "x_tenant: a", "-H", "x-tenant: b"));
        assertNull(dropped.get("x_tenant"));
        assertEquals("b", dropped.get("x-tenant"));

        Curl refused = curl("g", "/x", "-H", "x_tenant: a");
        assertEquals(400, refused.status());
        assertEquals("b", upstreamSaw(curl("g", "/x", "-H", "x-tenant: b")).get("x-tenant"), "no underscore: served");
        assertThrows(java.io.IOException.class, () -> curl("g", "/x", "--http2-prior-knowledge", "-H", "x_tenant: a"),
                "HTTP/2: the stream is reset");

        String stats = Curl.run(proxy.adminUri("/stats").toString()).text();
        assertTrue(stats.contains("http1.dropped_headers_with_underscores: 1"), stats);
        assertTrue(stats.contains("http1.requests_rejected_with_underscores_in_headers: 1"), stats);
        assertTrue(stats.contains("http2.requests_rejected_with_underscores_in_headers: 1"), stats);
    }

    /** add_user_agent: the next hop learns this proxy's service cluster and node, and a user-agent if none came. */
    @Test
    void addUserAgent() throws Exception {
        Map<String, String> up = upstreamSaw(curl("h", "/x", "-H", "User-Agent:"));
        assertEquals("orders", up.get("x-envoy-downstream-service-cluster"));
        assertEquals("orders-7f9c", up.get("x-envoy-downstream-service-node"));
        assertEquals("orders", up.get("user-agent"));
        assertEquals("curl/test", upstreamSaw(curl("h", "/x", "-A", "curl/test")).get("user-agent"), "kept");
        assertNull(upstreamSaw(curl("a", "/x")).get("x-envoy-downstream-service-cluster"), "only with add_user_agent");
    }

    /**
     * proxy_status_config: a response to a stream that failed says why in Proxy-Status (RFC 9209),
     * with the recommended status; the upstream's own answers carry none.
     */
    @Test
    void proxyStatus() throws Exception {
        Curl direct = curl("i", "/direct");
        assertEquals(200, direct.status(), "a direct response is no error");
        assertNull(direct.header("proxy-status"));
        assertNull(curl("i", "/x").header("proxy-status"), "a proxied answer");
        Curl old = curl("i", "/x", "--http1.0");
        assertEquals(426, old.status(), "refused without a response flag: no header, status kept");
        assertNull(old.header("proxy-status"));

        Curl refused = curl("i", "/dead");
        assertEquals(502, refused.status(), "connection_refused recommends 502 over Envoy's 503");
        String ps = refused.header("proxy-status");
        assertTrue(ps != null && ps.startsWith("envoy; error=connection_refused; details=\"upstream_reset_before_response_started{"),
                String.valueOf(ps));
        assertTrue(ps.endsWith("; UF\""), ps);
    }

    @Test
    void http10IsUpgradeRequiredUnlessAccepted() throws Exception {
        Curl refused = curl("a", "/x", "--http1.0");
        assertEquals(426, refused.status(), "Envoy's default");
        assertEquals("/x", upstreamSaw(curl("c", "/x", "--http1.0")).get(":path"), "accept_http_10");
    }
}

package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The IP tagging and CDN-Loop filters through a real proxy: curl's address (or the client its
 * X-Forwarded-For names) picks the tags the upstream sees and the route that matches on them;
 * CDN-Loop headers that name this proxy too often, or do not parse, are refused.
 */
class IpTaggingCdnLoopE2ETest {

    @RegisterExtension
    static final E2EStack stack = E2EStack.checkingLeaks();
    static TestUpstream upstream;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200,
                "tags=" + req.headers().get("x-envoy-ip-tags") + " cdn-loop=" + req.headers().get("cdn-loop")));
        String routes = """
                - match: { prefix: "/only-ten", headers: [{ name: x-envoy-ip-tags, string_match: { contains: ten } }] }
                  route: { cluster: app }
                - match: { prefix: "/only-ten" }
                  direct_response: { status: 403, body: { inline_string: "not from ten" } }
                - match: { prefix: "/" }
                  route: { cluster: app }
                """;
        String filters = """
                - name: envoy.filters.http.cdn_loop
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.cdn_loop.v3.CdnLoopConfig
                    cdn_id: remora
                    max_allowed_occurrences: 1
                - name: envoy.filters.http.ip_tagging
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ip_tagging.v3.IPTagging
                    ip_tags:
                    - { ip_tag_name: loopback, ip_list: [{ address_prefix: 127.0.0.0, prefix_len: 8 }] }
                    - { ip_tag_name: ten, ip_list: [{ address_prefix: 10.0.0.0, prefix_len: 8 }] }
                    - { ip_tag_name: ten-one, ip_list: [{ address_prefix: 10.1.0.0, prefix_len: 16 }, { address_prefix: "::1", prefix_len: 128 }] }
                """;
        proxy = stack.start(stack.http(TempPaths.file("iptag-access", ".log").toString(), routes,
                Bootstraps.cluster("app", false, null, upstream.port()), "", filters));
    }

    static Curl request(String path, String... headers) throws Exception {
        List<String> args = new ArrayList<>();
        for (String h : headers) {
            args.add("-H");
            args.add(h);
        }
        args.add(stack.url(path));
        return Curl.run(args.toArray(String[]::new));
    }

    static double stat(String name) throws Exception {
        return proxy.metric("envoy_http_ip_tagging_" + name + "{envoy_http_conn_manager_prefix=\"ingress\"}");
    }

    @Test
    void theClientAddressPicksTheTagsAndTheRouteMatchesOnThem() throws Exception {
        double total = stat("total");
        double loopback = stat("loopback_hit");
        double tenOne = stat("ten_one_hit");
        assertEquals("tags=loopback cdn-loop=remora", request("/").text());
        // The client X-Forwarded-For names: both ranges that hold it, in config order.
        assertEquals("tags=ten,ten-one cdn-loop=remora", request("/", "X-Forwarded-For: 10.1.2.3").text());
        assertEquals("tags=ten,ten-one cdn-loop=remora", request("/only-ten", "X-Forwarded-For: 10.1.2.3").text());
        Curl denied = request("/only-ten");
        assertEquals(403, denied.status());
        assertEquals("not from ten", denied.text());
        assertEquals(total + 4, stat("total"));
        assertEquals(loopback + 2, stat("loopback_hit"));
        assertEquals(tenOne + 2, stat("ten_one_hit"));
    }

    @Test
    void anAddressInNoRangeIsCountedAsNoHit() throws Exception {
        double noHit = stat("no_hit");
        assertEquals("tags=null cdn-loop=remora", request("/", "X-Forwarded-For: 192.0.2.7").text());
        assertEquals(noHit + 1, stat("no_hit"));
    }

    @Test
    void cdnLoopAllowsOneEarlierVisitAndRefusesASecond() throws Exception {
        assertEquals("tags=loopback cdn-loop=other, remora;x=\"a,b\",remora",
                request("/", "CDN-Loop: other, remora;x=\"a,b\"").text());
        int before = upstream.requests.get();
        Curl loop = request("/", "CDN-Loop: remora", "CDN-Loop: other, remora");
        assertEquals(502, loop.status());
        assertEquals("The server has detected a loop between CDNs.", loop.text());
        Curl bad = request("/", "CDN-Loop: remora;=x");
        assertEquals(400, bad.status());
        assertEquals("Invalid CDN-Loop header in request.", bad.text());
        assertEquals(before, upstream.requests.get(), "neither reached the upstream");
    }
}

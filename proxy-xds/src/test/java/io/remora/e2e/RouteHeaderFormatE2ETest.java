package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Route header values formatted with every access log operator, through a running proxy, curl and
 * an upstream that records the headers it received: filter state (set by set_filter_state), the
 * upstream cluster, endpoint metadata and the response code, in the colon and the legacy header
 * syntax. As in Envoy, the route's request headers are formatted before the upstream host is
 * known (%UPSTREAM_HOST% is empty there, so the header is left out) and its response headers see
 * the host and the response code.
 */
class RouteHeaderFormatE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.own(TestUpstream.text("ok"));
        String routes = """
                - name: r1
                  match: { prefix: "/" }
                  route: { cluster: backend }
                  request_headers_to_add:
                  - header: { key: x-cluster, value: "%UPSTREAM_CLUSTER%" }
                  - header: { key: x-route, value: "%ROUTE_NAME%" }
                  - header: { key: x-host, value: "%UPSTREAM_HOST%" }
                  - header: { key: x-host-kept, value: "%UPSTREAM_HOST%" }
                    keep_empty_value: true
                  - header: { key: x-zone-early, value: "%UPSTREAM_METADATA(envoy.lb:zone)%" }
                  - header: { key: x-tenant, value: "%FILTER_STATE(tenant:PLAIN)%" }
                  - header: { key: x-tenant-legacy, value: "%PER_REQUEST_STATE(tenant)%" }
                  - header: { key: x-downstream, value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %PROTOCOL%" }
                  response_headers_to_add:
                  - header: { key: x-upstream-host, value: "%UPSTREAM_HOST%" }
                  - header: { key: x-zone, value: "%UPSTREAM_METADATA(envoy.lb:zone)%" }
                  - header: { key: x-zone-legacy, value: '%UPSTREAM_METADATA(["envoy.lb", "zone"])%' }
                  - header: { key: x-code, value: "%RESPONSE_CODE%" }
                  - header: { key: x-echo, value: "%REQ(x-tenant)%/%RESP(content-type)%" }
                """;
        String httpFilters = """
                - name: envoy.filters.http.set_filter_state
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.set_filter_state.v3.Config
                    on_request_headers:
                    - object_key: tenant
                      factory_key: envoy.string
                      format_string: { text_format_source: { inline_string: "t-%REQ(x-tenant)%" } }
                """;
        String clusters = Bootstraps.cluster("backend", "", upstream.port(),
                "{ filter_metadata: { envoy.lb: { zone: z1 } } }");
        stack.start(stack.http(io.remora.testing.TempPaths.file("route-header-format", ".log").toString(),
                routes, clusters, "", httpFilters));
    }

    @Test
    void requestHeadersSeeTheClusterAndFilterStateButNoHostYet() throws Exception {
        Curl r = Curl.run("-H", "x-tenant: acme", stack.url("/a"));
        assertEquals(200, r.status());
        assertEquals("backend", upstream.lastHeaders.get("x-cluster"));
        assertEquals("r1", upstream.lastHeaders.get("x-route"));
        assertEquals("t-acme", upstream.lastHeaders.get("x-tenant"));
        assertEquals("t-acme", upstream.lastHeaders.get("x-tenant-legacy"), "PER_REQUEST_STATE is FILTER_STATE(:PLAIN)");
        assertEquals("127.0.0.1 HTTP/1.1", upstream.lastHeaders.get("x-downstream"));
        // Envoy formats the route's request headers before the stream records its upstream host.
        assertFalse(upstream.lastHeaders.containsKey("x-host"), upstream.lastHeaders.toString());
        assertFalse(upstream.lastHeaders.containsKey("x-zone-early"), upstream.lastHeaders.toString());
        assertEquals("", upstream.lastHeaders.get("x-host-kept"), "keep_empty_value keeps the empty value");
    }

    @Test
    void responseHeadersSeeTheHostItsMetadataAndTheResponseCode() throws Exception {
        Curl r = Curl.run("-H", "x-tenant: acme", stack.url("/b"));
        assertEquals(200, r.status());
        assertEquals("127.0.0.1:" + upstream.port(), r.headers().get("x-upstream-host"));
        assertEquals("z1", r.headers().get("x-zone"));
        assertEquals("z1", r.headers().get("x-zone-legacy"), "the legacy JSON-array syntax");
        assertEquals("200", r.headers().get("x-code"));
        assertEquals("acme/text/plain", r.headers().get("x-echo"));
    }
}

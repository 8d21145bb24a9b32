package io.remora.e2e;

import io.netty.util.NetUtil;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parts of Envoy's Lua API beyond the basics of {@link LuaE2ETest}, through curl and a raw PROXY
 * protocol client: route()/virtualHost() metadata under the filter's own name only, the stream
 * info's direct local address, filter state and draining, the connection's dynamic metadata,
 * the request headers as a response script reads them, what httpCall adds to its request, the
 * script's own stats, and the request-path calls a response script may make to no effect.
 */
class LuaStreamApiE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static TestUpstream side;
    static ProxyProcess proxy;

    private static final String SCRIPT = """
            function envoy_on_request(handle)
              local h = handle:headers()
              local path = h:get(":path")
              local info = handle:streamInfo()
              if path == "/levels" or path == "/own" then
                h:add("x-metadata", tostring(handle:metadata():get("k")))
                h:add("x-route", tostring(handle:route():metadata():get("k")))
                h:add("x-vhost", tostring(handle:virtualHost():metadata():get("team")))
              elseif path == "/info" then
                local fs = info:filterState()
                h:add("x-direct-local", info:downstreamDirectLocalAddress())
                h:add("x-state", tostring(fs:get("lua.test.object")) .. " " .. tostring(fs:get("lua.test.absent"))
                    .. " " .. tostring(fs:get("lua.test.object", "no-field")))
              elseif path == "/conn" then
                local md = handle:connectionStreamInfo():dynamicMetadata()
                local names = {}
                for k, _ in pairs(md) do names[#names + 1] = k end
                local ppv2 = md:get("ppv2")
                handle:respond({[":status"] = "200"}, (ppv2 and ppv2["tenant"] or "none") .. " "
                    .. table.concat(names, ",") .. " " .. tostring(md:get("absent")))
              elseif path == "/stats" then
                local c = handle:stats():counter("script_hits")
                c:inc()
                c:add(2)
                local g = handle:stats():gauge("script_level")
                g:set(5)
                g:dec()
                handle:stats():histogram("script_size", "bytes"):recordValue(7)
                handle:respond({[":status"] = "200"}, tostring(c:value()) .. " " .. tostring(g:value()))
              elseif path == "/call" or path == "/call-noxff" then
                local options = {timeout_ms = 5000}
                if path == "/call-noxff" then options.send_xff = false end
                local rh = handle:httpCall("side", {[":method"] = "GET", [":path"] = path,
                    [":authority"] = "side"}, nil, options)
                h:add("x-call", rh[":status"])
              end
            end

            function envoy_on_response(handle)
              local rh = handle:downstreamRequestHeaders()
              local path = rh:get(":path")
              handle:headers():add("x-request-path", path)
              handle:headers():add("x-read-only", tostring(rh.replace == nil and rh.add == nil and rh.remove == nil))
              if path == "/drain" then
                handle:streamInfo():drainConnectionUponCompletion()
              end
              if path == "/late-override" then
                handle:setUpstreamOverrideHost("127.0.0.1:1", true)
                handle:clearRouteCache()
                handle:headers():add("x-after", "went on")
              end
            end
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream(LuaSetup.echo(Map.of()));
        side = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "side", Map.of()));
        String filters = Bootstraps.setFilterState("http", "on_request_headers", """
                - object_key: lua.test.object
                  factory_key: envoy.string
                  format_string: { text_format_source: { inline_string: "from-set-filter-state" } }
                """) + "\n" + LuaSetup.filter("lua.api", null, SCRIPT);
        String routes = """
                - match: { path: "/levels" }
                  route: { cluster: web }
                  metadata:
                    filter_metadata:
                      envoy.filters.http.lua: { k: canonical }
                - match: { path: "/own" }
                  route: { cluster: web }
                  metadata:
                    filter_metadata:
                      lua.api: { k: own }
                      envoy.filters.http.lua: { k: canonical }
                - match: { prefix: "/" }
                  route: { cluster: web }
                """;
        String clusters = Bootstraps.cluster("web", false, null, upstream.port())
                + Bootstraps.cluster("side", false, null, side.port());
        String yaml = LuaSetup.withVirtualHostMetadata(
                        stack.http(TempPaths.file("access", ".log").toString(), routes, clusters, "", filters), "team: canonical")
                .replaceFirst("\n( +)filter_chains:\n", """

                    $1listener_filters:
                    $1- name: envoy.filters.listener.proxy_protocol
                    $1  typed_config:
                    $1    "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
                    $1    rules:
                    $1    - { tlv_type: 224, on_tlv_present: { key: tenant, metadata_namespace: ppv2 } }
                    $1filter_chains:
                    """);
        proxy = stack.start(yaml);
    }

    /** curl through the listener's proxy_protocol filter (curl writes a version 1 header). */
    private static Curl curl(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--haproxy-protocol"));
        all.addAll(List.of(args));
        return Curl.run(all.toArray(String[]::new));
    }

    private static String seen(Curl r, String name) {
        return LuaSetup.lines(r.text()).get(name);
    }

    @Test
    void routeAndVirtualHostMetadataAreReadUnderTheFiltersOwnNameOnly() throws Exception {
        Curl canonical = curl(stack.url("/levels"));
        assertEquals("canonical", seen(canonical, "x-metadata"), "metadata() falls back to envoy.filters.http.lua");
        assertEquals("nil", seen(canonical, "x-route"), "route():metadata() does not: " + canonical.text());
        assertEquals("nil", seen(canonical, "x-vhost"), "virtualHost():metadata() does not: " + canonical.text());
        Curl own = curl(stack.url("/own"));
        assertEquals("own", seen(own, "x-metadata"));
        assertEquals("own", seen(own, "x-route"));
    }

    @Test
    void directLocalAddressAndFilterState() throws Exception {
        Curl r = curl(stack.url("/info"));
        assertEquals("127.0.0.1:" + stack.port, seen(r, "x-direct-local"), r.text());
        assertEquals("from-set-filter-state nil nil", seen(r, "x-state"), r.text());
    }

    @Test
    void theConnectionsDynamicMetadata() throws Exception {
        byte[] header = UpstreamProxyProtocolE2ETest.v2(UpstreamProxyProtocolE2ETest.LOOPBACKS, 40000, stack.port,
                0xE0, "acme");
        String response = raw(header, "GET /conn HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        assertTrue(response.endsWith("\r\n\r\nacme ppv2 nil"), response);
        assertTrue(curl(stack.url("/conn")).text().startsWith("none "), "a version 1 header has no TLVs");
    }

    @Test
    void aResponseScriptReadsTheRequestHeadersAndCannotChangeThem() throws Exception {
        Curl r = curl(stack.url("/plain?x=1"));
        assertEquals("/plain?x=1", r.header("x-request-path"));
        assertEquals("true", r.header("x-read-only"));
    }

    @Test
    void drainingClosesTheConnectionAfterThisResponse() throws Exception {
        Curl drained = curl(stack.url("/drain"));
        assertEquals(200, drained.status());
        assertEquals("close", drained.header("connection"));
        assertNull(curl(stack.url("/kept")).header("connection"), "other responses keep their connection");
    }

    @Test
    void overrideHostAndClearRouteCacheAreNoOpsOnTheResponsePath() throws Exception {
        Curl r = curl(stack.url("/late-override"));
        assertEquals(200, r.status());
        assertEquals("went on", r.header("x-after"), "not a script error, as Envoy's encoder callbacks ignore both");
    }

    @Test
    void scriptsMakeTheirOwnStatsInTheLuaScope() throws Exception {
        assertEquals("3 4", curl(stack.url("/stats")).text());
        assertEquals(3.0, proxy.metric("envoy_http_lua_script_hits{envoy_http_conn_manager_prefix=\"ingress\"}"));
        assertEquals(4.0, proxy.metric("envoy_http_lua_script_level{envoy_http_conn_manager_prefix=\"ingress\"}"));
        assertEquals(1.0, proxy.metric("envoy_http_lua_script_size_count{envoy_http_conn_manager_prefix=\"ingress\"}"));
    }

    @Test
    void httpCallsCarryEnvoysHeaders() throws Exception {
        String local = NetUtil.toAddressString(io.remora.server.LocalAddress.of(false));
        assertEquals("200", seen(curl(stack.url("/call")), "x-call"));
        assertEquals("true", side.lastHeaders.get("x-envoy-internal"));
        assertEquals(local, side.lastHeaders.get("x-forwarded-for"), "send_xff defaults to true");
        assertEquals("200", seen(curl(stack.url("/call-noxff")), "x-call"));
        assertEquals("true", side.lastHeaders.get("x-envoy-internal"));
        assertFalse(side.lastHeaders.containsKey("x-forwarded-for"), "send_xff = false: " + side.lastHeaders);
    }

    /**
     * Envoy's CallMetadataDuringLocalReply: a response script over the connection manager's own
     * early replies (HTTP/1.0 refused, no host), where the stream has no route, changes nothing.
     */
    @Test
    void earlyLocalRepliesWithoutARouteGoThroughTheResponseScript() throws Exception {
        byte[] header = UpstreamProxyProtocolE2ETest.v2(UpstreamProxyProtocolE2ETest.LOOPBACKS, 40000, stack.port,
                0xE0, "acme");
        String http10 = raw(header, "GET / HTTP/1.0\r\n\r\n");
        assertTrue(http10.startsWith("HTTP/1.1 426 Upgrade Required\r\n"), http10);
        String noHost = raw(header, "GET / HTTP/1.1\r\n\r\n");
        assertTrue(noHost.startsWith("HTTP/1.1 400 Bad Request\r\n"), noHost);
    }

    /** Writes a PROXY header and a request on one connection; returns all the proxy sent back. */
    private static String raw(byte[] header, String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", stack.port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(header);
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            in.transferTo(got);
            return got.toString(StandardCharsets.US_ASCII);
        }
    }
}

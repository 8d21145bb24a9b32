package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.filters.http.lua} through real curl and upstreams: header changes both ways,
 * respond(), body() and setBytes, a synchronous httpCall to another cluster, dynamic metadata from
 * request to response, per-route scripts (disabled, by name, the route's own), and script errors
 * that let the stream go on and count in {@code http.ingress.lua.main.errors}.
 */
class LuaE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream upstream;
    static TestUpstream authz;
    static ProxyProcess proxy;

    private static final String SCRIPT = """
            function envoy_on_request(handle)
              local h = handle:headers()
              local path = h:get(":path")
              if path == "/deny" then
                handle:respond({[":status"] = "403", ["x-lua"] = "denied"}, "denied by lua")
              end
              if path == "/error" then
                error("boom")
              end
              if path == "/walk" then
                for k, v in pairs(h) do end
                h:add("x-after-walk", "open")
                for k, v in pairs(h) do break end
                local added, addErr = pcall(function() h:add("x-late", "1") end)
                local again, againErr = pcall(function() for k in pairs(h) do end end)
                local md = handle:streamInfo():dynamicMetadata()
                md:set("lua.walk", "k", "v")
                local set, setErr = pcall(function() for k in pairs(md) do md:set("lua.walk", "k", "w") end end)
                handle:respond({[":status"] = "200"}, tostring(h:get("x-after-walk")) .. "|" .. tostring(added) .. " " .. addErr
                    .. "|" .. tostring(again) .. " " .. againErr .. "|" .. tostring(set) .. " " .. setErr)
              end
              if path == "/walk-change" then
                for k, v in pairs(h) do
                  if k == "x-over" then h:replace("x-over", "changed") end
                end
              end
              h:add("x-lua-added", "1")
              local greeting = handle:metadata():get("greeting")
              if greeting then
                local info = handle:streamInfo()
                h:add("x-greeting", greeting)
                h:add("x-info", info:protocol() .. " " .. tostring(handle:connection():ssl()) .. " "
                    .. info:downstreamLocalAddress() .. " " .. info:downstreamRemoteAddress() .. " " .. info:routeName())
                local names = {}
                for k, v in pairs(h) do
                  if k == "x-over" or k == ":method" then names[#names + 1] = k .. "=" .. v end
                end
                h:add("x-pairs", table.concat(names, ","))
              end
              h:remove("x-drop")
              h:replace("x-over", "new")
              handle:streamInfo():dynamicMetadata():set("lua.test", "path", path)
              if path == "/call" then
                local rh, rb = handle:httpCall("authz", {[":method"] = "GET", [":path"] = "/check",
                    [":authority"] = "authz", ["x-asked-by"] = "lua"}, nil, 5000)
                h:add("x-authz", rh["x-authz"] .. ":" .. rh[":status"] .. ":" .. rb)
              end
              if path == "/fail" then
                local rh, rb = handle:httpCall("dead", {[":method"] = "GET", [":path"] = "/",
                    [":authority"] = "dead"}, nil, 5000)
                h:add("x-failed", rh[":status"] .. ":" .. rb)
              end
              if path == "/async" then
                handle:httpCall("authz", {[":method"] = "POST", [":path"] = "/async", [":authority"] = "authz",
                    ["x-asked-by"] = "async"}, "fire and forget", {asynchronous = true, timeout_ms = 5000})
              end
              if path == "/chunks" then
                local n, count = 0, 0
                for chunk in handle:bodyChunks() do
                  n = n + chunk:length()
                  count = count + 1
                end
                handle:streamInfo():dynamicMetadata():set("lua.test", "chunked", n)
                local ok, err = pcall(function() handle:headers():add("x-late", "1") end)
                handle:streamInfo():dynamicMetadata():set("lua.test", "late", tostring(ok) .. " " .. err)
              end
              if path == "/wrap-request" then
                handle:body(true):setBytes("made by lua")
              end
              if path == "/body" then
                local b = handle:body()
                h:add("x-body-length", tostring(b:length()))
                b:setBytes("rewritten:" .. b:getBytes(0, b:length()))
              end
            end

            function envoy_on_response(handle)
              local md = handle:streamInfo():dynamicMetadata():get("lua.test")
              handle:headers():add("x-md-path", md and md["path"] or "none")
              handle:headers():remove("x-upstream-drop")
              handle:headers():replace("x-upstream", "replaced")
              if md and md["path"] == "/respbody" then
                local b = handle:body()
                b:setBytes("response of " .. b:length() .. " bytes")
              end
              if md and md["chunked"] then
                handle:headers():add("x-chunked", tostring(md["chunked"]))
                handle:headers():add("x-late", md["late"])
              end
              if md and md["path"] == "/wrap-response" then
                handle:body(true):setBytes("ok")
              end
              if md and md["path"] == "/wrap-response-nil" then
                handle:headers():add("x-body-nil", tostring(handle:body(false) == nil))
              end
              if md and md["path"] == "/rechunk" then
                handle:headers():replace("content-length", 2)
                local last
                for chunk in handle:bodyChunks() do
                  chunk:setBytes("")
                  last = chunk
                end
                last:setBytes("ok")
              end
              if md and md["path"] == "/respond-late" then
                handle:respond({[":status"] = "500"}, "not here")
              end
            end
            """;

    @BeforeAll
    static void start() throws Exception {
        upstream = stack.upstream(LuaSetup.echo(Map.of("x-upstream", "original", "x-upstream-drop", "1")));
        authz = stack.upstream((ctx, req, n) ->
                TestUpstream.send(ctx, req, 200, "ok", Map.of("x-authz", "granted-" + req.headers().get("x-asked-by"))));
        String filter = LuaSetup.filter("envoy.filters.http.lua", "main", SCRIPT, """
                source_codes:
                  named:
                    inline_string: |
                      function envoy_on_request(handle)
                        handle:headers():add("x-named", "yes")
                      end
                """);
        String routes = """
                - match: { prefix: "/disabled" }
                  route: { cluster: web }
                  typed_per_filter_config:
                    envoy.filters.http.lua:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute
                      disabled: true
                - match: { prefix: "/named" }
                  route: { cluster: web }
                  typed_per_filter_config:
                    envoy.filters.http.lua:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute
                      name: named
                - match: { prefix: "/other" }
                  route: { cluster: web }
                  typed_per_filter_config:
                    envoy.filters.http.lua:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute
                      source_code:
                        inline_string: |
                          function envoy_on_request(handle)
                            handle:headers():add("x-route-script", "other")
                            if handle:headers():get(":path") == "/other/error" then
                              local nothing = nil
                              nothing.field = 1
                            end
                          end
                - match: { prefix: "/crypto" }
                  route: { cluster: web }
                  metadata:
                    filter_metadata:
                      envoy.filters.http.lua: { owner: crypto-route }
                  typed_per_filter_config:
                    envoy.filters.http.lua:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute
                      source_code:
                        inline_string: |
                %s
                - match: { prefix: "/override" }
                  route: { cluster: pair }
                  typed_per_filter_config:
                    envoy.filters.http.lua:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute
                      source_code:
                        inline_string: |
                          function envoy_on_request(handle)
                            handle:setUpstreamOverrideHost(handle:headers():get("x-host"), true)
                          end
                - match: { prefix: "/wrap-response" }
                  direct_response: { status: 200 }
                - name: meta_route
                  match: { prefix: "/meta" }
                  route: { cluster: web }
                  metadata:
                    filter_metadata:
                      envoy.filters.http.lua: { greeting: hello }
                - match: { prefix: "/" }
                  route: { cluster: web }
                """.formatted(Bootstraps.indent(cryptoScript(), 10));
        String clusters = Bootstraps.cluster("web", false, null, upstream.port())
                + Bootstraps.cluster("pair", false, null, upstream.port(), authz.port())
                + Bootstraps.cluster("authz", false, null, authz.port())
                + Bootstraps.cluster("dead", false, null, ProxyProcess.freePort());
        proxy = stack.start(LuaSetup.withVirtualHostMetadata(stack.http(TempPaths.file("access", ".log").toString(),
                routes, clusters, "", filter), "team: payments"), List.of());
    }

    /** Envoy's Lua example: importPublicKey and verifySignature over keys and signatures made here. */
    private static String cryptoScript() throws Exception {
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        java.security.KeyPair rsaKeys = rsa.generateKeyPair();
        java.security.Signature signer = java.security.Signature.getInstance("SHA256withRSA");
        signer.initSign(rsaKeys.getPrivate());
        signer.update("hello".getBytes(StandardCharsets.US_ASCII));
        byte[] rsaSig = signer.sign();
        java.security.KeyPairGenerator ec = java.security.KeyPairGenerator.getInstance("EC");
        ec.initialize(256);
        java.security.KeyPair ecKeys = ec.generateKeyPair();
        signer = java.security.Signature.getInstance("SHA384withECDSA");
        signer.initSign(ecKeys.getPrivate());
        signer.update("hello".getBytes(StandardCharsets.US_ASCII));
        byte[] ecSig = signer.sign();
        return """
                local rsakey = "%s"
                local rsasig = "%s"
                local eckey = "%s"
                local ecsig = "%s"
                function envoy_on_request(handle)
                  local h = handle:headers()
                  local pub = handle:importPublicKey(rsakey, string.len(rsakey)):get()
                  local ok, err = handle:verifySignature("sha256", pub, rsasig, string.len(rsasig), "hello", 5)
                  local bad, why = handle:verifySignature("sha256", pub, rsasig, string.len(rsasig), "hellO", 5)
                  local md5, unsupported = handle:verifySignature("md5", pub, rsasig, string.len(rsasig), "hello", 5)
                  local ecpub = handle:importPublicKey(eckey, string.len(eckey)):get()
                  local ecok = handle:verifySignature("SHA384", ecpub, ecsig, string.len(ecsig), "hello", 5)
                  local junk = handle:importPublicKey("junk", 4):get()
                  h:add("x-verify", tostring(ok) .. " " .. tostring(err) .. "|" .. tostring(bad) .. " " .. why
                      .. "|" .. unsupported .. "|ec " .. tostring(ecok) .. "|junk " .. tostring(junk))
                  h:add("x-levels", handle:route():metadata():get("owner") .. " "
                      .. handle:virtualHost():metadata():get("team"))
                end
                """.formatted(luaBytes(rsaKeys.getPublic().getEncoded()), luaBytes(rsaSig),
                luaBytes(ecKeys.getPublic().getEncoded()), luaBytes(ecSig));
    }

    /** Bytes as a Lua string literal's body: every byte a decimal escape. */
    private static String luaBytes(byte[] b) {
        StringBuilder out = new StringBuilder(b.length * 4);
        for (byte x : b) {
            out.append('\\').append(String.format("%03d", x & 0xff));
        }
        return out.toString();
    }

    private static String url(String path) {
        return stack.url(path);
    }

    @Test
    void headersChangeBothWaysAndMetadataCarriesToTheResponse() throws Exception {
        Curl r = Curl.run("-H", "x-drop: 1", "-H", "x-over: old", url("/plain"));
        assertEquals(200, r.status());
        String seen = r.text();
        assertTrue(seen.contains("x-lua-added=1\n"), seen);
        assertFalse(seen.contains("x-drop="), seen);
        assertTrue(seen.contains("x-over=new\n") && !seen.contains("x-over=old"), seen);
        assertEquals("replaced", r.header("x-upstream"));
        assertNull(r.header("x-upstream-drop"));
        assertEquals("/plain", r.header("x-md-path"), "dynamic metadata set on the request, read on the response");
    }

    @Test
    void signaturesVerifyWithImportedKeysAndLevelsExposeTheirMetadata() throws Exception {
        String seen = Curl.run(url("/crypto")).text();
        assertTrue(seen.contains("x-verify=true nil|false Failed to verify digest. Error code: 0"
                + "|md5 is not supported.|ec true|junk nil\n"), seen);
        assertTrue(seen.contains("x-levels=crypto-route payments\n"), seen);
    }

    @Test
    void anOverrideHostPicksThatEndpointOfTheCluster() throws Exception {
        for (int i = 0; i < 4; i++) {
            Curl r = Curl.run("-H", "x-host: 127.0.0.1:" + authz.port(), url("/override/" + i));
            assertEquals("ok", r.text(), "every request to the host the script named");
            assertEquals("granted-null", r.header("x-authz"));
        }
        assertEquals(200, Curl.run("-H", "x-host: 127.0.0.1:" + upstream.port(), url("/override")).status());
        Curl strict = Curl.run("-H", "x-host: 127.0.0.1:1", url("/override"));
        assertEquals(503, strict.status(), "strict: no other host when the named one is not in the cluster");
    }

    @Test
    void routeMetadataStreamInfoAndHeaderIteration() throws Exception {
        String seen = Curl.run("-H", "x-over: old", url("/meta")).text();
        assertTrue(seen.contains("x-greeting=hello\n"), seen);
        assertTrue(seen.contains("x-info=HTTP/1.1 nil 127.0.0.1:" + stack.port + " 127.0.0.1:"), seen);
        assertTrue(seen.contains(" meta_route\n"), seen);
        assertTrue(seen.contains("x-pairs=:method=GET,x-over=old\n"), "before the script replaced it: " + seen);
    }

    @Test
    void respondAnswersLocally() throws Exception {
        int before = upstream.requests.get();
        Curl r = Curl.run(url("/deny"));
        assertEquals(403, r.status());
        assertEquals("denied by lua", r.text());
        assertEquals("denied", r.header("x-lua"));
        assertEquals(before, upstream.requests.get(), "the request never went upstream");
    }

    @Test
    void bodyIsReadAndRewritten() throws Exception {
        Curl r = Curl.run("--data-binary", "hello", url("/body"));
        assertEquals(200, r.status());
        String seen = r.text();
        assertTrue(seen.contains("x-body-length=5\n"), seen);
        assertTrue(seen.contains("body=rewritten:hello\n"), seen);
        assertTrue(seen.contains("content-length=15\n"), seen);
    }

    @Test
    void bodyOverHttp2AndPastTheBufferLimit() throws Exception {
        Curl h2 = Curl.run("--http2-prior-knowledge", "--data-binary", "hello", url("/body"));
        assertEquals(200, h2.status());
        assertTrue(h2.text().contains("body=rewritten:hello\n"), h2.text());
        java.nio.file.Path file = TempPaths.file("big", ".bin");
        java.nio.file.Files.write(file, new byte[2 * 1024 * 1024]);
        Curl big = Curl.run("--data-binary", "@" + file, url("/body"));
        assertEquals(413, big.status(), "body() holds the request up to the connection's buffer limit");
    }

    /**
     * Envoy's RewriteResponseBufferWithoutUpstreamBody and ...AndDisableWrapBody: body(true) on a
     * message that ended with its headers is an empty body the script may fill, and what it sets
     * goes on as the message's body; body(false) there is nil.
     */
    @Test
    void aWrappedEmptyBodyTheScriptFillsGoesOn() throws Exception {
        Curl request = Curl.run(url("/wrap-request"));
        assertEquals(200, request.status());
        assertTrue(request.text().contains("body=made by lua\n"), request.text());
        assertTrue(request.text().contains("content-length=11\n"), request.text());
        Curl response = Curl.run(url("/wrap-response"));
        assertEquals(200, response.status());
        assertEquals("ok", response.text());
        assertEquals("2", response.header("content-length"));
        Curl none = Curl.run(url("/wrap-response-nil"));
        assertEquals("true", none.header("x-body-nil"));
        assertEquals("", none.text());
    }

    /** Envoy's RewriteChunkedBody: every chunk emptied, then the last one, after the loop, set. */
    @Test
    void theLastChunkMayBeRewrittenAfterTheLoop() throws Exception {
        Curl r = Curl.run(url("/rechunk"));
        assertEquals(200, r.status());
        assertEquals("ok", r.text());
        assertEquals("2", r.header("content-length"));
    }

    @Test
    void httpCallToAnotherClusterFeedsTheRequest() throws Exception {
        Curl r = Curl.run(url("/call"));
        assertEquals(200, r.status());
        assertTrue(r.text().contains("x-authz=granted-lua:200:ok\n"), r.text());
    }

    @Test
    void failedAndAsynchronousCalls() throws Exception {
        String failed = Curl.run(url("/fail")).text();
        assertTrue(failed.contains("x-failed=503:upstream failure\n"), failed);
        int before = authz.requests.get();
        Curl r = Curl.run(url("/async"));
        assertEquals(200, r.status(), "the request does not wait for an asynchronous call");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (authz.requests.get() == before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(before + 1, authz.requests.get());
        assertEquals("async", authz.lastHeaders.get("x-asked-by"));
    }

    @Test
    void responseBodyIsRewritten() throws Exception {
        Curl plain = Curl.run(url("/respbody-not"));
        Curl r = Curl.run(url("/respbody"));
        assertEquals(200, r.status());
        assertTrue(r.text().matches("response of \\d+ bytes"), r.text());
        assertEquals(String.valueOf(r.body().length), r.header("content-length"));
        assertTrue(plain.text().startsWith("host="), "other responses pass whole: " + plain.text());
    }

    @Test
    void bodyChunksSeeTheWholeStreamedBody() throws Exception {
        byte[] big = new byte[300_000];
        java.util.Arrays.fill(big, (byte) 'a');
        java.nio.file.Path file = TempPaths.file("body", ".bin");
        java.nio.file.Files.write(file, big);
        Curl r = Curl.run("--data-binary", "@" + file, "-H", "content-type: application/octet-stream", url("/chunks"));
        assertEquals(200, r.status());
        assertEquals("300000", r.header("x-chunked"));
        assertTrue(r.header("x-late").startsWith("false ") && r.header("x-late").endsWith("header map can no longer be modified"),
                "headers that went on cannot change: " + r.header("x-late"));
        assertFalse(r.text().contains("x-late="), r.text());
        assertTrue(r.text().contains("content-length=300000\n"), "the body went on untouched");
        assertTrue(r.text().endsWith("a".repeat(50) + "\n"), "the body went on untouched");
    }

    @Test
    void respondOnTheResponsePathIsAnError() throws Exception {
        long before = errors();
        Curl r = Curl.run(url("/respond-late"));
        assertEquals(200, r.status(), "the upstream's response goes on");
        assertEquals(before + 1, errors());
    }

    @Test
    void perRouteScripts() throws Exception {
        String disabled = Curl.run(url("/disabled")).text();
        assertFalse(disabled.contains("x-lua-added"), disabled);
        String named = Curl.run(url("/named")).text();
        assertTrue(named.contains("x-named=yes\n") && !named.contains("x-lua-added"), named);
        String other = Curl.run(url("/other")).text();
        assertTrue(other.contains("x-route-script=other\n") && !other.contains("x-lua-added"), other);
    }

    @Test
    void scriptErrorsLetTheStreamGoOnAndCount() throws Exception {
        long before = errors();
        Curl r = Curl.run(url("/error"));
        assertEquals(200, r.status(), "an error in a coroutine run: the request goes on");
        assertFalse(r.text().contains("x-lua-added"), r.text());
        Curl direct = Curl.run(url("/other/error"));
        assertEquals(200, direct.status(), "an error in a run on the event loop: the request goes on");
        assertTrue(direct.text().contains("x-route-script=other\n"), "changes before the error stay: " + direct.text());
        assertEquals(before + 2, errors());
    }

    /** Envoy's HeaderMapWrapper and DynamicMetadataMapWrapper: no change and no second walk while a pairs() walk is open. */
    @Test
    void aMapCannotChangeWhileAWalkOverItIsOpen() throws Exception {
        Curl r = Curl.run(url("/walk"));
        assertEquals(200, r.status());
        String[] parts = r.text().split("\\|");
        assertEquals("open", parts[0], "a walk run to its end leaves the map open");
        assertTrue(parts[1].startsWith("false ") && parts[1].endsWith("header map cannot be modified while iterating"),
                "a loop left early keeps the map closed: " + parts[1]);
        assertTrue(parts[2].startsWith("false ") && parts[2].endsWith("cannot create a second iterator before completing the first"),
                parts[2]);
        assertTrue(parts[3].startsWith("false ") && parts[3].endsWith("dynamic metadata map cannot be modified while iterating"),
                parts[3]);
    }

    @Test
    void changingHeadersInsideAWalkIsAScriptError() throws Exception {
        long before = errors();
        Curl r = Curl.run("-H", "x-over: old", url("/walk-change"));
        assertEquals(200, r.status(), "the request goes on as if the run had ended at the error");
        assertTrue(r.text().contains("x-over=old\n"), "the change inside the walk did not happen: " + r.text());
        assertFalse(r.text().contains("x-lua-added"), r.text());
        assertEquals(before + 1, errors());
    }

    private static long errors() throws Exception {
        return LuaSetup.errors(proxy, "http.ingress.lua.main.errors");
    }
}

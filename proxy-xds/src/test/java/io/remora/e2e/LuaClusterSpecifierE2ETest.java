package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.router.cluster_specifier_plugin.lua} through curl and two real upstreams: the
 * script picks the cluster from a request header, inline on a route (its script from a file) and
 * by name from the route configuration's {@code cluster_specifier_plugins}; a script error or a
 * non-string result falls back to {@code default_cluster}; a name no cluster has gets the
 * router's 503, as in Envoy's sandbox ({@code header_key: fake}).
 */
class LuaClusterSpecifierE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static TestUpstream web;
    static TestUpstream other;

    @BeforeAll
    static void start() throws Exception {
        web = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "web"));
        other = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "other"));
        // The inline plugin reads its script from a file (source_code.filename).
        java.nio.file.Path script = TempPaths.file("route", ".lua");
        java.nio.file.Files.writeString(script, """
                local clusters = { other = "other", fake = "fake_cluster" }
                function envoy_on_route(route_handle)
                  local picked = route_handle:headers():get("header_key")
                  if picked == "boom" then error("boom") end
                  return clusters[picked] or "web"
                end
                """);
        String routes = """
                - match: { prefix: "/named" }
                  route: { cluster_specifier_plugin: by-header }
                - match: { prefix: "/" }
                  route:
                    inline_cluster_specifier_plugin:
                      extension:
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.router.cluster_specifiers.lua.v3.LuaConfig
                          default_cluster: other
                          source_code: { filename: "%s" }
                        name: envoy.router.cluster_specifier_plugin.lua
                """.formatted(script);
        String plugins = """
                cluster_specifier_plugins:
                - extension:
                    name: by-header
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.router.cluster_specifiers.lua.v3.LuaConfig
                      source_code:
                        inline_string: |
                          calls = 0
                          function envoy_on_route(route_handle)
                            calls = calls + 1
                            local pick = route_handle:headers():get("x-pick")
                            if pick == nil then
                              return nil
                            end
                            return pick
                          end
                      default_cluster: web
                """;
        String bootstrap = stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("web", false, null, web.port()) + Bootstraps.cluster("other", false, null, other.port()));
        stack.start(bootstrap.replace("            name: local\n",
                "            name: local\n" + Bootstraps.indent(plugins, 12) + "\n"));
    }

    @Test
    void theScriptPicksTheClusterByAHeader() throws Exception {
        assertEquals("web", Curl.get(stack.port, "/").text());
        assertEquals("other", Curl.get(stack.port, "/", "header_key: other").text());
        assertEquals("web", Curl.get(stack.port, "/", "header_key: anything").text());
    }

    @Test
    void aScriptErrorGivesTheDefaultCluster() throws Exception {
        Curl r = Curl.get(stack.port, "/x", "header_key: boom");
        assertEquals(200, r.status());
        assertEquals("other", r.text(), "default_cluster");
    }

    @Test
    void aClusterNoOneHasIsNotFound() throws Exception {
        int before = web.requests.get() + other.requests.get();
        Curl r = Curl.get(stack.port, "/", "header_key: fake");
        assertEquals(503, r.status());
        assertEquals(before, web.requests.get() + other.requests.get());
    }

    @Test
    void aPluginNamedByTheRouteComesFromTheRouteConfiguration() throws Exception {
        assertEquals("other", Curl.get(stack.port, "/named", "x-pick: other").text());
        assertEquals("web", Curl.get(stack.port, "/named", "x-pick: web").text());
        assertEquals("web", Curl.get(stack.port, "/named").text(), "nil is no string: default_cluster");
        Curl joined = Curl.get(stack.port, "/named", "x-pick: other", "x-pick: web");
        assertEquals(503, joined.status(), "every value joined with ',' names no cluster");
    }
}

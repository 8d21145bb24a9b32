package io.remora.extensions.router.cluster_specifiers.lua;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.remora.config.ClusterSpecifier;
import io.remora.config.ForwardAction;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.RouteConfiguration;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lua cluster specifier configs as Envoy reads them: Envoy's lua-cluster-specifier sandbox loads,
 * scripts that do not load or lack {@code envoy_on_route} are refused at {@code source_code}, and
 * plugin references are checked.
 */
class LuaClusterSpecifierTranslationTest {

    /** Shaped as envoyproxy/examples lua-cluster-specifier/envoy.yaml. */
    private static final String SANDBOX = """
            static_resources:
              listeners:
              - name: main
                address:
                  socket_address:
                    address: 0.0.0.0
                    port_value: 10000
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: ingress_http
                      codec_type: AUTO
                      route_config:
                        name: local_route
                        virtual_hosts:
                        - name: local_service
                          domains: ["*"]
                          routes:
                          - match:
                              prefix: "/"
                            route:
                              inline_cluster_specifier_plugin:
                                extension:
                                  name: envoy.router.cluster_specifier_plugin.lua
                                  typed_config:
                                    "@type": type.googleapis.com/envoy.extensions.router.cluster_specifiers.lua.v3.LuaConfig
                                    source_code:
                                      inline_string: |
                                        function envoy_on_route(route_handle)
                                          local header_value = route_handle:headers():get("header_key")
                                          if header_value == "fake" then
                                            return "fake_cluster"
                                          end
                                          return "example_cluster"
                                        end
                                    default_cluster: example_cluster
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
              clusters:
              - name: example_cluster
                type: STRICT_DNS
                lb_policy: ROUND_ROBIN
                load_assignment:
                  cluster_name: example_cluster
                  endpoints:
                  - lb_endpoints:
                    - endpoint:
                        address:
                          socket_address:
                            address: localhost
                            port_value: 8080
            """;

    private static final String ROUTE = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".route_config.virtual_hosts[0].routes[0].route";

    private static ClusterSpecifier.Plugin plugin(String yaml) {
        var model = new BootstrapLoader().loadString(yaml, "test.yaml").model();
        RouteConfiguration rc = ((HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0)
                .terminalFilter()).routeConfig();
        return (ClusterSpecifier.Plugin) ((ForwardAction) rc.virtualHosts().get(0).routes().get(0).action()).cluster();
    }

    private static TranslationException refused(String yaml) {
        return assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(yaml, "test.yaml"));
    }

    @Test
    void envoysSandboxLoadsAndPicksByHeader() {
        ClusterSpecifier.Plugin p = plugin(SANDBOX);
        assertEquals("envoy.router.cluster_specifier_plugin.lua", p.name());
        assertEquals("fake_cluster", p.plugin().cluster(new DefaultHttp2Headers().add("header_key", "fake")));
        assertEquals("example_cluster", p.plugin().cluster(new DefaultHttp2Headers()));
    }

    @Test
    void scriptsThatCannotRunAreRefusedAtSourceCode() {
        TranslationException none = refused(SANDBOX.replace("function envoy_on_route(route_handle)",
                "function on_route(route_handle)"));
        assertEquals(ROUTE + ".inline_cluster_specifier_plugin.extension.typed_config.source_code", none.path());
        assertTrue(none.getMessage().contains("envoy_on_route() function not found"), none.getMessage());
        TranslationException syntax = refused(SANDBOX.replace("if header_value == \"fake\" then", "if then"));
        assertTrue(syntax.getMessage().contains("script load error"), syntax.getMessage());
    }

    @Test
    void pluginReferencesAreChecked() {
        TranslationException unknown = refused(SANDBOX.replaceFirst("(?s)inline_cluster_specifier_plugin:.*?"
                + "default_cluster: example_cluster\n", "cluster_specifier_plugin: missing\n"));
        assertEquals(ROUTE + ".cluster_specifier_plugin", unknown.path());
        TranslationException type = refused(SANDBOX.replace(
                "type.googleapis.com/envoy.extensions.router.cluster_specifiers.lua.v3.LuaConfig",
                "type.googleapis.com/google.protobuf.Struct"));
        assertEquals(ROUTE + ".inline_cluster_specifier_plugin.extension.typed_config", type.path());
        ClusterSpecifier.Plugin optional = plugin(SANDBOX.replace(
                "type.googleapis.com/envoy.extensions.router.cluster_specifiers.lua.v3.LuaConfig",
                "type.googleapis.com/google.protobuf.Struct").replace("                    extension:\n",
                "                    is_optional: true\n                    extension:\n"));
        assertEquals(null, optional.plugin().cluster(new DefaultHttp2Headers()), "an optional unknown plugin: no cluster");
    }
}

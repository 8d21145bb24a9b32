package io.remora.xds.translate;

import io.remora.config.ForwardAction;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.RouterFilterConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code upgrade_configs} on the connection manager and on routes, and {@code connect_config}. */
class UpgradeConfigTranslationTest {

    private static final String YAML = """
            static_resources:
              clusters: [{ name: c }]
              listeners:
              - name: l
                address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: h
                      upgrade_configs:
                      - upgrade_type: WebSocket
                      - upgrade_type: CONNECT
                        enabled: false
                      - upgrade_type: spdy/3.1
                        filters:
                        - name: envoy.filters.http.router
                          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
                      route_config:
                        virtual_hosts:
                        - name: v
                          domains: ["*"]
                          routes:
                          - match: { connect_matcher: {} }
                            route:
                              cluster: c
                              upgrade_configs: [{ upgrade_type: connect, connect_config: { allow_post: true } }]
                          - match: { prefix: "/" }
                            route:
                              cluster: c
                              upgrade_configs: [{ upgrade_type: websocket, enabled: false }]
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
            """;

    private static HttpConnectionManagerConfig hcm(String yaml) {
        var lb = new BootstrapLoader().loadString(yaml, "u.yaml");
        return assertInstanceOf(HttpConnectionManagerConfig.class,
                lb.model().listeners().get(0).filterChains().get(0).terminalFilter());
    }

    @Test
    void connectionManagerAndRouteLevels() {
        HttpConnectionManagerConfig h = hcm(YAML);
        assertEquals(3, h.upgrades().size());
        assertEquals(new HttpConnectionManagerConfig.Upgrade("WebSocket", true, null), h.upgrades().get(0));
        assertEquals(new HttpConnectionManagerConfig.Upgrade("CONNECT", false, null), h.upgrades().get(1));
        var own = h.upgrades().get(2);
        assertEquals("spdy/3.1", own.upgradeType());
        assertEquals(1, own.filters().size());
        assertInstanceOf(RouterFilterConfig.class, own.filters().get(0).config());

        var routes = h.routeConfig().virtualHosts().get(0).routes();
        var connect = assertInstanceOf(ForwardAction.class, routes.get(0).action()).upgrades();
        assertEquals(Boolean.TRUE, connect.enabled("CONNECT"));
        assertEquals(new ForwardAction.ConnectConfig(true), connect.connectConfig());
        var ws = assertInstanceOf(ForwardAction.class, routes.get(1).action()).upgrades();
        assertEquals(Map.of("websocket", false), ws.overrides());
        assertEquals(Boolean.FALSE, ws.enabled("WEBSOCKET"));
        assertNull(ws.enabled("CONNECT"));
        assertNull(ws.connectConfig());
    }

    @Test
    void connectConfigOnAnotherUpgradeTypeIsRefused() {
        var e = assertThrows(TranslationException.class, () -> hcm(YAML.replace(
                "upgrade_type: connect, connect_config", "upgrade_type: websocket, connect_config")));
        assertTrue(e.path().endsWith("routes[0].route.upgrade_configs[0].connect_config"), e.path());
    }

    @Test
    void duplicateUpgradeTypeIsRefused() {
        var e = assertThrows(TranslationException.class, () -> hcm(YAML.replace(
                "- upgrade_type: CONNECT\n", "- upgrade_type: websocket\n")));
        assertTrue(e.path().endsWith("upgrade_configs[1].upgrade_type"), e.path());
    }

    @Test
    void anUpgradesOwnFilterChainIsTranslatedLikeHttpFilters() {
        // Like http_filters, an upgrade's own chain must end in the router.
        // The first router in the YAML is the upgrade's own; swap it for CORS.
        String noRouter = YAML.replaceFirst("envoy\\.filters\\.http\\.router\n(\\s+)typed_config: \\{ \"@type\": "
                + "type\\.googleapis\\.com/envoy\\.extensions\\.filters\\.http\\.router\\.v3\\.Router \\}",
                "envoy.filters.http.cors\n$1typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }");
        assertTrue(noRouter.contains("cors.v3.Cors"));
        var e = assertThrows(TranslationException.class, () -> hcm(noRouter));
        assertTrue(e.path().endsWith("upgrade_configs[2].filters"), e.path() + ": " + e.getMessage());
    }
}

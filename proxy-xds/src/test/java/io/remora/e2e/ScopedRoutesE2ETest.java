package io.remora.e2e;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection manager's {@code scoped_routes} with the scopes listed inline, through curl: the
 * request's {@code Addr} header's {@code x-foo-key} element picks the scope, as in Envoy's docs; a
 * request with no key, or a key no scope has, gets the router's 404.
 */
class ScopedRoutesE2ETest {
    private static final String SCOPED = """
            scoped_routes:
              name: by-addr
              rds_config_source: { ads: {} }
              scope_key_builder:
                fragments:
                - header_value_extractor: { name: Addr, element_separator: ";", element: { key: x-foo-key, separator: "=" } }
              scoped_route_configurations_list:
                scoped_route_configurations:
                SCOPES
            """;
    private static final String SCOPES = """
            - name: foo
              key: { fragments: [{ string_key: foo }] }
              route_configuration:
                name: foo-routes
                virtual_hosts:
                - name: all
                  domains: ["*"]
                  routes: [{ match: { prefix: "/" }, direct_response: { status: 200, body: { inline_string: "scope foo" } } }]
            - name: bar
              key: { fragments: [{ string_key: bar }] }
              route_configuration:
                name: bar-routes
                virtual_hosts:
                - name: all
                  domains: ["*"]
                  routes: [{ match: { prefix: "/" }, route: { cluster: web } }]
            """;

    static TestUpstream upstream;
    static ProxyProcess proxy;
    static int port;

    /** The connection manager's scoped_routes listing {@code scopes} (list items, unindented). */
    static String listed(String scopes) {
        return SCOPED.replace("    SCOPES\n", Bootstraps.indent(scopes, 4) + "\n");
    }

    static String bootstrap(int admin, String scopedRoutes) {
        String listener = """
                - name: scoped
                  address: { socket_address: { address: 127.0.0.1, port_value: ${scoped} } }
                  filter_chains:
                  - filters:
                    - name: envoy.filters.network.http_connection_manager
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                        stat_prefix: scoped
                HCM
                """.replace("HCM\n", Bootstraps.indent(scopedRoutes, 8) + "\n");
        return Bootstraps.listeners(admin, listener, Bootstraps.cluster("web", false, null,
                upstream == null ? 1 : upstream.port()), Map.of("scoped", port));
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.text("from the bar scope's cluster");
        port = ProxyProcess.freePort();
        int admin = ProxyProcess.freePort();
        proxy = ProxyProcess.start(bootstrap(admin, listed(SCOPES)), admin);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void theHeadersKeyPicksTheScope() throws Exception {
        Curl foo = Curl.get(port, "/", "Addr: x-foo-key=foo;x-bar-key=bar");
        assertEquals(200, foo.status());
        assertEquals("scope foo", foo.text());
        Curl bar = Curl.get(port, "/x", "Addr: x-bar-key=foo;x-foo-key=bar");
        assertEquals(200, bar.status());
        assertEquals("from the bar scope's cluster", bar.text());
    }

    @Test
    void noKeyOrNoScopeIsNoRoute() throws Exception {
        assertEquals(404, Curl.get(port, "/").status(), "no Addr header: no key");
        assertEquals(404, Curl.get(port, "/", "Addr: x-bar-key=foo").status(), "no x-foo-key element");
        assertEquals(404, Curl.get(port, "/", "Addr: x-foo-key=baz").status(), "a key no scope has");
        assertEquals(404, Curl.get(port, "/", "Addr: x-bar-key=1; x-foo-key=foo").status(), "elements are not trimmed");
    }

    @Test
    void conflictingKeysAndScopedRdsAreRefusedAtTheirFields() {
        TranslationException conflict = assertThrows(TranslationException.class, () -> new BootstrapLoader()
                .loadString(bootstrap(1, listed(SCOPES.replace("string_key: bar", "string_key: foo"))), "b.yaml"));
        assertTrue(conflict.path().endsWith("scoped_routes.scoped_route_configurations_list"
                + ".scoped_route_configurations[1].key"), conflict.path());
        assertEquals("scope key conflict found, first scope is 'foo', second scope is 'bar'", conflict.reason());
        String srds = bootstrap(1, SCOPED.substring(0, SCOPED.indexOf("  scoped_route_configurations_list"))
                + "  scoped_rds: { scoped_rds_config_source: { ads: {} } }\n");
        TranslationException refused = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(srds, "b.yaml"));
        assertTrue(refused.path().endsWith("scoped_routes.scoped_rds"), refused.path());
        assertEquals("scoped_rds is supported in listeners delivered over LDS, not in static_resources",
                refused.reason());
    }

    /** Inline scopes carry their routes inline: scoped_rds.cc's makeScopedRouteInfos refuses a name to fetch. */
    @Test
    void inlineScopesNamingTheirRoutesAreRefused() {
        String named = listed(SCOPES.replace("""
                  route_configuration:
                    name: bar-routes
                """, """
                  route_configuration_name: bar-routes
                """).replace("""
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes: [{ match: { prefix: "/" }, route: { cluster: web } }]
                """, ""));
        TranslationException refused = assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(1, named), "b.yaml"));
        assertTrue(refused.path().endsWith("scoped_route_configurations[1].route_configuration_name"), refused.path());
        assertEquals("Fetching routes via RDS (route_configuration_name) is not supported with inline scoped routes.",
                refused.reason());
    }
}

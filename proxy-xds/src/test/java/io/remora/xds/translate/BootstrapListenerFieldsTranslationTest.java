package io.remora.xds.translate;

import io.remora.config.Address;
import io.remora.config.CidrRange;
import io.remora.config.SocketOption;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bootstrap and listener fields that were once ignored without a word: socket option state and type,
 * pipe mode, admin socket_options and ignore_global_conn_limit, cluster_manager.upstream_bind_config,
 * default_regex_engine, bootstrap_extensions, fatal_actions, api_listener and an unset prefix_len.
 */
class BootstrapListenerFieldsTranslationTest {

    private static final String STATIC = "static_resources: {}\n";
    private static final String ROUTER = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

    private static LoadedBootstrap load(String yaml) {
        return new BootstrapLoader().loadString(yaml, "test.yaml");
    }

    private static TranslationException refused(String yaml) {
        return assertThrows(TranslationException.class, () -> load(yaml));
    }

    private static void assertWarned(LoadedBootstrap lb, String text) {
        assertTrue(lb.warnings().stream().anyMatch(w -> w.contains(text)), text + " not in " + lb.warnings());
    }

    private static void assertNotWarned(LoadedBootstrap lb, String text) {
        assertTrue(lb.warnings().stream().noneMatch(w -> w.contains(text)), lb.warnings().toString());
    }

    @Test
    void socketOptionStateAndTypeAreTranslated() {
        LoadedBootstrap b = ListenerSocketsTranslationTest.load("""
                socket_options:
                - { level: 1, name: 8, int_value: 1, state: STATE_LISTENING, type: { datagram: {} } }
                - { level: 1, name: 9, int_value: 1, state: STATE_BOUND, type: { stream: {} } }
                - { level: 1, name: 7, int_value: 1 }
                """, "{}");
        assertEquals(List.of(
                        new SocketOption("", 1, 8, 1, null, SocketOption.State.LISTENING, SocketOption.SocketType.DATAGRAM),
                        new SocketOption("", 1, 9, 1, null, SocketOption.State.BOUND, SocketOption.SocketType.STREAM),
                        new SocketOption("", 1, 7, 1, null, SocketOption.State.PREBIND, null)),
                b.model().listeners().get(0).socketOptions());
        var both = ListenerSocketsTranslationTest.refused(
                "socket_options: [{ level: 1, name: 8, int_value: 1, type: { stream: {}, datagram: {} } }]", "{}");
        assertEquals("static_resources.listeners[0].socket_options[0].type", both.path());
    }

    @Test
    void anOptionAppliesOnlyInItsStateToItsKindOfSocket() {
        SocketOption datagramBound = new SocketOption("", 1, 8, 1, null, SocketOption.State.BOUND,
                SocketOption.SocketType.DATAGRAM);
        assertTrue(datagramBound.appliesTo(SocketOption.State.BOUND, false));
        assertTrue(!datagramBound.appliesTo(SocketOption.State.BOUND, true));
        assertTrue(!datagramBound.appliesTo(SocketOption.State.PREBIND, false));
        SocketOption any = new SocketOption("", 1, 8, 1, null);
        assertTrue(any.appliesTo(SocketOption.State.PREBIND, true) && any.appliesTo(SocketOption.State.PREBIND, false));
    }

    @Test
    void pipeModeIsKeptAndCheckedAsEnvoyChecksIt() {
        String pipeListener = """
                static_resources:
                  listeners:
                  - name: p
                    address: { pipe: { path: PATH, mode: MODE } }
                    filter_chains:
                    - filters:
                      - name: t
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: t
                          cluster: c1
                """ + HcmListenerYaml.CLUSTER_C1;
        LoadedBootstrap b = load(pipeListener.replace("PATH", "/tmp/p.sock").replace("MODE", "384"));
        assertEquals(new Address.Pipe("/tmp/p.sock", 0600), b.model().listeners().get(0).address());
        assertEquals("static_resources.listeners[0].address.pipe.mode",
                refused(pipeListener.replace("PATH", "\"@abstract\"").replace("MODE", "384")).path());
        assertEquals("static_resources.listeners[0].address.pipe.mode",
                refused(pipeListener.replace("PATH", "/tmp/p.sock").replace("MODE", "512")).path());
    }

    @Test
    void adminSocketOptionsAndTheGlobalConnectionLimit() {
        String admin = "admin:\n  address: { socket_address: { address: 127.0.0.1, port_value: 9901 } }\n"
                + "  socket_options: [{ level: 1, name: 8, int_value: 16384, state: STATE_LISTENING }]\n";
        LoadedBootstrap b = load(admin + STATIC);
        assertEquals(List.of(new SocketOption("", 1, 8, 16384, null, SocketOption.State.LISTENING, null)),
                b.model().admin().socketOptions());
        assertNotWarned(b, "ignore_global_conn_limit");
        String limit = """
                overload_manager:
                  resource_monitors:
                  - name: envoy.resource_monitors.global_downstream_max_connections
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
                      max_active_downstream_connections: 10
                """;
        // Built, not warned: counted by default, exempt when set (AdminGlobalConnLimitE2ETest).
        LoadedBootstrap counted = load(admin + limit + STATIC);
        assertNotWarned(counted, "ignore_global_conn_limit");
        assertFalse(counted.model().admin().ignoreGlobalConnLimit());
        LoadedBootstrap exempt = load(admin + "  ignore_global_conn_limit: true\n" + limit + STATIC);
        assertNotWarned(exempt, "ignore_global_conn_limit");
        assertTrue(exempt.model().admin().ignoreGlobalConnLimit());
    }

    @Test
    void clusterManagerUpstreamBindConfigIsValidated() {
        assertTrue(load("cluster_manager:\n  upstream_bind_config: { source_address: { address: 127.0.0.2,"
                + " port_value: 0 } }\n" + STATIC).warnings().isEmpty());
        var bad = refused("cluster_manager:\n  upstream_bind_config: { source_address: { address: 127.0.0.2,"
                + " port_value: 0 }, additional_source_addresses: [{ address: \"::1\", port_value: 0 }],"
                + " extra_source_addresses: [{ address: { address: \"::2\", port_value: 0 } }] }\n" + STATIC);
        assertEquals("cluster_manager.upstream_bind_config.additional_source_addresses", bad.path());
    }

    @Test
    void defaultRegexEngineIsRe2OrRefused() {
        assertTrue(load("default_regex_engine: { name: envoy.regex_engines.google_re2, typed_config:"
                + " { \"@type\": type.googleapis.com/envoy.extensions.regex_engines.v3.GoogleRE2 } }\n" + STATIC)
                .warnings().isEmpty());
        assertEquals("default_regex_engine.typed_config", refused("default_regex_engine: { name: other,"
                + " typed_config: { \"@type\": " + ROUTER + " } }\n" + STATIC).path());
    }

    @Test
    void bootstrapExtensionsFatalActionsAndApiListeners() {
        LoadedBootstrap known = load("""
                bootstrap_extensions:
                - name: envoy.bootstrap.internal_listener
                  typed_config: { "@type": type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener }
                - name: istio
                  typed_config:
                    "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                    type_url: type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener
                """ + STATIC);
        assertTrue(known.warnings().isEmpty(), known.warnings().toString());
        LoadedBootstrap unknown = load("""
                bootstrap_extensions:
                - name: envoy.bootstrap.internal_listener
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener
                    buffer_size_kb: 64
                - name: my.extension
                  typed_config: { "@type": ROUTER }
                fatal_actions:
                - config: { name: a, typed_config: { "@type": ROUTER } }
                """.replace("ROUTER", ROUTER) + STATIC);
        assertWarned(unknown, "bootstrap_extensions[0].typed_config.buffer_size_kb");
        assertWarned(unknown, "'my.extension'");
        assertWarned(unknown, "fatal_actions");
        var api = refused("""
                static_resources:
                  listeners:
                  - name: api
                    api_listener: { api_listener: { "@type": ROUTER } }
                """.replace("ROUTER", ROUTER));
        assertEquals("static_resources.listeners[0].api_listener", api.path());
    }

    @Test
    void anUnsetPrefixLenIsZeroAsInEnvoy() {
        LoadedBootstrap b = ListenerSocketsTranslationTest.load("",
                "{ source_prefix_ranges: [{ address_prefix: 10.1.2.3 }] }");
        assertEquals(List.of(new CidrRange("10.1.2.3", 0)), b.model().listeners().get(0).filterChains().get(0).match()
                .sourcePrefixRanges());
    }
}

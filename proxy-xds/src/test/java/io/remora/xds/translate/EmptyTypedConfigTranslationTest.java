package io.remora.xds.translate;

import io.remora.config.AccessLogConfig;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.RouterFilterConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code typed_config: {}} (Envoy's own examples write the router so) names no type: Envoy finds the
 * filter by its name, as when typed_config is absent, and starts it from its empty config.
 */
class EmptyTypedConfigTranslationTest {

    private static final String ROUTER = "typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }";

    private static LoadedBootstrap load(String routerTypedConfig) {
        String yaml = HcmListenerYaml.listener("", "route: { cluster: c1 }").replace(ROUTER, routerTypedConfig);
        return new BootstrapLoader().loadString(yaml + HcmListenerYaml.CLUSTER_C1, "empty-typed-config.yaml");
    }

    @Test
    void anEmptyTypedConfigFindsTheRouterByName() {
        LoadedBootstrap b = load("typed_config: {}");
        HttpConnectionManagerConfig hcm = assertInstanceOf(HttpConnectionManagerConfig.class,
                b.model().listeners().get(0).filterChains().get(0).terminalFilter());
        assertInstanceOf(RouterFilterConfig.class, hcm.httpFilters().get(hcm.httpFilters().size() - 1).config());
    }

    @Test
    void aTypedConfigOfAnotherTypeIsStillRefused() {
        TranslationException e = assertThrows(TranslationException.class, () -> load(
                "typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer, max_request_bytes: 1 }"));
        // the type decides, not the name: a buffer filter named like the router leaves the chain without one
        assertTrue(e.getMessage().contains("the last HTTP filter must be the router"), e.getMessage());
    }

    @Test
    void anEmptyNetworkFilterTypedConfigFindsTheFilterByName() {
        String yaml = HcmListenerYaml.networkListener("""
                - name: envoy.filters.network.echo
                  typed_config: {}
                """);
        LoadedBootstrap b = new BootstrapLoader().loadString(yaml, "echo.yaml");
        assertNotNull(b.model().listeners().get(0).filterChains().get(0).terminalFilter());
    }

    private static HttpConnectionManagerConfig withAccessLog(String entry) {
        String yaml = HcmListenerYaml.listener("access_log:\n" + entry, "route: { cluster: c1 }");
        LoadedBootstrap b = new BootstrapLoader().loadString(yaml + HcmListenerYaml.CLUSTER_C1, "access-log.yaml");
        return assertInstanceOf(HttpConnectionManagerConfig.class,
                b.model().listeners().get(0).filterChains().get(0).terminalFilter());
    }

    @Test
    void anAccessLoggerWithoutTypedConfigIsFoundByName() {
        assertEquals(AccessLogConfig.Sink.STDOUT,
                withAccessLog("- name: envoy.access_loggers.stdout").accessLogs().get(0).sink());
        assertEquals(AccessLogConfig.Sink.STDERR,
                withAccessLog("- { name: envoy.access_loggers.stderr, typed_config: {} }").accessLogs().get(0).sink());
    }

    @Test
    void aFileLoggerWithoutTypedConfigLacksItsPath() {
        TranslationException e = assertThrows(TranslationException.class,
                () -> withAccessLog("- name: envoy.access_loggers.file"));
        assertTrue(e.path().endsWith("access_log[0].typed_config.path"), e.path());
    }

    @Test
    void anUnknownNameWithoutTypedConfigIsRefused() {
        TranslationException e = assertThrows(TranslationException.class,
                () -> withAccessLog("- name: my.logger"));
        assertTrue(e.path().endsWith("access_log[0].typed_config"), e.path());
    }
}

package io.remora.xds.translate;

import io.remora.config.AccessLogOptions;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.TcpProxyConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** access_log_options of the connection manager and tcp_proxy, the deprecated fields they replace, and refusals naming the field. */
class AccessLogOptionsTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";

    static AccessLogOptions hcm(String fields) {
        var b = new BootstrapLoader().loadString(HcmListenerYaml.listener(fields, "route: { cluster: c1 }")
                + HcmListenerYaml.CLUSTER_C1, "test.yaml");
        return ((HttpConnectionManagerConfig) b.model().listeners().get(0).filterChains().get(0).terminalFilter())
                .accessLogOptions();
    }

    static AccessLogOptions tcp(String fields) {
        var b = new BootstrapLoader().loadString(HcmListenerYaml.networkListener(HcmListenerYaml.filter(
                "envoy.filters.network.tcp_proxy", "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                "stat_prefix: t\ncluster: c1\n" + fields)) + HcmListenerYaml.CLUSTER_C1, "test.yaml");
        return ((TcpProxyConfig) b.model().listeners().get(0).filterChains().get(0).terminalFilter()).accessLogOptions();
    }

    static String refusedAt(java.util.function.Supplier<?> load) {
        return assertThrows(TranslationException.class, load::get).path();
    }

    @Test
    void connectionManager() {
        assertEquals(AccessLogOptions.NONE, hcm(""));
        assertEquals(new AccessLogOptions(Duration.ofMillis(500), true, true), hcm("""
                access_log_options: { access_log_flush_interval: 0.5s, flush_access_log_on_new_request: true,
                  flush_log_on_tunnel_successfully_established: true }
                """));
        assertEquals(new AccessLogOptions(Duration.ofSeconds(2), true, false),
                hcm("access_log_flush_interval: 2s\nflush_access_log_on_new_request: true"), "the deprecated fields");
        assertEquals(FILTER + ".access_log_flush_interval",
                refusedAt(() -> hcm("access_log_flush_interval: 2s\naccess_log_options: { flush_access_log_on_new_request: true }")));
        assertEquals(FILTER + ".flush_access_log_on_new_request",
                refusedAt(() -> hcm("flush_access_log_on_new_request: true\naccess_log_options: {}")));
        assertEquals(FILTER + ".access_log_options.access_log_flush_interval",
                refusedAt(() -> hcm("access_log_options: { access_log_flush_interval: 0.0001s }")));
    }

    @Test
    void tcpProxy() {
        assertEquals(AccessLogOptions.NONE, tcp(""));
        assertEquals(new AccessLogOptions(Duration.ofMillis(250), true, false),
                tcp("access_log_options: { access_log_flush_interval: 0.25s, flush_access_log_on_connected: true }"));
        assertEquals(new AccessLogOptions(Duration.ofSeconds(1), true, false),
                tcp("access_log_flush_interval: 1s\nflush_access_log_on_connected: true"));
        assertEquals(FILTER + ".flush_access_log_on_connected",
                refusedAt(() -> tcp("flush_access_log_on_connected: true\naccess_log_options: {}")));
        assertEquals(FILTER + ".access_log_flush_interval", refusedAt(() -> tcp("access_log_flush_interval: 0s")));
    }
}

package io.remora.extensions.filters.network.ext_authz;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The network ext_authz filter in a bootstrap: its model, and errors naming the field. */
class NetworkExtAuthzTranslationTest {

    static final String F = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";

    static String yaml(String config) {
        return HcmListenerYaml.networkListener(
                HcmListenerYaml.filter("envoy.filters.network.ext_authz",
                        "type.googleapis.com/envoy.extensions.filters.network.ext_authz.v3.ExtAuthz", config)
                + HcmListenerYaml.filter("envoy.filters.network.tcp_proxy",
                        "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                        "stat_prefix: t\ncluster: authz"))
                + HcmListenerYaml.clusters("authz");
    }

    @Test
    void translates() {
        var model = new BootstrapLoader().loadString(yaml("""
                stat_prefix: tcp_authz
                grpc_service: { envoy_grpc: { cluster_name: authz }, timeout: 0.5s }
                failure_mode_allow: true
                """), "n.yaml").model();
        var c = (NetworkExtAuthzConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
        assertEquals("tcp_authz", c.statPrefix());
        assertEquals("authz", c.service().cluster());
        assertEquals(Duration.ofMillis(500), c.service().timeout());
        assertEquals(true, c.failureModeAllow());
    }

    @Test
    void statPrefixRequired() {
        var e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                yaml("grpc_service: { envoy_grpc: { cluster_name: authz } }"), "n.yaml"));
        assertEquals(F + ".stat_prefix", e.path());
    }

    @Test
    void serviceRequiredAndKnown() {
        var e = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                yaml("stat_prefix: s"), "n.yaml"));
        assertEquals(F + ".grpc_service", e.path());
        var e2 = assertThrows(TranslationException.class, () -> new BootstrapLoader().loadString(
                yaml("stat_prefix: s\ngrpc_service: { envoy_grpc: { cluster_name: nope } }"), "n.yaml"));
        assertEquals(F + ".grpc_service.envoy_grpc.cluster_name", e2.path());
    }
}

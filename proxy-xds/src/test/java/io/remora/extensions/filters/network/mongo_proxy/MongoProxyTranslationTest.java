package io.remora.extensions.filters.network.mongo_proxy;

import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mongo_proxy before tcp_proxy: its fields and defaults, and refusals naming the field. */
class MongoProxyTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0]";

    static String bootstrap(String body) {
        return HcmListenerYaml.networkListener(
                HcmListenerYaml.filter("envoy.filters.network.mongo_proxy",
                        "type.googleapis.com/envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy", body)
                + HcmListenerYaml.filter("envoy.filters.network.tcp_proxy",
                        "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                        "stat_prefix: tcp\ncluster: c1"))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static MongoProxyConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body), "test.yaml").model();
        return (MongoProxyConfig) model.listeners().get(0).filterChains().get(0).filters().get(0);
    }

    static TranslationException refused(String body) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body), "test.yaml"));
    }

    @Test
    void fieldsAndDefaults() {
        MongoProxyConfig c = config("stat_prefix: outbound|27017||mongo.default.svc.cluster.local");
        assertEquals("outbound|27017||mongo.default.svc.cluster.local", c.statPrefix());
        assertEquals(List.of("delete", "insert", "update"), c.commands(), "Envoy's default commands");
        assertEquals("", c.accessLog());
        assertNull(c.delay());
        assertFalse(c.emitDynamicMetadata());
        MongoProxyConfig d = config("""
                stat_prefix: m
                access_log: /tmp/mongo.log
                emit_dynamic_metadata: true
                commands: [find, count]
                delay: { fixed_delay: 0.25s, percentage: { numerator: 5 } }
                """);
        assertEquals(List.of("find", "count"), d.commands());
        assertEquals(250, d.delay().fixedMillis());
        assertEquals(5, d.delay().percentage().numerator());
        assertTrue(d.emitDynamicMetadata());
        assertTrue(config("stat_prefix: m\ndelay: { header_delay: {} }").delay().fromHeaders());
    }

    @Test
    void refusedNamingTheField() {
        assertEquals(FILTER + ".typed_config.stat_prefix", refused("access_log: /tmp/x").path());
        assertEquals(FILTER + ".typed_config.delay.fixed_delay", refused("stat_prefix: m\ndelay: { fixed_delay: 0s }").path());
        assertEquals(FILTER + ".typed_config.delay", refused("stat_prefix: m\ndelay: { percentage: { numerator: 1 } }")
                .path());
    }
}

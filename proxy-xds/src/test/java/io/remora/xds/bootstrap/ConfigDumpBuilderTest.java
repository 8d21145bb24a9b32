package io.remora.xds.bootstrap;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.remora.xds.TestResources;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDumpBuilderTest {

    private static final io.remora.testing.TestCerts.Leaf LEAF = io.remora.testing.TestCerts.ca("dump-ca").issue("dump");
    private static final String KEY = LEAF.keyPem().strip().replace("\n", "\\n");
    private static final String CERT = LEAF.certPem().strip().replace("\n", "\\n");

    @Test
    void staticResourcesWithSecretsRedacted() {
        String yaml = TestResources.text("configs/representative.yaml").replace("""
                    per_connection_buffer_limit_bytes: 32768
                """, """
                    per_connection_buffer_limit_bytes: 32768
                    default_filter_chain:
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                          common_tls_context:
                            tls_certificates:
                            - certificate_chain: { inline_string: "%s" }
                              private_key: { inline_string: "%s" }
                      filters:
                      - name: envoy.filters.network.tcp_proxy
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                          stat_prefix: tls
                          cluster: backend
                """.formatted(CERT, KEY));
        LoadedBootstrap lb = new BootstrapLoader().loadString(yaml, "r.yaml");
        assertEquals(KEY.replace("\\n", "\n"),
                lb.model().listeners().get(1).defaultFilterChain().transportSocket().certificates().get(0).privateKeyPem());

        String json = new ConfigDumpBuilder(lb.proto(), Instant.parse("2026-01-01T00:00:00Z")).toJson();
        String keyBody = KEY.split("\\\\n")[1];
        assertFalse(json.contains(keyBody), json);
        assertTrue(json.contains("[redacted]"));
        assertTrue(json.contains(CERT.split("\\\\n")[1]), "certificates are not secret");

        JsonObject root = JsonParser.parseString(json).getAsJsonObject();
        var configs = root.getAsJsonArray("configs");
        assertEquals("type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
                configs.get(0).getAsJsonObject().get("@type").getAsString());
        assertEquals("node-1", configs.get(0).getAsJsonObject().getAsJsonObject("bootstrap")
                .getAsJsonObject("node").get("id").getAsString());
        assertEquals(3, configs.get(1).getAsJsonObject().getAsJsonArray("static_clusters").size());
        assertEquals(2, configs.get(2).getAsJsonObject().getAsJsonArray("static_listeners").size());
        var routes = configs.get(3).getAsJsonObject().getAsJsonArray("static_route_configs");
        assertEquals("local_route", routes.get(0).getAsJsonObject().getAsJsonObject("route_config").get("name")
                .getAsString());
        assertEquals("2026-01-01T00:00:00Z", routes.get(0).getAsJsonObject().get("last_updated").getAsString());

        // What Envoy tooling reads back: the dump parses as admin.v3.ConfigDump.
        ConfigDump back = ProtoJson.merge(root, ConfigDump.newBuilder(), FieldPath.ROOT,
                TranslationContext.lenient()).build();
        assertEquals(4, back.getConfigsCount());
    }
}

package io.remora.xds.bootstrap;

import com.google.gson.JsonObject;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.remora.xds.TestResources;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ProtoJson#merge} parses through a DynamicMessage (no generated reflection tables): the
 * result must be the message JsonFormat gives when it fills the generated builder itself, for
 * every config document in the repository.
 */
class ProtoJsonTest {

    @ParameterizedTest
    @ValueSource(strings = {"istio/bootstrap-all.json", "istio/bootstrap-auth.json", "istio/bootstrap-authsds.json",
            "istio/bootstrap-default.json", "istio/bootstrap-running.json", "istio/bootstrap-runningsds.json",
            "configs/representative.yaml", "demo.yaml"})
    void bootstrapsAreTheMessagesJsonFormatBuilds(String name) throws Exception {
        sameAsJsonFormat(name, Bootstrap::newBuilder);
    }

    @ParameterizedTest
    @ValueSource(strings = {"istio/sidecar-config-dump.json", "istio/sidecar-http-config.json",
            "istio/sidecar-listeners.json"})
    void configDumpsAreTheMessagesJsonFormatBuilds(String name) throws Exception {
        sameAsJsonFormat(name, ConfigDump::newBuilder);
    }

    private static void sameAsJsonFormat(String name, Supplier<Message.Builder> builder) throws Exception {
        JsonObject json = ConfigDocuments.parse(TestResources.text(name), name);
        Message.Builder reference = builder.get();
        JsonFormat.parser().usingTypeRegistry(EnvoyTypeRegistry.forJson(json)).merge(json.toString(), reference);
        Message expected = reference.build();
        Message actual = ProtoJson.merge(json, builder.get(), FieldPath.ROOT, TranslationContext.lenient()).build();
        assertTrue(expected.getSerializedSize() > 100, name + " parsed to (almost) nothing");
        assertEquals(expected, actual, name);
        assertEquals(expected.toByteString(), actual.toByteString(), name);
    }

    @Test
    void aBuilderWithContentKeepsJsonFormatsMergeRules() throws Exception {
        // JsonFormat appends to repeated fields and refuses a message field the builder already has;
        // a merge of bytes would merge into it instead, so a builder with content takes JsonFormat's path
        Bootstrap.Builder b = Bootstrap.newBuilder();
        b.getStaticResourcesBuilder().addListeners(Listener.newBuilder().setName("first"));
        JsonObject json = ConfigDocuments.parseYaml("node: { id: new }", "x.yaml");
        Bootstrap out = ProtoJson.merge(json, b, FieldPath.ROOT, TranslationContext.lenient()).build();
        assertEquals("new", out.getNode().getId());
        assertEquals("first", out.getStaticResources().getListeners(0).getName());

        Bootstrap.Builder withNode = Bootstrap.newBuilder().setNode(Node.newBuilder().setId("old"));
        Bootstrap.Builder reference = withNode.clone();
        assertThrows(com.google.protobuf.InvalidProtocolBufferException.class,
                () -> JsonFormat.parser().merge(json.toString(), reference));
        TranslationException e = assertThrows(TranslationException.class,
                () -> ProtoJson.merge(json, withNode, FieldPath.ROOT, TranslationContext.lenient()));
        assertTrue(e.getMessage().contains("already been set"), e.getMessage());
    }

    @Test
    void refusalsStillNameTheField() {
        JsonObject json = ConfigDocuments.parseYaml(
                "static_resources:\n  clusters:\n  - name: c\n    connect_timeout: 5 seconds\n", "bad.yaml");
        TranslationException e = assertThrows(TranslationException.class,
                () -> ProtoJson.merge(json, Bootstrap.newBuilder(), FieldPath.ROOT, TranslationContext.lenient()));
        assertEquals("static_resources.clusters[0].connect_timeout", e.path());

        JsonObject unknown = ConfigDocuments.parseYaml("admin: { no_such_field: 1 }", "unknown.yaml");
        TranslationException u = assertThrows(TranslationException.class,
                () -> ProtoJson.merge(unknown, Bootstrap.newBuilder(), FieldPath.ROOT, TranslationContext.lenient()));
        assertTrue(u.path().startsWith("admin"), u.path());
        assertTrue(u.reason().startsWith("unknown field"), u.reason());

        JsonObject badEnum = ConfigDocuments.parseYaml(
                "static_resources:\n  clusters: { name: c, type: strictly_dns }\n", "enum.yaml");
        assertEquals("static_resources.clusters[0].type", assertThrows(TranslationException.class,
                () -> ProtoJson.merge(badEnum, Bootstrap.newBuilder(), FieldPath.ROOT, TranslationContext.lenient()))
                .path(), "still refused after the lenient rewrite, with the list's index");
    }

    /**
     * As Envoy's loader (its own example configs rely on it): enum values in any case, including
     * inside a typed_config, a single value where a list belongs, and durations as {seconds, nanos}.
     */
    @Test
    void envoysLenientJsonIsAccepted() {
        JsonObject json = ConfigDocuments.parseYaml("""
                static_resources:
                  clusters:
                    name: c
                    type: strict_dns
                    lb_policy: round_robin
                    connect_timeout: { seconds: 2, nanos: 500000000 }
                    dns_refresh_rate: { seconds: 300 }
                  listeners:
                  - name: l
                    address: { socket_address: { address: 0.0.0.0, port_value: 80 } }
                    filter_chains:
                      filters:
                        name: hcm
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          codec_type: auto
                          stat_prefix: s
                """, "lenient.yaml");
        Bootstrap b = ProtoJson.merge(json, Bootstrap.newBuilder(), FieldPath.ROOT, TranslationContext.lenient()).build();
        assertEquals(1, b.getStaticResources().getClustersCount());
        assertEquals(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STRICT_DNS,
                b.getStaticResources().getClusters(0).getType());
        assertEquals(io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.ROUND_ROBIN,
                b.getStaticResources().getClusters(0).getLbPolicy());
        assertEquals(com.google.protobuf.Duration.newBuilder().setSeconds(2).setNanos(500_000_000).build(),
                b.getStaticResources().getClusters(0).getConnectTimeout(), "a duration written as its message");
        assertEquals(300, b.getStaticResources().getClusters(0).getDnsRefreshRate().getSeconds());
        var any = b.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0).getTypedConfig();
        assertTrue(any.getValue().size() > 0 && any.getTypeUrl().endsWith("HttpConnectionManager"), any.toString());
    }
}

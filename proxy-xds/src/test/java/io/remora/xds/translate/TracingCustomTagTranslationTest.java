package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKey;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKind;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.remora.config.MetadataSource;
import io.remora.config.TracingConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Tracing's custom tags of every kind, and the malformed ones refused with their path. */
class TracingCustomTagTranslationTest {

    private static List<TracingConfig.CustomTag> tags(CustomTag... tags) {
        HttpConnectionManager.Tracing t = HttpConnectionManager.Tracing.newBuilder().addAllCustomTags(List.of(tags))
                .build();
        return TracingTranslator.translate(HttpConnectionManager.newBuilder().setTracing(t).build(), FieldPath.of("hcm"),
                new TranslationContext(null)).customTags();
    }

    private static CustomTag metadata(String tag, MetadataKind kind, String ns, String... path) {
        MetadataKey.Builder key = MetadataKey.newBuilder().setKey(ns);
        for (String p : path) {
            key.addPath(MetadataKey.PathSegment.newBuilder().setKey(p));
        }
        return CustomTag.newBuilder().setTag(tag).setMetadata(CustomTag.Metadata.newBuilder().setKind(kind)
                .setMetadataKey(key).setDefaultValue("d")).build();
    }

    @Test
    void everyKind() {
        List<TracingConfig.CustomTag> t = tags(
                CustomTag.newBuilder().setTag("l").setLiteral(CustomTag.Literal.newBuilder().setValue("v")).build(),
                CustomTag.newBuilder().setTag("e").setEnvironment(CustomTag.Environment.newBuilder()
                        .setName("REMORA_TEST_SURELY_UNSET_VARIABLE").setDefaultValue("fallback")).build(),
                CustomTag.newBuilder().setTag("h").setRequestHeader(CustomTag.Header.newBuilder().setName("x-a")).build(),
                metadata("r", MetadataKind.newBuilder().setRequest(MetadataKind.Request.getDefaultInstance()).build(),
                        "envoy.filters.http.rbac", "istio_dry_run_allow_shadow_engine_result"),
                metadata("ro", MetadataKind.newBuilder().setRoute(MetadataKind.Route.getDefaultInstance()).build(),
                        "istio", "config", "deeper"),
                metadata("c", MetadataKind.newBuilder().setCluster(MetadataKind.Cluster.getDefaultInstance()).build(),
                        "acme", "tier"),
                metadata("ho", MetadataKind.newBuilder().setHost(MetadataKind.Host.getDefaultInstance()).build(),
                        "envoy.lb", "canary"));
        assertEquals(List.of(
                new TracingConfig.LiteralTag("l", "v"),
                new TracingConfig.LiteralTag("e", "fallback"),
                new TracingConfig.RequestHeaderTag("h", "x-a", ""),
                new TracingConfig.MetadataTag("r", MetadataSource.DYNAMIC, "envoy.filters.http.rbac",
                        List.of("istio_dry_run_allow_shadow_engine_result"), "d"),
                new TracingConfig.MetadataTag("ro", MetadataSource.ROUTE, "istio", List.of("config", "deeper"), "d"),
                new TracingConfig.MetadataTag("c", MetadataSource.CLUSTER, "acme", List.of("tier"), "d"),
                new TracingConfig.MetadataTag("ho", MetadataSource.UPSTREAM_HOST, "envoy.lb", List.of("canary"), "d")),
                t);
        String path = System.getenv().keySet().iterator().next();
        assertEquals(new TracingConfig.LiteralTag("e", System.getenv(path)), tags(CustomTag.newBuilder().setTag("e")
                .setEnvironment(CustomTag.Environment.newBuilder().setName(path).setDefaultValue("no")).build()).get(0));
    }

    @Test
    void malformedTagsNameTheirField() {
        MetadataKind request = MetadataKind.newBuilder().setRequest(MetadataKind.Request.getDefaultInstance()).build();
        assertEquals("hcm.tracing.custom_tags[0].metadata.kind", assertThrows(TranslationException.class,
                () -> tags(metadata("x", MetadataKind.getDefaultInstance(), "ns", "k"))).path());
        assertEquals("hcm.tracing.custom_tags[1].metadata.metadata_key.path", assertThrows(TranslationException.class,
                () -> tags(metadata("ok", request, "ns", "k"), metadata("x", request, "ns"))).path());
        assertEquals("hcm.tracing.custom_tags[0].metadata.metadata_key.key", assertThrows(TranslationException.class,
                () -> tags(metadata("x", request, "", "k"))).path());
        assertEquals("hcm.tracing.custom_tags[0]", assertThrows(TranslationException.class,
                () -> tags(CustomTag.newBuilder().setTag("x").build())).path());
        assertEquals("hcm.tracing.custom_tags[0].tag", assertThrows(TranslationException.class,
                () -> tags(CustomTag.newBuilder().setLiteral(CustomTag.Literal.newBuilder().setValue("v")).build()))
                .path());
    }
}

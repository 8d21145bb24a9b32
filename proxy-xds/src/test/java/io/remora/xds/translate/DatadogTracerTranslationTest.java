package io.remora.xds.translate;

import io.remora.config.TracingConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code envoy.tracers.datadog} as Istio's MeshConfig writes it; its required fields named when missing. */
class DatadogTracerTranslationTest {

    private static TracingConfig.Provider provider(String fields, TranslationContext ctx) {
        return BootstrapTracers.provider("envoy.tracers.datadog", "envoy.config.trace.v3.DatadogConfig", fields, ctx);
    }

    private static String error(String fields) {
        return assertThrows(TranslationException.class,
                () -> provider(fields, new TranslationContext(Set.of("datadog-agent")))).getMessage();
    }

    @Test
    void clusterServiceAndHostname() {
        TranslationContext ctx = new TranslationContext(
                Set.of("outbound|8126||datadog-agent.datadog.svc.cluster.local"));
        assertEquals(new TracingConfig.Datadog("outbound|8126||datadog-agent.datadog.svc.cluster.local",
                        "datadog-agent.datadog", "productpage.default"),
                provider("""
                        collector_cluster: outbound|8126||datadog-agent.datadog.svc.cluster.local
                        collector_hostname: datadog-agent.datadog
                        service_name: productpage.default
                        """, ctx));
        assertEquals(List.of(), ctx.warnings());
        assertEquals(new TracingConfig.Datadog("datadog-agent", "", "envoy"),
                provider("collector_cluster: datadog-agent\nservice_name: envoy\n",
                        new TranslationContext(Set.of("datadog-agent"))));
    }

    @Test
    void remoteConfigIsWarnedAbout() {
        TranslationContext ctx = new TranslationContext(Set.of("datadog-agent"));
        provider("""
                collector_cluster: datadog-agent
                service_name: envoy
                remote_config: { polling_interval: 5s }
                """, ctx);
        assertEquals(1, ctx.warnings().size());
        assertTrue(ctx.warnings().get(0).contains("tracing.http.typed_config.remote_config"), ctx.warnings().get(0));
    }

    @Test
    void missingOrUnknownFieldsAreNamed() {
        assertTrue(error("service_name: envoy\n").startsWith("tracing.http.typed_config.collector_cluster: missing"),
                error("service_name: envoy\n"));
        assertTrue(error("collector_cluster: datadog-agent\n")
                .startsWith("tracing.http.typed_config.service_name: missing required field"));
        assertTrue(error("collector_cluster: nowhere\nservice_name: envoy\n")
                .startsWith("tracing.http.typed_config.collector_cluster: unknown cluster 'nowhere'"));
    }
}

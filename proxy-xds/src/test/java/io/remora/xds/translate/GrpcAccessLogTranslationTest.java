package io.remora.xds.translate;

import io.remora.config.AccessLogConfig;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.xds.accesslog.AlsAccessLogConfig;
import io.remora.xds.accesslog.OtelAccessLogConfig;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.bootstrap.LoadedBootstrap;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gRPC access loggers' configs as Envoy reads them; bad ones refused naming the field. */
class GrpcAccessLogTranslationTest {

    static final String LOG = AccessLogFilterTranslationTest.LOG + ".typed_config";

    static LoadedBootstrap load(String type, String body) {
        String yaml = HcmListenerYaml.listener("""
                access_log:
                - name: als
                  typed_config:
                """ + ("\"@type\": type.googleapis.com/" + type + "\n" + body).indent(4), "route: { cluster: c1 }")
                + HcmListenerYaml.CLUSTER_C1;
        return new BootstrapLoader().loadString(yaml, "test.yaml");
    }

    static List<AccessLogConfig> logs(LoadedBootstrap b) {
        return ((HttpConnectionManagerConfig) b.model().listeners().get(0).filterChains().get(0).terminalFilter())
                .accessLogs();
    }

    private static final String OTEL = "envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig";
    private static final String HTTP = "envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig";
    private static final String COMMON = "common_config: { log_name: otel_envoy_accesslog, grpc_service: { envoy_grpc: { cluster_name: c1 } } }\n";

    @Test
    void istiosOpenTelemetryProviderWithEnvoysDefaults() {
        LoadedBootstrap b = load(OTEL, COMMON + "body: { string_value: \"[%START_TIME%] %REQ(:METHOD)%\" }\n");
        AccessLogConfig log = logs(b).get(0);
        assertEquals(AccessLogConfig.Sink.EXTERNAL, log.sink());
        OtelAccessLogConfig o = (OtelAccessLogConfig) log.external();
        assertEquals("c1", o.target().service().cluster());
        assertEquals("otel_envoy_accesslog", o.target().logName());
        assertEquals(1000, o.target().flushIntervalMillis());
        assertEquals(16384, o.target().bufferSizeBytes());
        assertEquals("[%START_TIME%] %REQ(:METHOD)%", o.body().getStringValue());
        assertTrue(o.builtinLabels());
        assertTrue(b.warnings().isEmpty(), b.warnings().toString());
    }

    @Test
    void otherValueTypesAndBadFormatsAreRefusedNamingTheField() {
        TranslationException e = assertThrows(TranslationException.class, () -> load(OTEL, COMMON
                + "attributes: { values: [ { key: a, value: { string_value: ok } }, { key: b, value: { int_value: 3 } } ] }\n"));
        assertTrue(e.getMessage().contains(LOG + ".attributes.values[1].value"), e.getMessage());
        e = assertThrows(TranslationException.class, () -> load(OTEL, COMMON
                + "body: { kvlist_value: { values: [ { key: k, value: { string_value: \"%NOT_A_COMMAND%\" } } ] } }\n"));
        assertTrue(e.getMessage().contains(LOG), e.getMessage());
        e = assertThrows(TranslationException.class, () -> load(OTEL,
                "common_config: { grpc_service: { envoy_grpc: { cluster_name: c1 } } }\n"));
        assertTrue(e.getMessage().contains(LOG + ".common_config.log_name"), e.getMessage());
        e = assertThrows(TranslationException.class, () -> load(HTTP,
                "common_config: { log_name: x, grpc_service: { envoy_grpc: { cluster_name: nowhere } } }\n"));
        assertTrue(e.getMessage().contains(LOG + ".common_config.grpc_service.envoy_grpc.cluster_name"), e.getMessage());
    }

    @Test
    void googleGrpcIsSkippedWithAWarningAndFilterStateIsWarnedAbout() {
        LoadedBootstrap b = load(HTTP, "common_config: { log_name: x, grpc_service: { google_grpc: { target_uri: "
                + "\"127.0.0.1:1\", stat_prefix: als } } }\n");
        assertTrue(logs(b).isEmpty());
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains("google_grpc")), b.warnings().toString());

        b = load(HTTP, "common_config: { log_name: x, grpc_service: { envoy_grpc: { cluster_name: c1 } },"
                + " filter_state_objects_to_log: [wasm.upstream_peer], buffer_flush_interval: 0.5s, buffer_size_bytes: 100 }\n"
                + "additional_request_headers_to_log: [X-Tenant]\n");
        AlsAccessLogConfig a = (AlsAccessLogConfig) logs(b).get(0).external();
        assertEquals(List.of("x-tenant"), a.requestHeaders());
        assertEquals(500, a.target().flushIntervalMillis());
        assertEquals(100, a.target().bufferSizeBytes());
        assertNull(logs(b).get(0).filter());
        assertTrue(b.warnings().stream().anyMatch(w -> w.contains("filter_state_objects_to_log")), b.warnings().toString());
    }
}

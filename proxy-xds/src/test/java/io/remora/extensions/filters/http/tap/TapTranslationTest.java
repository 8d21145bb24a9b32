package io.remora.extensions.filters.http.tap;

import io.envoyproxy.envoy.config.tap.v3.OutputSink;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.extensions.filters.common.tap.TapPredicate;
import io.remora.extensions.filters.common.tap.TapSpec;
import io.remora.xds.bootstrap.BootstrapLoader;
import io.remora.xds.translate.HcmListenerYaml;
import io.remora.xds.translate.TranslationException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tap filter configs as Envoy reads them, and refused ones naming the field. */
class TapTranslationTest {

    static final String FILTER = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config"
            + ".http_filters[0].typed_config";
    static final String STATIC = FILTER + ".common_config.static_config";

    static String bootstrap(String body) {
        return HcmListenerYaml.listener("",
                HcmListenerYaml.filter("envoy.filters.http.tap",
                        "type.googleapis.com/envoy.extensions.filters.http.tap.v3.Tap", body),
                HcmListenerYaml.catchAllHost("", "route: { cluster: c1 }\n"))
                + HcmListenerYaml.CLUSTER_C1;
    }

    static TapFilterConfig config(String body) {
        var model = new BootstrapLoader().loadString(bootstrap(body), "test.yaml").model();
        var hcm = (HttpConnectionManagerConfig) model.listeners().get(0).filterChains().get(0).terminalFilter();
        return (TapFilterConfig) hcm.httpFilters().get(0).config();
    }

    static TranslationException refused(String body) {
        return assertThrows(TranslationException.class,
                () -> new BootstrapLoader().loadString(bootstrap(body), "test.yaml"));
    }

    static String staticConfig(String match, String output) {
        return "common_config:\n  static_config:\n" + match.indent(4) + "    output_config:\n" + output.indent(6);
    }

    static final String FILE_SINK = "sinks: [{ format: PROTO_TEXT, file_per_tap: { path_prefix: /tmp/t } }]\n";

    @Test
    void staticConfigWithDefaults() {
        TapFilterConfig c = config(staticConfig("match: { any_match: true }", FILE_SINK));
        TapSpec s = c.staticSpec();
        assertNull(c.adminConfigId());
        assertInstanceOf(TapPredicate.Any.class, s.match());
        assertEquals(OutputSink.Format.PROTO_TEXT, s.format());
        assertEquals(new TapSpec.FilePerTap("/tmp/t"), s.sink());
        assertEquals(1024, s.maxRxBytes());
        assertEquals(1024, s.maxTxBytes());
        assertFalse(s.streaming());
        assertTrue(config(staticConfig("match: { any_match: true }", "streaming: true\n" + FILE_SINK)).staticSpec()
                .streaming());
    }

    @Test
    void matchWinsOverTheDeprecatedMatchConfig() {
        TapSpec s = config(staticConfig("""
                match: { http_response_generic_body_match: { bytes_limit: 10, patterns: [{ string_match: ab }] } }
                match_config: { any_match: true }""", "max_buffered_tx_bytes: 7\n" + FILE_SINK)).staticSpec();
        TapPredicate.Body body = assertInstanceOf(TapPredicate.Body.class, s.match());
        assertEquals(10, body.bytesLimit());
        assertEquals(1, s.bodyMatches().size());
        assertEquals(7, s.maxTxBytes());
    }

    @Test
    void adminConfig() {
        TapFilterConfig c = config("common_config: { admin_config: { config_id: abc } }\nrecord_downstream_connection: true");
        assertEquals("abc", c.adminConfigId());
        assertNull(c.staticSpec());
        assertTrue(c.recordDownstreamConnection());
    }

    @Test
    void refusedConfigsNameTheField() {
        assertEquals(FILTER + ".common_config", refused("record_headers_received_time: true").path());
        assertEquals(FILTER + ".common_config.admin_config.config_id",
                refused("common_config: { admin_config: {} }").path());
        TranslationException neither = refused(staticConfig("", FILE_SINK));
        assertEquals(STATIC, neither.path());
        assertTrue(neither.reason().contains("Neither match nor match_config"), neither.reason());
        assertEquals(STATIC + ".output_config.sinks", refused(staticConfig("match: { any_match: true }",
                "sinks: []")).path());
        TranslationException admin = refused(staticConfig("match: { any_match: true }",
                "sinks: [{ streaming_admin: {} }]"));
        assertEquals(STATIC + ".output_config.sinks[0].streaming_admin", admin.path());
        assertEquals(STATIC + ".output_config.sinks[0].buffered_admin", refused(staticConfig(
                "match: { any_match: true }", "sinks: [{ buffered_admin: { max_traces: 1 } }]")).path());
        assertEquals(STATIC + ".output_config.sinks[0].streaming_grpc", refused(staticConfig(
                "match: { any_match: true }", "sinks: [{ streaming_grpc: { grpc_service: { envoy_grpc: { cluster_name: c1 } } } }]"))
                .path());
        assertEquals(STATIC + ".output_config.sinks[0].file_per_tap.path_prefix", refused(staticConfig(
                "match: { any_match: true }", "sinks: [{ file_per_tap: {} }]")).path());
        assertEquals(STATIC + ".match.any_match", refused(staticConfig("match: { any_match: false }", FILE_SINK)).path());
        assertEquals(STATIC + ".match.or_match.rules", refused(staticConfig(
                "match: { or_match: { rules: [{ any_match: true }] } }", FILE_SINK)).path());
        assertEquals(STATIC + ".match.and_match.rules[1].http_request_headers_match.headers[0].name", refused(staticConfig(
                "match: { and_match: { rules: [{ any_match: true }, { http_request_headers_match: { headers: [{ exact_match: x }] } }] } }",
                FILE_SINK)).path());
        assertEquals(STATIC + ".match.not_match.http_request_generic_body_match.patterns", refused(staticConfig(
                "match: { not_match: { http_request_generic_body_match: { bytes_limit: 3 } } }", FILE_SINK)).path());
    }
}

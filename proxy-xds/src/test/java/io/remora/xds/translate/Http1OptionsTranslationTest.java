package io.remora.xds.translate;

import io.remora.config.Http1Options;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rest of {@code http_protocol_options} (Http1ProtocolOptions) into {@link Http1Options}: of
 * the connection manager (with stream_error_on_invalid_http_message beneath its override) and of
 * clusters (deprecated field, typed explicit/downstream/auto configs); Envoy's defaults when unset.
 */
class Http1OptionsTranslationTest {

    private static Http1Options hcm(String fields) {
        return Http1TrailersTranslationTest.hcm(fields).http1Options();
    }

    private static Http1Options cluster(String body) {
        return Http1TrailersTranslationTest.cluster(body).http1Options();
    }

    @Test
    void unsetIsEnvoysDefaults() {
        Http1Options o = hcm("codec_type: AUTO");
        assertEquals(Http1Options.DEFAULT, o);
        assertTrue(o.allowAbsoluteUrl());
        assertEquals(Http1Options.HeaderKeyFormat.DEFAULT, o.headerKeyFormat());
        assertEquals(Http1Options.DEFAULT, cluster(""));
    }

    @Test
    void everyFieldOfTheConnectionManagersOptionsIsRead() {
        Http1Options o = hcm("""
                http_protocol_options:
                  header_key_format: { proper_case_words: {} }
                  allow_chunked_length: true
                  allow_absolute_url: false
                  allow_custom_methods: true
                  use_balsa_parser: false
                  ignore_http_11_upgrade: [{ prefix: "web" }]
                """);
        assertEquals(Http1Options.HeaderKeyFormat.PROPER_CASE, o.headerKeyFormat());
        assertTrue(o.allowChunkedLength() && o.allowCustomMethods() && !o.allowAbsoluteUrl());
        assertTrue(o.ignoresUpgrade("websocket"));
        assertFalse(o.ignoresUpgrade("h2c"));
    }

    @Test
    void streamErrorFollowsTheConnectionManagerUnlessOverridden() {
        assertTrue(hcm("stream_error_on_invalid_http_message: true").streamErrorOnInvalidHttpMessage());
        assertFalse(hcm("""
                stream_error_on_invalid_http_message: true
                http_protocol_options: { override_stream_error_on_invalid_http_message: false }
                """).streamErrorOnInvalidHttpMessage());
        assertTrue(hcm("http_protocol_options: { override_stream_error_on_invalid_http_message: true }")
                .streamErrorOnInvalidHttpMessage());
    }

    @Test
    void preserveCaseAndItsOptions() {
        Http1Options o = hcm("""
                http_protocol_options:
                  header_key_format:
                    stateful_formatter: { name: preserve_case, typed_config: {
                      "@type": type.googleapis.com/envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig,
                      forward_reason_phrase: true, formatter_type_on_envoy_headers: PROPER_CASE } }
                """);
        assertEquals(Http1Options.HeaderKeyFormat.PRESERVE_CASE, o.headerKeyFormat());
        assertTrue(o.forwardReasonPhrase() && o.properCaseEnvoyHeaders());
    }

    @Test
    void anUnknownStatefulFormatterFailsNamingTheField() {
        String error = assertThrows(TranslationException.class, () -> hcm("""
                http_protocol_options:
                  header_key_format:
                    stateful_formatter:
                      name: other
                      typed_config: { "@type": type.googleapis.com/google.protobuf.Empty }
                """)).getMessage();
        assertTrue(error.contains("http_protocol_options.header_key_format.stateful_formatter.typed_config"), error);
    }

    @Test
    void clustersReadTheirsFromEveryPlaceEnvoyDoes() {
        assertTrue(cluster("    http_protocol_options: { send_fully_qualified_url: true }\n").sendFullyQualifiedUrl());
        String typed = Http1TrailersTranslationTest.TYPED;
        assertTrue(cluster(typed.formatted("explicit_http_config: { http_protocol_options: { allow_chunked_length: true } }"))
                .allowChunkedLength());
        assertEquals(Http1Options.HeaderKeyFormat.PROPER_CASE, cluster(typed.formatted(
                "use_downstream_protocol_config: { http_protocol_options: { header_key_format: { proper_case_words: {} } } }"))
                .headerKeyFormat());
        assertTrue(cluster(typed.formatted("auto_config: { http_protocol_options: { send_fully_qualified_url: true } }"))
                .sendFullyQualifiedUrl());
    }
}

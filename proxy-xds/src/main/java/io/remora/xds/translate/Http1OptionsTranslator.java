package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig;
import io.remora.config.Http1Options;
import io.remora.config.StringMatcher;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code config.core.v3.Http1ProtocolOptions} to {@link Http1Options}, for the HTTP connection
 * manager's {@code http_protocol_options} and a cluster's (the deprecated cluster field, or the
 * typed {@code HttpProtocolOptions}' explicit, downstream-protocol and auto configs).
 * enable_trailers, accept_http_10 and default_host_for_http_10 are read where they were before.
 */
final class Http1OptionsTranslator {

    private static final String PRESERVE_CASE = "envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig";

    private Http1OptionsTranslator() {
    }

    /**
     * @param hcmStreamError the connection manager's {@code stream_error_on_invalid_http_message},
     *                       which {@code override_stream_error_on_invalid_http_message} overrides
     */
    static Http1Options translate(Http1ProtocolOptions o, boolean hcmStreamError, FieldPath path) {
        Http1Options.Builder b = Http1Options.builder()
                .allowChunkedLength(o.getAllowChunkedLength())
                .allowAbsoluteUrl(!o.hasAllowAbsoluteUrl() || o.getAllowAbsoluteUrl().getValue())
                .sendFullyQualifiedUrl(o.getSendFullyQualifiedUrl())
                .allowCustomMethods(o.getAllowCustomMethods())
                .streamErrorOnInvalidHttpMessage(o.hasOverrideStreamErrorOnInvalidHttpMessage()
                        ? o.getOverrideStreamErrorOnInvalidHttpMessage().getValue() : hcmStreamError);
        // use_balsa_parser picks Envoy's parser implementation: there is one parser here.
        if (o.hasHeaderKeyFormat()) {
            headerKeyFormat(o.getHeaderKeyFormat(), b, path.field("header_key_format"));
        }
        if (o.getIgnoreHttp11UpgradeCount() > 0) {
            List<StringMatcher> ignore = new ArrayList<>();
            for (int i = 0; i < o.getIgnoreHttp11UpgradeCount(); i++) {
                ignore.add(StringMatcherTranslator.translate(o.getIgnoreHttp11Upgrade(i),
                        path.field("ignore_http_11_upgrade").index(i)));
            }
            b.ignoreUpgrade(ignore);
        }
        return b.build();
    }

    private static void headerKeyFormat(Http1ProtocolOptions.HeaderKeyFormat f, Http1Options.Builder b, FieldPath path) {
        switch (f.getHeaderFormatCase()) {
            case PROPER_CASE_WORDS -> b.headerKeyFormat(Http1Options.HeaderKeyFormat.PROPER_CASE);
            case STATEFUL_FORMATTER -> {
                FieldPath sp = path.field("stateful_formatter");
                var tc = f.getStatefulFormatter().getTypedConfig();
                String type = Protos.typeName(tc);
                if (!PRESERVE_CASE.equals(type)) {
                    // As Envoy: a formatter with no registered implementation fails the config.
                    throw sp.field("typed_config").error("unknown stateful header formatter '" + type + "'");
                }
                PreserveCaseFormatterConfig pc = Protos.unpack(tc, PreserveCaseFormatterConfig.class, sp.field("typed_config"));
                b.headerKeyFormat(Http1Options.HeaderKeyFormat.PRESERVE_CASE)
                        .forwardReasonPhrase(pc.getForwardReasonPhrase())
                        .properCaseEnvoyHeaders(pc.getFormatterTypeOnEnvoyHeaders()
                                == PreserveCaseFormatterConfig.FormatterTypeOnEnvoyHeaders.PROPER_CASE);
            }
            default -> {
                // An empty header_key_format: names stay as they are.
            }
        }
    }
}

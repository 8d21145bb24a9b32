package io.remora.extensions.filters.http.grpc_json_transcoder;

import com.google.protobuf.util.JsonFormat;
import io.remora.config.HttpFilterConfig;
import io.remora.config.RouteFilterConfig;

/**
 * {@code envoy.filters.http.grpc_json_transcoder} ({@code grpc_json_transcoder.v3.GrpcJsonTranscoder}),
 * also its per-route form (the same message: the most specific one replaces the filter's).
 *
 * @param disabled no {@code services}: requests pass untouched (Envoy's way to turn a route off)
 * @param rules the path matcher (null when disabled)
 * @param printer the response JSON printer ({@code print_options})
 * @param parser the request JSON parser (knows every message of the descriptor set, for Any)
 * @param maxRequestBodySize {@code max_request_body_size}, 0 when unset (the stream's buffer limit)
 * @param maxResponseBodySize {@code max_response_body_size}, 0 when unset
 */
public record GrpcJsonTranscoderConfig(boolean disabled, HttpRuleTable rules, JsonFormat.Printer printer,
                                       JsonFormat.Parser parser, boolean streamNewlineDelimited,
                                       boolean matchIncomingRequestRoute, boolean ignoreUnknownQueryParameters,
                                       boolean convertGrpcStatus, boolean rejectUnknownMethod,
                                       boolean rejectUnknownQueryParameters,
                                       boolean rejectBindingBodyFieldCollisions,
                                       boolean caseInsensitiveEnumParsing, int maxRequestBodySize,
                                       int maxResponseBodySize) implements HttpFilterConfig, RouteFilterConfig {

    public static final String NAME = "envoy.filters.http.grpc_json_transcoder";

    @Override
    public String filterName() {
        return NAME;
    }

    static Builder builder() {
        return new Builder();
    }

    /** Defaults: Envoy's for an empty message (disabled, JSON printed compactly). */
    static final class Builder {
        private boolean disabled = true;
        private HttpRuleTable rules;
        private JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
        private JsonFormat.Parser parser = JsonFormat.parser();
        private boolean streamNewlineDelimited;
        private boolean matchIncomingRequestRoute;
        private boolean ignoreUnknownQueryParameters;
        private boolean convertGrpcStatus;
        private boolean rejectUnknownMethod;
        private boolean rejectUnknownQueryParameters;
        private boolean rejectBindingBodyFieldCollisions;
        private boolean caseInsensitiveEnumParsing;
        private int maxRequestBodySize;
        private int maxResponseBodySize;

        Builder rules(HttpRuleTable v) {
            rules = v;
            disabled = v == null;
            return this;
        }

        Builder printer(JsonFormat.Printer v) {
            printer = v;
            return this;
        }

        Builder parser(JsonFormat.Parser v) {
            parser = v;
            return this;
        }

        Builder streamNewlineDelimited(boolean v) {
            streamNewlineDelimited = v;
            return this;
        }

        Builder matchIncomingRequestRoute(boolean v) {
            matchIncomingRequestRoute = v;
            return this;
        }

        Builder ignoreUnknownQueryParameters(boolean v) {
            ignoreUnknownQueryParameters = v;
            return this;
        }

        Builder convertGrpcStatus(boolean v) {
            convertGrpcStatus = v;
            return this;
        }

        Builder rejectUnknownMethod(boolean v) {
            rejectUnknownMethod = v;
            return this;
        }

        Builder rejectUnknownQueryParameters(boolean v) {
            rejectUnknownQueryParameters = v;
            return this;
        }

        Builder rejectBindingBodyFieldCollisions(boolean v) {
            rejectBindingBodyFieldCollisions = v;
            return this;
        }

        Builder caseInsensitiveEnumParsing(boolean v) {
            caseInsensitiveEnumParsing = v;
            return this;
        }

        Builder maxRequestBodySize(int v) {
            maxRequestBodySize = v;
            return this;
        }

        Builder maxResponseBodySize(int v) {
            maxResponseBodySize = v;
            return this;
        }

        GrpcJsonTranscoderConfig build() {
            return new GrpcJsonTranscoderConfig(disabled, rules, printer, parser, streamNewlineDelimited,
                    matchIncomingRequestRoute, ignoreUnknownQueryParameters, convertGrpcStatus, rejectUnknownMethod,
                    rejectUnknownQueryParameters, rejectBindingBodyFieldCollisions, caseInsensitiveEnumParsing,
                    maxRequestBodySize, maxResponseBodySize);
        }
    }
}

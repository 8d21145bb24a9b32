package io.remora.config;

import java.util.List;

/**
 * The {@code config.core.v3.Http1ProtocolOptions} beyond trailers and HTTP/1.0 (which stay where
 * they were): of an HCM's {@code http_protocol_options} (downstream) or a cluster's (upstream).
 *
 * @param headerKeyFormat             how header names are cased on the wire
 * @param forwardReasonPhrase         preserve_case's {@code forward_reason_phrase}: an upstream
 *                                    response's reason phrase is written downstream as received
 * @param properCaseEnvoyHeaders      preserve_case's {@code formatter_type_on_envoy_headers}
 *                                    PROPER_CASE: names the peer did not send are Proper-Cased
 * @param allowChunkedLength          a message with both chunked coding and a content-length is
 *                                    read chunked (the length dropped) instead of refused
 * @param allowAbsoluteUrl            an absolute-form request-target is read as a proxy request;
 *                                    when false it stays the path (refused with 404 as non-relative)
 * @param sendFullyQualifiedUrl       requests go upstream in absolute form, {@code http://host/path}
 * @param allowCustomMethods          request methods outside the parser's known list are accepted
 * @param ignoreUpgrade               Upgrade values that are dropped (with Connection's upgrade
 *                                    token) so the request is served as a plain one
 * @param streamErrorOnInvalidHttpMessage {@code override_stream_error_on_invalid_http_message}, else the
 *                                    HCM's {@code stream_error_on_invalid_http_message}: a request the
 *                                    connection manager refuses keeps the connection open
 */
public record Http1Options(
        HeaderKeyFormat headerKeyFormat,
        boolean forwardReasonPhrase,
        boolean properCaseEnvoyHeaders,
        boolean allowChunkedLength,
        boolean allowAbsoluteUrl,
        boolean sendFullyQualifiedUrl,
        boolean allowCustomMethods,
        List<StringMatcher> ignoreUpgrade,
        boolean streamErrorOnInvalidHttpMessage) {

    /** Envoy's defaults: lower-case names, absolute URLs accepted, everything else off. */
    public static final Http1Options DEFAULT = builder().build();

    public enum HeaderKeyFormat {
        /** Names as the proxy holds them: lower case. */
        DEFAULT,
        /** {@code proper_case_words}: each word's first letter upper case. */
        PROPER_CASE,
        /** The preserve_case stateful formatter: names in the case the peer sent them. */
        PRESERVE_CASE
    }

    public Http1Options {
        headerKeyFormat = headerKeyFormat == null ? HeaderKeyFormat.DEFAULT : headerKeyFormat;
        ignoreUpgrade = ignoreUpgrade == null ? List.of() : List.copyOf(ignoreUpgrade);
    }

    /** Whether the Upgrade value {@code upgrade} is one of {@link #ignoreUpgrade}. */
    public boolean ignoresUpgrade(CharSequence upgrade) {
        if (ignoreUpgrade.isEmpty()) {
            return false;
        }
        String v = upgrade.toString();
        for (StringMatcher m : ignoreUpgrade) {
            if (m.matches(v)) {
                return true;
            }
        }
        return false;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private HeaderKeyFormat headerKeyFormat = HeaderKeyFormat.DEFAULT;
        private boolean forwardReasonPhrase;
        private boolean properCaseEnvoyHeaders;
        private boolean allowChunkedLength;
        private boolean allowAbsoluteUrl = true;
        private boolean sendFullyQualifiedUrl;
        private boolean allowCustomMethods;
        private List<StringMatcher> ignoreUpgrade = List.of();
        private boolean streamErrorOnInvalidHttpMessage;

        public Builder headerKeyFormat(HeaderKeyFormat v) {
            headerKeyFormat = v;
            return this;
        }

        public Builder forwardReasonPhrase(boolean v) {
            forwardReasonPhrase = v;
            return this;
        }

        public Builder properCaseEnvoyHeaders(boolean v) {
            properCaseEnvoyHeaders = v;
            return this;
        }

        public Builder allowChunkedLength(boolean v) {
            allowChunkedLength = v;
            return this;
        }

        public Builder allowAbsoluteUrl(boolean v) {
            allowAbsoluteUrl = v;
            return this;
        }

        public Builder sendFullyQualifiedUrl(boolean v) {
            sendFullyQualifiedUrl = v;
            return this;
        }

        public Builder allowCustomMethods(boolean v) {
            allowCustomMethods = v;
            return this;
        }

        public Builder ignoreUpgrade(List<StringMatcher> v) {
            ignoreUpgrade = v;
            return this;
        }

        public Builder streamErrorOnInvalidHttpMessage(boolean v) {
            streamErrorOnInvalidHttpMessage = v;
            return this;
        }

        public Http1Options build() {
            return new Http1Options(headerKeyFormat, forwardReasonPhrase, properCaseEnvoyHeaders, allowChunkedLength,
                    allowAbsoluteUrl, sendFullyQualifiedUrl, allowCustomMethods, ignoreUpgrade,
                    streamErrorOnInvalidHttpMessage);
        }
    }
}

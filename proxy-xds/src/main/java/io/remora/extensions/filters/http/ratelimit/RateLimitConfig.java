package io.remora.extensions.filters.http.ratelimit;

import io.remora.config.HeaderMutation;
import io.remora.config.HttpFilterConfig;
import io.remora.extensions.filters.common.RuntimeFraction;

import java.util.List;

/**
 * {@code envoy.extensions.filters.http.ratelimit.v3.RateLimit}.
 *
 * @param requestType          which requests are limited, by {@code x-envoy-internal}
 * @param failureModeDeny      an unreachable or failing service denies ({@code statusOnError}) instead of allowing
 * @param xRateLimitHeaders    {@code enable_x_ratelimit_headers: DRAFT_VERSION_03}
 * @param xEnvoyRateLimited    the over-limit answer carries {@code x-envoy-ratelimited: true}
 * @param responseHeadersToAdd added to the local reply of a limited request
 * @param filterEnabled        null: runtime {@code ratelimit.http_filter_enabled}, default 100%
 * @param filterEnforced       null: runtime {@code ratelimit.http_filter_enforcing}, default 100%
 */
public record RateLimitConfig(String domain, int stage, RequestType requestType, RlsConfig service,
                              boolean failureModeDeny, boolean rateLimitedAsResourceExhausted,
                              boolean xRateLimitHeaders, boolean xEnvoyRateLimited, int rateLimitedStatus,
                              List<HeaderMutation.HeaderValueOption> responseHeadersToAdd, int statusOnError,
                              String statPrefix, RuntimeFraction filterEnabled, RuntimeFraction filterEnforced)
        implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.ratelimit";

    /** {@code request_type}: internal, external or both (the default). */
    public enum RequestType { BOTH, INTERNAL, EXTERNAL }

    public RateLimitConfig {
        responseHeadersToAdd = List.copyOf(responseHeadersToAdd);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    public static Builder builder(String domain, RlsConfig service) {
        return new Builder(domain, service);
    }

    /** Builds a config with Envoy's defaults (stage 0, both request types, allow on error, 429, 500). */
    public static final class Builder {
        private final String domain;
        private final RlsConfig service;
        private int stage;
        private RequestType requestType = RequestType.BOTH;
        private boolean failureModeDeny;
        private boolean rateLimitedAsResourceExhausted;
        private boolean xRateLimitHeaders;
        private boolean xEnvoyRateLimited = true;
        private int rateLimitedStatus = 429;
        private List<HeaderMutation.HeaderValueOption> responseHeadersToAdd = List.of();
        private int statusOnError = 500;
        private String statPrefix = "";
        private RuntimeFraction filterEnabled;
        private RuntimeFraction filterEnforced;

        private Builder(String domain, RlsConfig service) {
            this.domain = domain;
            this.service = service;
        }

        public Builder stage(int v) {
            stage = v;
            return this;
        }

        public Builder requestType(RequestType v) {
            requestType = v;
            return this;
        }

        public Builder failureModeDeny(boolean v) {
            failureModeDeny = v;
            return this;
        }

        public Builder rateLimitedAsResourceExhausted(boolean v) {
            rateLimitedAsResourceExhausted = v;
            return this;
        }

        public Builder xRateLimitHeaders(boolean v) {
            xRateLimitHeaders = v;
            return this;
        }

        public Builder xEnvoyRateLimited(boolean v) {
            xEnvoyRateLimited = v;
            return this;
        }

        public Builder rateLimitedStatus(int v) {
            rateLimitedStatus = v;
            return this;
        }

        public Builder responseHeadersToAdd(List<HeaderMutation.HeaderValueOption> v) {
            responseHeadersToAdd = v;
            return this;
        }

        public Builder statusOnError(int v) {
            statusOnError = v;
            return this;
        }

        public Builder statPrefix(String v) {
            statPrefix = v;
            return this;
        }

        public Builder filterEnabled(RuntimeFraction v) {
            filterEnabled = v;
            return this;
        }

        public Builder filterEnforced(RuntimeFraction v) {
            filterEnforced = v;
            return this;
        }

        public RateLimitConfig build() {
            return new RateLimitConfig(domain, stage, requestType, service, failureModeDeny,
                    rateLimitedAsResourceExhausted, xRateLimitHeaders, xEnvoyRateLimited, rateLimitedStatus,
                    responseHeadersToAdd, statusOnError, statPrefix, filterEnabled, filterEnforced);
        }
    }
}

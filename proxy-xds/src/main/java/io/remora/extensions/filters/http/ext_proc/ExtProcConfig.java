package io.remora.extensions.filters.http.ext_proc;

import io.remora.config.HttpFilterConfig;
import io.remora.config.StringMatcher;
import io.remora.extensions.filters.common.HeaderMutationChecker;
import io.remora.extensions.filters.http.ext_authz.GrpcServiceConfig;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * {@code envoy.filters.http.ext_proc}, validated. Built with {@link #builder(GrpcServiceConfig)}.
 *
 * @param maxMessageTimeout      {@code max_message_timeout}; zero: the processor may not extend a message's timeout
 * @param allowedOverrideModes   {@code allowed_override_modes}: empty allows any {@code mode_override}
 * @param allowedHeaders         {@code forward_rules.allowed_headers}: when non-empty only these are sent
 * @param disallowedHeaders      {@code forward_rules.disallowed_headers}: never sent
 * @param forwardingNamespaces   {@code metadata_options.forwarding_namespaces.untyped}
 * @param receivingNamespaces    {@code metadata_options.receiving_namespaces.untyped}
 * @param observabilityMode      {@code observability_mode}: messages are sent, answers neither awaited nor applied
 * @param deferredCloseTimeout   {@code deferred_close_timeout}: how long an observing stream outlives its request
 * @param requestAttributes      {@code request_attributes}: sent with the first message of the request
 * @param responseAttributes     {@code response_attributes}: sent with the first message of the response
 * @param sendBodyWithoutWaiting {@code send_body_without_waiting_for_header_response}: STREAMED chunks go to the
 *                               processor while their headers are still with it
 */
record ExtProcConfig(GrpcServiceConfig service, ExtProcMode mode, boolean failureModeAllow, Duration messageTimeout,
                     Duration maxMessageTimeout, String statPrefix, boolean allowModeOverride,
                     List<ExtProcMode> allowedOverrideModes, RouteCacheAction routeCacheAction,
                     boolean disableClearRouteCache, boolean disableImmediateResponse,
                     HeaderMutationChecker mutationRules, List<StringMatcher> allowedHeaders,
                     List<StringMatcher> disallowedHeaders, List<String> forwardingNamespaces,
                     List<String> receivingNamespaces, boolean observabilityMode,
                     Duration deferredCloseTimeout, ExtProcAttributes requestAttributes,
                     ExtProcAttributes responseAttributes, boolean sendBodyWithoutWaiting)
        implements HttpFilterConfig {

    static final String NAME = "envoy.filters.http.ext_proc";

    /** {@code route_cache_action}. */
    enum RouteCacheAction { DEFAULT, CLEAR, RETAIN }

    ExtProcConfig {
        Objects.requireNonNull(requestAttributes);
        Objects.requireNonNull(responseAttributes);
        allowedOverrideModes = List.copyOf(allowedOverrideModes);
        allowedHeaders = List.copyOf(allowedHeaders);
        disallowedHeaders = List.copyOf(disallowedHeaders);
        forwardingNamespaces = List.copyOf(forwardingNamespaces);
        receivingNamespaces = List.copyOf(receivingNamespaces);
    }

    @Override
    public String filterName() {
        return NAME;
    }

    static Builder builder(GrpcServiceConfig service) {
        return new Builder(service);
    }

    /** Envoy's defaults: headers both ways, fail closed, 200 ms per message, no overrides. */
    static final class Builder {
        private final GrpcServiceConfig service;
        private ExtProcMode mode = ExtProcMode.DEFAULT;
        private boolean failureModeAllow;
        private Duration messageTimeout = Duration.ofMillis(200);
        private Duration maxMessageTimeout = Duration.ZERO;
        private String statPrefix = "";
        private boolean allowModeOverride;
        private List<ExtProcMode> allowedOverrideModes = List.of();
        private RouteCacheAction routeCacheAction = RouteCacheAction.DEFAULT;
        private boolean disableClearRouteCache;
        private boolean disableImmediateResponse;
        private HeaderMutationChecker mutationRules = HeaderMutationChecker.DEFAULT;
        private List<StringMatcher> allowedHeaders = List.of();
        private List<StringMatcher> disallowedHeaders = List.of();
        private List<String> forwardingNamespaces = List.of();
        private List<String> receivingNamespaces = List.of();
        private boolean observabilityMode;
        private boolean sendBodyWithoutWaiting;
        private Duration deferredCloseTimeout = Duration.ofSeconds(5);
        private ExtProcAttributes requestAttributes = ExtProcAttributes.NONE;
        private ExtProcAttributes responseAttributes = ExtProcAttributes.NONE;

        private Builder(GrpcServiceConfig service) {
            this.service = service;
        }

        Builder mode(ExtProcMode v) {
            mode = v;
            return this;
        }

        Builder failureModeAllow(boolean v) {
            failureModeAllow = v;
            return this;
        }

        Builder messageTimeout(Duration v) {
            messageTimeout = v;
            return this;
        }

        Builder maxMessageTimeout(Duration v) {
            maxMessageTimeout = v;
            return this;
        }

        Builder statPrefix(String v) {
            statPrefix = v;
            return this;
        }

        Builder allowModeOverride(boolean v) {
            allowModeOverride = v;
            return this;
        }

        Builder allowedOverrideModes(List<ExtProcMode> v) {
            allowedOverrideModes = v;
            return this;
        }

        Builder routeCacheAction(RouteCacheAction v) {
            routeCacheAction = v;
            return this;
        }

        Builder disableClearRouteCache(boolean v) {
            disableClearRouteCache = v;
            return this;
        }

        Builder disableImmediateResponse(boolean v) {
            disableImmediateResponse = v;
            return this;
        }

        Builder mutationRules(HeaderMutationChecker v) {
            mutationRules = v;
            return this;
        }

        Builder allowedHeaders(List<StringMatcher> v) {
            allowedHeaders = v;
            return this;
        }

        Builder disallowedHeaders(List<StringMatcher> v) {
            disallowedHeaders = v;
            return this;
        }

        Builder forwardingNamespaces(List<String> v) {
            forwardingNamespaces = v;
            return this;
        }

        Builder receivingNamespaces(List<String> v) {
            receivingNamespaces = v;
            return this;
        }

        Builder observabilityMode(boolean v) {
            observabilityMode = v;
            return this;
        }

        Builder deferredCloseTimeout(Duration v) {
            deferredCloseTimeout = v;
            return this;
        }

        Builder requestAttributes(ExtProcAttributes v) {
            requestAttributes = v;
            return this;
        }

        Builder responseAttributes(ExtProcAttributes v) {
            responseAttributes = v;
            return this;
        }

        Builder sendBodyWithoutWaiting(boolean v) {
            sendBodyWithoutWaiting = v;
            return this;
        }

        ExtProcConfig build() {
            return new ExtProcConfig(service, mode, failureModeAllow, messageTimeout, maxMessageTimeout, statPrefix,
                    allowModeOverride, allowedOverrideModes, routeCacheAction, disableClearRouteCache,
                    disableImmediateResponse, mutationRules, allowedHeaders, disallowedHeaders, forwardingNamespaces,
                    receivingNamespaces, observabilityMode, deferredCloseTimeout, requestAttributes, responseAttributes,
                    sendBodyWithoutWaiting);
        }
    }
}

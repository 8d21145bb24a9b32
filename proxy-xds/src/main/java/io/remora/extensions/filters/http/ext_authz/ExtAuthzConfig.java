package io.remora.extensions.filters.http.ext_authz;

import io.remora.config.HttpFilterConfig;
import io.remora.config.StringMatcher;
import io.remora.config.MetadataMatch;
import io.remora.extensions.filters.common.HeaderMutationChecker;
import io.remora.extensions.filters.common.RuntimeFraction;

import java.util.List;

/**
 * {@code envoy.filters.http.ext_authz}, validated. Built with {@link #builder(AuthzServiceConfig)}.
 *
 * @param withRequestBody        null unless the request body is sent to the service
 * @param filterEnabledMetadata  {@code filter_enabled_metadata}: the check runs only when it matches; null: always
 * @param filterEnabled          {@code filter_enabled}: the fraction of requests checked (its runtime key's
 *                               value, else its default); null: every request
 * @param denyAtDisable          {@code deny_at_disable.default_value}: a request the filter is disabled for is denied
 * @param denyAtDisableKey       {@code deny_at_disable.runtime_key}, whose boolean value wins over the default ("": none)
 * @param allowedHeaders         a gRPC service's {@code allowed_headers}: only these request headers are sent
 *                               (none when set empty); null: every header (the HTTP client picks its own)
 * @param disallowedHeaders      {@code disallowed_headers}: never sent
 * @param mutationRules          {@code decoder_header_mutation_rules}: what an OK answer may change; null: anything
 * @param validateMutations      {@code validate_mutations}: an OK answer with an invalid header is answered 500
 * @param encodeRawHeaders       {@code encode_raw_headers}: a gRPC check sends each request header as it is, in
 *                               {@code header_map}, instead of the {@code headers} map (values joined by ",")
 * @param ingestDynamicMetadata  {@code enable_dynamic_metadata_ingestion} (default true): the service's
 *                               dynamic metadata is set on the stream
 * @param chargeClusterResponseStats {@code charge_cluster_response_stats} (default true): a denial counts as a
 *                               response of its status on the routed cluster (upstream_rq_&lt;code&gt;...)
 * @param emitFilterStateStats   {@code emit_filter_state_stats}: an {@link ExtAuthzLoggingInfo} under the
 *                               filter's name in the request's filter state
 * @param filterMetadata         {@code filter_metadata}, or null: carried by that same object, which is then
 *                               made even without {@code emit_filter_state_stats} (as Envoy's)
 * @param bootstrapMetadataLabelsKey {@code bootstrap_metadata_labels_key}: the node metadata field whose
 *                               struct is sent as the destination's labels ("": none)
 */
public record ExtAuthzConfig(AuthzServiceConfig service, boolean failureModeAllow, boolean failureModeAllowHeaderAdd,
                             int statusOnError, BufferSettings withRequestBody, boolean clearRouteCache,
                             List<String> metadataContextNamespaces, MetadataMatch filterEnabledMetadata,
                             RuntimeFraction filterEnabled, boolean denyAtDisable, String denyAtDisableKey,
                             List<StringMatcher> allowedHeaders,
                             List<StringMatcher> disallowedHeaders, String statPrefix,
                             boolean includePeerCertificate, boolean includeTlsSession,
                             List<String> routeMetadataContextNamespaces, HeaderMutationChecker mutationRules,
                             boolean validateMutations, boolean encodeRawHeaders, boolean ingestDynamicMetadata,
                             boolean chargeClusterResponseStats, boolean emitFilterStateStats,
                             com.google.protobuf.Struct filterMetadata, String bootstrapMetadataLabelsKey)
        implements HttpFilterConfig {

    public static final String NAME = "envoy.filters.http.ext_authz";

    /** {@code with_request_body}. */
    public record BufferSettings(int maxRequestBytes, boolean allowPartialMessage, boolean packAsBytes) {
    }

    public ExtAuthzConfig {
        metadataContextNamespaces = List.copyOf(metadataContextNamespaces);
        allowedHeaders = allowedHeaders == null ? null : List.copyOf(allowedHeaders);
        disallowedHeaders = List.copyOf(disallowedHeaders);
        statPrefix = statPrefix == null ? "" : statPrefix;
        denyAtDisableKey = denyAtDisableKey == null ? "" : denyAtDisableKey;
        routeMetadataContextNamespaces = List.copyOf(routeMetadataContextNamespaces);
        bootstrapMetadataLabelsKey = bootstrapMetadataLabelsKey == null ? "" : bootstrapMetadataLabelsKey;
    }

    @Override
    public String filterName() {
        return NAME;
    }

    public static Builder builder(AuthzServiceConfig service) {
        return new Builder(service);
    }

    /** Envoy's defaults: fail closed with 403, no body, every header sent. */
    public static final class Builder {
        private final AuthzServiceConfig service;
        private boolean failureModeAllow;
        private boolean failureModeAllowHeaderAdd;
        private int statusOnError = 403;
        private BufferSettings withRequestBody;
        private boolean clearRouteCache;
        private List<String> metadataContextNamespaces = List.of();
        private MetadataMatch filterEnabledMetadata;
        private RuntimeFraction filterEnabled;
        private boolean denyAtDisable;
        private String denyAtDisableKey = "";
        private List<StringMatcher> allowedHeaders;
        private List<StringMatcher> disallowedHeaders = List.of();
        private String statPrefix = "";
        private boolean includePeerCertificate;
        private boolean includeTlsSession;
        private List<String> routeMetadataContextNamespaces = List.of();
        private HeaderMutationChecker mutationRules;
        private boolean validateMutations;
        private boolean encodeRawHeaders;
        private boolean ingestDynamicMetadata = true;
        private boolean chargeClusterResponseStats = true;
        private boolean emitFilterStateStats;
        private com.google.protobuf.Struct filterMetadata;
        private String bootstrapMetadataLabelsKey = "";

        private Builder(AuthzServiceConfig service) {
            this.service = service;
        }

        public Builder failureModeAllow(boolean v) {
            failureModeAllow = v;
            return this;
        }

        public Builder failureModeAllowHeaderAdd(boolean v) {
            failureModeAllowHeaderAdd = v;
            return this;
        }

        public Builder statusOnError(int v) {
            statusOnError = v;
            return this;
        }

        public Builder withRequestBody(BufferSettings v) {
            withRequestBody = v;
            return this;
        }

        public Builder clearRouteCache(boolean v) {
            clearRouteCache = v;
            return this;
        }

        public Builder metadataContextNamespaces(List<String> v) {
            metadataContextNamespaces = v;
            return this;
        }

        public Builder filterEnabledMetadata(MetadataMatch v) {
            filterEnabledMetadata = v;
            return this;
        }

        public Builder filterEnabled(RuntimeFraction v) {
            filterEnabled = v;
            return this;
        }

        public Builder denyAtDisable(boolean v, String runtimeKey) {
            denyAtDisable = v;
            denyAtDisableKey = runtimeKey;
            return this;
        }

        public Builder allowedHeaders(List<StringMatcher> v) {
            allowedHeaders = v;
            return this;
        }

        public Builder disallowedHeaders(List<StringMatcher> v) {
            disallowedHeaders = v;
            return this;
        }

        public Builder statPrefix(String v) {
            statPrefix = v;
            return this;
        }

        public Builder includePeerCertificate(boolean v) {
            includePeerCertificate = v;
            return this;
        }

        public Builder includeTlsSession(boolean v) {
            includeTlsSession = v;
            return this;
        }

        public Builder routeMetadataContextNamespaces(List<String> v) {
            routeMetadataContextNamespaces = v;
            return this;
        }

        public Builder mutationRules(HeaderMutationChecker v) {
            mutationRules = v;
            return this;
        }

        public Builder encodeRawHeaders(boolean v) {
            encodeRawHeaders = v;
            return this;
        }

        public Builder ingestDynamicMetadata(boolean v) {
            ingestDynamicMetadata = v;
            return this;
        }

        public Builder chargeClusterResponseStats(boolean v) {
            chargeClusterResponseStats = v;
            return this;
        }

        public Builder emitFilterStateStats(boolean v) {
            emitFilterStateStats = v;
            return this;
        }

        public Builder filterMetadata(com.google.protobuf.Struct v) {
            filterMetadata = v;
            return this;
        }

        public Builder bootstrapMetadataLabelsKey(String v) {
            bootstrapMetadataLabelsKey = v;
            return this;
        }

        public Builder validateMutations(boolean v) {
            validateMutations = v;
            return this;
        }

        public ExtAuthzConfig build() {
            return new ExtAuthzConfig(service, failureModeAllow, failureModeAllowHeaderAdd, statusOnError,
                    withRequestBody, clearRouteCache, metadataContextNamespaces, filterEnabledMetadata, filterEnabled,
                    denyAtDisable, denyAtDisableKey, allowedHeaders, disallowedHeaders, statPrefix, includePeerCertificate, includeTlsSession,
                    routeMetadataContextNamespaces, mutationRules, validateMutations, encodeRawHeaders,
                    ingestDynamicMetadata, chargeClusterResponseStats, emitFilterStateStats, filterMetadata,
                    bootstrapMetadataLabelsKey);
        }
    }
}

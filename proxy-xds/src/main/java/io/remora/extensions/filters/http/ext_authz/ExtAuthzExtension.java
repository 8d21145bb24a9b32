package io.remora.extensions.filters.http.ext_authz;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.BufferSettings;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.HttpService;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.remora.config.RouteFilterConfig;
import io.remora.config.StringMatcher;
import io.remora.extensions.HttpFilterExtension;
import io.remora.extensions.filters.common.HeaderMutationChecker;
import io.remora.extensions.filters.common.rbac.RbacTranslator;
import io.remora.http.filter.HttpFilterFactory;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.StringMatcherTranslator;
import io.remora.xds.translate.TranslationContext;
import io.remora.xds.translate.TypedConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code envoy.filters.http.ext_authz} ({@code envoy.extensions.filters.http.ext_authz.v3.ExtAuthz},
 * per route {@code ExtAuthzPerRoute}): Istio's CUSTOM action. Options that would change who may
 * pass and that Remora cannot honour are refused; observability-only ones are ignored with a warning.
 */
public final class ExtAuthzExtension implements HttpFilterExtension<ExtAuthzConfig> {

    /** Envoy's default for a gRPC authorization call without a timeout. */

    @Override
    public List<String> names() {
        return List.of(ExtAuthzConfig.NAME);
    }

    @Override
    public List<String> configTypes() {
        return List.of("envoy.extensions.filters.http.ext_authz.v3.ExtAuthz");
    }

    @Override
    public List<String> perRouteConfigTypes() {
        return List.of("envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute");
    }

    @Override
    public boolean enforcesAccess() {
        return true;
    }

    @Override
    public ExtAuthzConfig translate(TypedConfig config, FieldPath path, TranslationContext ctx) {
        if (config == null) {
            throw path.error("missing required field: the ext_authz filter needs a typed_config");
        }
        ExtAuthz e = config.unpack(ExtAuthz.class, path);
        List<StringMatcher> allowed = matchers(e.getAllowedHeaders(), path.field("allowed_headers"));
        if (e.hasAllowedHeaders() && e.getHttpService().getAuthorizationRequest().hasAllowedHeaders()) {
            // Envoy's "Invalid duplicate configuration for allowed_headers.": the deprecated field or this one.
            throw path.field("allowed_headers").error("invalid duplicate configuration:"
                    + " http_service.authorization_request.allowed_headers is set too");
        }
        AuthzServiceConfig service = switch (e.getServicesCase()) {
            case GRPC_SERVICE -> grpc(e.getGrpcService(), e, path.field("grpc_service"), ctx);
            case HTTP_SERVICE -> http(e.getHttpService(), allowed, path.field("http_service"), ctx);
            case SERVICES_NOT_SET -> throw path.error("missing required field: one of grpc_service, http_service");
        };
        switch (e.getTransportApiVersion()) {
            case AUTO, V3 -> { }
            default -> throw path.field("transport_api_version").error("only V3 is supported");
        }
        ExtAuthzConfig.Builder b = ExtAuthzConfig.builder(service)
                .failureModeAllow(e.getFailureModeAllow())
                .failureModeAllowHeaderAdd(e.getFailureModeAllowHeaderAdd())
                .clearRouteCache(e.getClearRouteCache())
                .metadataContextNamespaces(e.getMetadataContextNamespacesList())
                // A gRPC check carries every header unless allowed_headers is set (even empty); the
                // HTTP client picks its own (allowed ones and Envoy's four) from all of them.
                .allowedHeaders(e.hasGrpcService() && e.hasAllowedHeaders() ? allowed : null)
                .disallowedHeaders(matchers(e.getDisallowedHeaders(), path.field("disallowed_headers")))
                .statPrefix(e.getStatPrefix())
                .includePeerCertificate(e.getIncludePeerCertificate())
                .includeTlsSession(e.getIncludeTlsSession())
                .routeMetadataContextNamespaces(e.getRouteMetadataContextNamespacesList())
                .validateMutations(e.getValidateMutations())
                .encodeRawHeaders(e.getEncodeRawHeaders())
                .ingestDynamicMetadata(!e.hasEnableDynamicMetadataIngestion() || e.getEnableDynamicMetadataIngestion().getValue())
                .chargeClusterResponseStats(!e.hasChargeClusterResponseStats() || e.getChargeClusterResponseStats().getValue())
                .emitFilterStateStats(e.getEmitFilterStateStats())
                .filterMetadata(e.hasFilterMetadata() ? e.getFilterMetadata() : null)
                .bootstrapMetadataLabelsKey(e.getBootstrapMetadataLabelsKey());
        if (e.getEmitFilterStateStats() && e.hasGrpcService()) {
            ctx.warnOnce("ext_authz:filter_state_bytes", "ext_authz emit_filter_state_stats: Remora records latency_us;"
                    + " the gRPC call's wire bytes (bytesSent, bytesReceived) are not measured and read as absent,"
                    + " first at " + path.field("emit_filter_state_stats"));
        }
        if (e.hasDecoderHeaderMutationRules()) {
            b.mutationRules(HeaderMutationChecker.translate(e.getDecoderHeaderMutationRules(),
                    path.field("decoder_header_mutation_rules")));
        }
        if (e.hasStatusOnError()) {
            int code = e.getStatusOnError().getCodeValue();
            // HttpStatus.code's validation (defined_only, not 0), which Envoy enforces as the config loads.
            if (code == 0 || io.envoyproxy.envoy.type.v3.StatusCode.forNumber(code) == null) {
                throw path.field("status_on_error").field("code").error("not a defined StatusCode: " + code);
            }
            b.statusOnError(code);
        }
        if (e.hasWithRequestBody()) {
            b.withRequestBody(buffer(e.getWithRequestBody(), path.field("with_request_body")));
        }
        if (e.hasFilterEnabledMetadata()) {
            b.filterEnabledMetadata(io.remora.xds.translate.MetadataMatcherTranslator.translate(e.getFilterEnabledMetadata(),
                    path.field("filter_enabled_metadata")));
        }
        if (e.hasFilterEnabled()) {
            b.filterEnabled(io.remora.extensions.filters.common.RuntimeFraction.of(e.getFilterEnabled(),
                    path.field("filter_enabled")));
        }
        if (e.hasDenyAtDisable()) {
            if (!e.getDenyAtDisable().hasDefaultValue()) {
                throw path.field("deny_at_disable").field("default_value").error("missing required field");
            }
            b.denyAtDisable(e.getDenyAtDisable().getDefaultValue().getValue(), e.getDenyAtDisable().getRuntimeKey());
        }
        if (e.getTypedMetadataContextNamespacesCount() > 0 || e.getRouteTypedMetadataContextNamespacesCount() > 0) {
            // Remora keeps no typed (Any) metadata, so there is nothing under those namespaces to send.
            ctx.warnOnce("ext_authz:unsupported_context", "ignoring ext_authz options Remora does not send"
                    + " (typed metadata context namespaces), first at " + path);
        }
        return b.build();
    }

    private static GrpcServiceConfig grpc(GrpcService g, ExtAuthz e, FieldPath path, TranslationContext ctx) {
        return io.remora.xds.translate.GrpcServiceTranslator.retryingEnvoyGrpc(g, e.hasWithRequestBody() && e.getWithRequestBody().getPackAsBytes(), path, ctx);
    }

    private static HttpServiceConfig http(HttpService h, List<StringMatcher> topAllowed, FieldPath path,
                                          TranslationContext ctx) {
        FieldPath up = path.field("server_uri");
        if (!h.hasServerUri()) {
            throw up.error("missing required field");
        }
        if (h.getServerUri().getUri().isEmpty()) {
            throw up.field("uri").error("must not be empty");
        }
        String cluster = h.getServerUri().getCluster();
        if (cluster.isEmpty()) {
            throw up.field("cluster").error("must not be empty");
        }
        ctx.requireCluster(up.field("cluster"), cluster);
        if (!h.getServerUri().hasTimeout()) {
            throw up.field("timeout").error("missing required field");
        }
        java.time.Duration timeout = duration(h.getServerUri().getTimeout(), up.field("timeout"));
        if (timeout.getSeconds() >= 4_294_967_296L) {
            // HttpUri's validation rule (lt: 2^32 s), which Envoy enforces as the config loads.
            throw up.field("timeout").error("must be less than 4294967296s");
        }
        if (!h.getPathPrefix().isEmpty() && !h.getPathPrefix().startsWith("/")) {
            throw path.field("path_prefix").error("must start with '/'");
        }
        FieldPath rq = path.field("authorization_request");
        List<StringMatcher> allowed = h.getAuthorizationRequest().hasAllowedHeaders()
                ? matchers(h.getAuthorizationRequest().getAllowedHeaders(), rq.field("allowed_headers")) : topAllowed;
        List<Map.Entry<String, String>> add = new ArrayList<>();
        for (int i = 0; i < h.getAuthorizationRequest().getHeadersToAddCount(); i++) {
            HeaderValue v = h.getAuthorizationRequest().getHeadersToAdd(i);
            if (v.getKey().isEmpty()) {
                throw rq.field("headers_to_add").index(i).field("key").error("must not be empty");
            }
            List<String> problems = io.remora.route.HeaderFormatter.validate(v.getValue());
            if (!problems.isEmpty()) {
                // Envoy's HeaderParser refuses the value as the config loads.
                throw rq.field("headers_to_add").index(i).field("value").error(problems.get(0));
            }
            add.add(Map.entry(v.getKey().toLowerCase(Locale.ROOT), v.getValue()));
        }
        FieldPath rs = path.field("authorization_response");
        var r = h.getAuthorizationResponse();
        return new HttpServiceConfig(cluster, h.getPathPrefix(), timeout, allowed, add,
                matchers(r.getAllowedUpstreamHeaders(), rs.field("allowed_upstream_headers")),
                matchers(r.getAllowedUpstreamHeadersToAppend(), rs.field("allowed_upstream_headers_to_append")),
                matchers(r.getAllowedClientHeaders(), rs.field("allowed_client_headers")),
                matchers(r.getAllowedClientHeadersOnSuccess(), rs.field("allowed_client_headers_on_success")),
                matchers(r.getDynamicMetadataFromHeaders(), rs.field("dynamic_metadata_from_headers")));
    }

    /** Header-name matchers: Envoy compares them with lower-case names. */
    public static List<StringMatcher> matchers(ListStringMatcher l, FieldPath path) {
        List<StringMatcher> out = new ArrayList<>();
        for (int i = 0; i < l.getPatternsCount(); i++) {
            out.add(StringMatcherTranslator.translate(l.getPatterns(i), path.field("patterns").index(i)));
        }
        return out;
    }

    private static ExtAuthzConfig.BufferSettings buffer(BufferSettings s, FieldPath path) {
        if (s.getMaxRequestBytes() == 0) {
            throw path.field("max_request_bytes").error("must be greater than 0");
        }
        if (s.getMaxRequestBytes() < 0) {
            throw path.field("max_request_bytes").error("too large: " + Integer.toUnsignedString(s.getMaxRequestBytes()));
        }
        return new ExtAuthzConfig.BufferSettings(s.getMaxRequestBytes(), s.getAllowPartialMessage(), s.getPackAsBytes());
    }

    private static java.time.Duration duration(Duration d, FieldPath path) {
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw path.error("must not be negative");
        }
        return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    @Override
    public RouteFilterConfig translatePerRoute(TypedConfig config, FieldPath path, TranslationContext ctx) {
        ExtAuthzPerRoute p = config.unpack(ExtAuthzPerRoute.class, path);
        return switch (p.getOverrideCase()) {
            case DISABLED -> {
                if (!p.getDisabled()) {
                    throw path.field("disabled").error("must be true");
                }
                yield new ExtAuthzPerRouteConfig(true, Map.of(), false, null);
            }
            case CHECK_SETTINGS -> {
                var cs = p.getCheckSettings();
                FieldPath cp = path.field("check_settings");
                if (cs.getDisableRequestBodyBuffering() && cs.hasWithRequestBody()) {
                    throw cp.error("disable_request_body_buffering and with_request_body cannot both be set");
                }
                yield new ExtAuthzPerRouteConfig(false, cs.getContextExtensionsMap(), cs.getDisableRequestBodyBuffering(),
                        cs.hasWithRequestBody() ? buffer(cs.getWithRequestBody(), cp.field("with_request_body")) : null);
            }
            case OVERRIDE_NOT_SET -> throw path.error("missing required field: one of disabled, check_settings");
        };
    }

    @Override
    public HttpFilterFactory.Provider<ExtAuthzConfig> runtime() {
        return new ExtAuthzFilterProvider();
    }

}

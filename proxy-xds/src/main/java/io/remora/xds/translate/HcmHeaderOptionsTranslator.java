package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.HttpConnectionManagerConfigBuilder;
import io.remora.config.HttpConnectionManagerConfig.EscapedSlashesAction;
import io.remora.config.HttpConnectionManagerConfig.StripPortMode;

/**
 * The connection manager's fields that shape a request's and a response's headers beside
 * forwarding (Via, x-request-id in responses, x-forwarded-port, the scheme, the Host's port and
 * dot, escaped slashes, which peers are internal), and the warnings for the fields of that kind Remora does not act on.
 */
final class HcmHeaderOptionsTranslator {

    private HcmHeaderOptionsTranslator() {
    }

    private static final String EARLY_HEADER_MUTATION =
            "envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation";

    static void translate(HttpConnectionManager h, FieldPath path, TranslationContext ctx,
                          HttpConnectionManagerConfigBuilder b) {
        String via = headerValue(h.getVia(), path.field("via"));
        b.via(via.isEmpty() ? null : via);
        headerValue(h.getServerName(), path.field("server_name"));
        b.alwaysSetRequestIdInResponse(h.getAlwaysSetRequestIdInResponse());
        b.requestIdPackTraceReason(TracingTranslator.packTraceReason(h, path));
        b.appendXForwardedPort(h.getAppendXForwardedPort());
        b.appendLocalOverload(h.getAppendLocalOverload());
        b.addUserAgent(h.hasAddUserAgent() && h.getAddUserAgent().getValue());
        b.proxy100Continue(h.getProxy100Continue());
        // As Envoy's initializeAndValidateOptions: the HTTP/2 override wins over the connection
        // manager's, which wins over the deprecated stream_error_on_invalid_http_messaging.
        var h2 = h.getHttp2ProtocolOptions();
        b.streamErrorOnInvalidHttpMessage(h2.hasOverrideStreamErrorOnInvalidHttpMessage()
                ? h2.getOverrideStreamErrorOnInvalidHttpMessage().getValue()
                : h.hasStreamErrorOnInvalidHttpMessage() ? h.getStreamErrorOnInvalidHttpMessage().getValue()
                : h2.getStreamErrorOnInvalidHttpMessaging());
        b.http1SafeMaxConnectionDuration(h.getHttp1SafeMaxConnectionDuration());
        if (h.hasProxyStatusConfig()) {
            var p = h.getProxyStatusConfig();
            String name = switch (p.getProxyNameCase()) {
                case LITERAL_PROXY_NAME -> {
                    if (p.getLiteralProxyName().isEmpty()) {
                        throw path.field("proxy_status_config").field("literal_proxy_name").error("must not be empty");
                    }
                    yield p.getLiteralProxyName();
                }
                case USE_NODE_ID, PROXYNAME_NOT_SET -> null;
            };
            b.proxyStatus(new io.remora.config.ProxyStatusConfig(p.getRemoveDetails(),
                    p.getRemoveConnectionTerminationDetails(), p.getRemoveResponseFlags(),
                    p.getSetRecommendedResponseCode(), name, p.getProxyNameCase()
                    == io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    .ProxyStatusConfig.ProxyNameCase.USE_NODE_ID));
        }
        if (h.hasSchemeHeaderTransformation()) {
            var t = h.getSchemeHeaderTransformation();
            String scheme = t.getSchemeToOverwrite();
            if (!scheme.isEmpty()) {
                if (!scheme.equals("http") && !scheme.equals("https")) {
                    throw path.field("scheme_header_transformation").field("scheme_to_overwrite")
                            .error("must be http or https, got '" + scheme + "'");
                }
                b.schemeToOverwrite(scheme);
            } else {
                b.schemeMatchUpstream(t.getMatchUpstream()); // as Envoy: scheme_to_overwrite wins
            }
        }
        b.stripPortMode(h.getStripAnyHostPort() ? StripPortMode.ANY
                : h.getStripMatchingHostPort() ? StripPortMode.MATCHING : StripPortMode.NONE);
        b.stripTrailingHostDot(h.getStripTrailingHostDot());
        if (h.hasInternalAddressConfig()) {
            var c = h.getInternalAddressConfig();
            FieldPath cp = path.field("internal_address_config").field("cidr_ranges");
            java.util.List<io.remora.config.CidrRange> ranges = new java.util.ArrayList<>();
            for (int i = 0; i < c.getCidrRangesCount(); i++) {
                ranges.add(AddressTranslator.cidr(c.getCidrRanges(i), cp.index(i)));
            }
            b.internalAddressConfig(new io.remora.config.InternalAddressConfig(c.getUnixSockets(), ranges));
        }
        b.escapedSlashesAction(switch (h.getPathWithEscapedSlashesAction()) {
            case REJECT_REQUEST -> EscapedSlashesAction.REJECT_REQUEST;
            case UNESCAPE_AND_REDIRECT -> EscapedSlashesAction.UNESCAPE_AND_REDIRECT;
            case UNESCAPE_AND_FORWARD -> EscapedSlashesAction.UNESCAPE_AND_FORWARD;
            default -> EscapedSlashesAction.KEEP_UNCHANGED;
        });
        b.earlyHeaderMutations(earlyHeaderMutations(h, path.field("early_header_mutation_extensions")));
        warnUnsupported(h, path, ctx);
    }

    /** The proto's HTTP_HEADER_VALUE rule (not strict): no NUL, CR or LF. */
    private static String headerValue(String v, FieldPath field) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw field.error("not a valid header value");
            }
        }
        return v;
    }

    /**
     * {@code early_header_mutation_extensions}: Envoy's header_mutation extension, each one's rules
     * in order, one extension after another. Any other extension is refused: its changes would
     * decide routing and authorization, so they cannot be skipped.
     */
    private static java.util.List<io.remora.config.HeaderMutationRule> earlyHeaderMutations(HttpConnectionManager h,
                                                                                           FieldPath path) {
        java.util.List<io.remora.config.HeaderMutationRule> out = new java.util.ArrayList<>();
        for (int i = 0; i < h.getEarlyHeaderMutationExtensionsCount(); i++) {
            var e = h.getEarlyHeaderMutationExtensions(i);
            FieldPath tp = path.index(i).field("typed_config");
            if (!EARLY_HEADER_MUTATION.equals(Protos.typeName(e.getTypedConfig()))) {
                throw tp.error("early header mutation extension '" + Protos.typeName(e.getTypedConfig())
                        + "' is not supported; only " + EARLY_HEADER_MUTATION);
            }
            var m = Protos.unpack(e.getTypedConfig(),
                    io.envoyproxy.envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation.class, tp);
            out.addAll(io.remora.extensions.filters.http.header_mutation.HeaderMutationExtension.list(
                    m.getMutationsList(), tp.field("mutations")));
        }
        return out;
    }

    /**
     * Fields that change behaviour Remora keeps as Envoy's defaults: one warning each, never silence;
     * one Envoy's own builds refuse is refused.
     */
    private static void warnUnsupported(HttpConnectionManager h, FieldPath path, TranslationContext ctx) {
        if (h.getRepresentIpv4RemoteAddressAsIpv4MappedIpv6()) {
            warn(ctx, path, "represent_ipv4_remote_address_as_ipv4_mapped_ipv6", "IPv4 peers stay IPv4");
        }
        if (h.hasRequestIdExtension() && h.getRequestIdExtension().hasTypedConfig()
                && !TracingTranslator.UUID_REQUEST_ID.equals(Protos.typeName(h.getRequestIdExtension().getTypedConfig()))) {
            warn(ctx, path, "request_id_extension", "request ids are UUIDs");
        }
        if (h.hasTypedHeaderValidationConfig()) {
            // Envoy's builds without the universal header validator (its release builds) refuse it:
            // "This Envoy binary does not support header validator extensions".
            throw path.field("typed_header_validation_config").error("header validator extensions are not"
                    + " supported; headers are validated as Envoy's default codecs do");
        }
        if (h.hasPathNormalizationOptions()) {
            // Envoy does not implement it either ([#not-implemented-hide:]): its two transformations are ignored.
            warn(ctx, path, "path_normalization_options", "forwarding_transformation and http_filter_transformation"
                    + " are not implemented by Envoy either; normalize_path and merge_slashes apply as set");
        }
    }

    private static void warn(TranslationContext ctx, FieldPath path, String field, String effect) {
        ctx.warnOnce("hcm." + field, field + " is not supported (" + effect + "), first at " + path.field(field));
    }
}

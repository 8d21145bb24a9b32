package io.remora.xds.translate;

import io.remora.config.DirectResponseAction;
import io.remora.config.ForwardAction;
import io.remora.config.HeaderMutation;
import io.remora.config.RedirectAction;
import io.remora.config.Route;
import io.remora.config.RouteAction;
import io.remora.config.RouteMatch;
import io.remora.extensions.filters.http.cors.CorsExtension;

/** {@code config.route.v3.Route}: its match and its action (route, redirect, direct_response). */
public final class RouteTranslator {

    private RouteTranslator() {
    }

    /**
     * @param maxBodyBytes       max_direct_response_body_size_bytes of the route configuration
     * @param vhostBufferLimit   the virtual host's per_request_buffer_limit_bytes, or
     *                           {@link ForwardAction#NO_REQUEST_BUFFER_LIMIT}
     * @param inheritedMirrors   the virtual host's (or route configuration's) mirror policies
     */
    public static Route translate(io.envoyproxy.envoy.config.route.v3.Route r, FieldPath path,
                                  TranslationContext ctx, int maxBodyBytes, int vhostBufferLimit,
                                  java.util.List<ForwardAction.MirrorPolicy> inheritedMirrors) {
        if (!r.hasMatch()) {
            throw path.field("match").error("missing required field");
        }
        RouteMatch match = RouteMatchTranslator.translate(r.getMatch(), path.field("match"));
        unbuiltFields(r, path, ctx);
        RouteAction action = switch (r.getActionCase()) {
            case ROUTE -> ForwardActionTranslator.translate(r.getRoute(), path.field("route"), ctx,
                    match.path() instanceof RouteMatch.PathTemplate t ? t.template() : null, inheritedMirrors)
                    .requestBufferLimit(r.hasPerRequestBufferLimitBytes()
                            ? requestBufferLimit(r.getPerRequestBufferLimitBytes()) : vhostBufferLimit)
                    .build();
            case REDIRECT -> redirect(r.getRedirect(), path.field("redirect"));
            case DIRECT_RESPONSE -> direct(r.getDirectResponse(), path.field("direct_response"), maxBodyBytes);
            case NON_FORWARDING_ACTION -> new RouteAction.NonForwarding();
            case FILTER_ACTION -> throw path.field("filter_action").error("filter actions are not supported");
            case ACTION_NOT_SET -> throw path.error("missing required field: one of route, redirect, direct_response");
        };
        HeaderMutation req = HeaderTranslator.formattedMutation(r.getRequestHeadersToAddList(), r.getRequestHeadersToRemoveList(),
                path.field("request_headers_to_add"), path.field("request_headers_to_remove"), ctx);
        HeaderMutation resp = HeaderTranslator.formattedMutation(r.getResponseHeadersToAddList(),
                r.getResponseHeadersToRemoveList(), path.field("response_headers_to_add"),
                path.field("response_headers_to_remove"), ctx);
        var perFilter = PerFilterConfigTranslator.translate(r.getTypedPerFilterConfigMap(),
                path.field("typed_per_filter_config"), ctx);
        if (r.hasRoute()) {
            perFilter = CorsExtension.withDeprecatedPolicy(perFilter, r.getRoute().hasCors(), r.getRoute().getCors(),
                    path.field("route").field("cors"), ctx);
        }
        Route.Decorator decorator = null;
        if (r.hasDecorator()) {
            if (r.getDecorator().getOperation().isEmpty()) {
                throw path.field("decorator").field("operation").error("must not be empty");
            }
            decorator = new Route.Decorator(r.getDecorator().getOperation(),
                    Protos.bool(r.getDecorator().hasPropagate(), r.getDecorator().getPropagate(), true));
        }
        return new Route(r.getName(), match, action, req, resp, perFilter, decorator,
                Protos.filterMetadata(r.getMetadata()), TracingTranslator.route(r, path), r.getStatPrefix());
    }

    /** Fields Remora does not build, refused or warned about rather than silently ignored. */
    private static void unbuiltFields(io.envoyproxy.envoy.config.route.v3.Route r, FieldPath path,
                                      TranslationContext ctx) {
    }

    /** A per_request_buffer_limit_bytes value; past 2 GiB nothing could be held anyway. */
    static int requestBufferLimit(com.google.protobuf.UInt32Value v) {
        return (int) Math.min(Integer.toUnsignedLong(v.getValue()), Integer.MAX_VALUE);
    }

    public static RedirectAction redirect(io.envoyproxy.envoy.config.route.v3.RedirectAction r, FieldPath path) {
        String scheme = switch (r.getSchemeRewriteSpecifierCase()) {
            case HTTPS_REDIRECT -> r.getHttpsRedirect() ? "https" : null;
            case SCHEME_REDIRECT -> r.getSchemeRedirect().toLowerCase(java.util.Locale.ROOT);
            default -> null;
        };
        String pathRedirect = null;
        String prefixRewrite = null;
        ForwardAction.RegexRewrite regex = null;
        switch (r.getPathRewriteSpecifierCase()) {
            case PATH_REDIRECT -> pathRedirect = r.getPathRedirect();
            case PREFIX_REWRITE -> prefixRewrite = r.getPrefixRewrite();
            case REGEX_REWRITE -> regex = new ForwardAction.RegexRewrite(StringMatcherTranslator.regex(
                    r.getRegexRewrite().getPattern(), path.field("regex_rewrite").field("pattern")),
                    r.getRegexRewrite().getSubstitution());
            default -> {
            }
        }
        int code = switch (r.getResponseCode()) {
            case MOVED_PERMANENTLY -> 301;
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> throw path.field("response_code").error("unknown response code " + r.getResponseCodeValue());
        };
        int port = r.getPortRedirect();
        if (port < 0 || port > 65535) {
            throw path.field("port_redirect").error("port out of range");
        }
        return new RedirectAction(scheme, r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(), port,
                pathRedirect, prefixRewrite, regex, code, r.getStripQuery());
    }

    static DirectResponseAction direct(io.envoyproxy.envoy.config.route.v3.DirectResponseAction d, FieldPath path,
                                       int maxBodyBytes) {
        int status = d.getStatus();
        if (status < 200 || status > 599) {
            throw path.field("status").error("must be in [200, 600), got " + status);
        }
        String body = d.hasBody() ? Protos.dataSource(d.getBody(), path.field("body")) : null;
        if (body != null && body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxBodyBytes) {
            throw path.field("body").error("the body is larger than max_direct_response_body_size_bytes ("
                    + maxBodyBytes + ")");
        }
        return new DirectResponseAction(status, body);
    }
}

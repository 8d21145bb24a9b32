package io.remora.extensions.filters.http.custom_response;

import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.Matcher;
import io.envoyproxy.envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy;
import io.remora.config.MatchInput;
import io.remora.config.UnifiedMatcher;
import io.remora.http.router.InternalRedirect;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.LocalReplyTranslator;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.RouteTranslator;
import io.remora.xds.translate.UnifiedMatcherTranslator;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** A {@code custom_response_matcher} and its policies, checked as Envoy checks them. */
final class PolicyTranslator {

    private static final String LOCAL = "envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy";
    private static final String REDIRECT = "envoy.extensions.http.custom_response.redirect_policy.v3.RedirectPolicy";

    /**
     * Envoy evaluates the matcher on the response headers alone (plus the connection): request
     * headers and trailers and response trailers are never there, so a matcher reading them would
     * never match, and is refused.
     */
    private static final Set<MatchInput.Kind> INPUTS = EnumSet.of(MatchInput.Kind.RESPONSE_HEADER,
            MatchInput.Kind.RESPONSE_STATUS_CODE, MatchInput.Kind.RESPONSE_STATUS_CODE_CLASS,
            MatchInput.Kind.DESTINATION_IP, MatchInput.Kind.DESTINATION_PORT, MatchInput.Kind.SOURCE_IP,
            MatchInput.Kind.SOURCE_PORT, MatchInput.Kind.DIRECT_SOURCE_IP, MatchInput.Kind.SERVER_NAME,
            MatchInput.Kind.URI_SAN, MatchInput.Kind.DNS_SAN, MatchInput.Kind.SUBJECT, MatchInput.Kind.FILTER_STATE);

    private PolicyTranslator() {
    }

    static UnifiedMatcher<PolicyConfig> matcher(Matcher m, FieldPath path) {
        return new UnifiedMatcherTranslator<PolicyConfig>(INPUTS,
                type -> "unsupported input '" + type + "' for a custom response matcher (it sees the response"
                        + " headers: HttpResponseStatusCodeMatchInput, HttpResponseStatusCodeClassMatchInput,"
                        + " HttpResponseHeaderMatchInput, and the connection's inputs)",
                PolicyTranslator::policy).translate(m, path);
    }

    private static PolicyConfig policy(TypedExtensionConfig action, FieldPath path) {
        FieldPath tp = path.field("typed_config");
        String type = action.hasTypedConfig() ? Protos.typeName(action.getTypedConfig()) : "";
        if (type.equals(LOCAL)) {
            return local(Protos.unpack(action.getTypedConfig(), LocalResponsePolicy.class, tp), tp);
        }
        if (type.equals(REDIRECT)) {
            return redirect(Protos.unpack(action.getTypedConfig(), RedirectPolicy.class, tp), tp);
        }
        throw tp.error("unsupported custom response policy " + (type.isEmpty() ? "(no typed_config)" : type)
                + " (supported: " + LOCAL + ", " + REDIRECT + ")");
    }

    private static PolicyConfig.Local local(LocalResponsePolicy p, FieldPath path) {
        int status = 0;
        if (p.hasStatusCode()) {
            status = p.getStatusCode().getValue();
            if (status < 200 || status >= 600) {
                throw path.field("status_code").error("must be in [200, 600), got " + status);
            }
        }
        return new PolicyConfig.Local(p.hasBody() ? Protos.dataSource(p.getBody(), path.field("body")) : null,
                p.hasBodyFormat() ? LocalReplyTranslator.bodyFormat(p.getBodyFormat(), path.field("body_format")) : null,
                status, headers(p.getResponseHeadersToAddList(), path.field("response_headers_to_add")));
    }

    private static PolicyConfig.Redirect redirect(RedirectPolicy p, FieldPath path) {
        if (p.hasModifyRequestHeadersAction()) {
            throw path.field("modify_request_headers_action").error("not supported by Remora (no"
                    + " ModifyRequestHeadersAction extension is built in): use request_headers_to_add");
        }
        io.remora.config.RedirectAction action = null;
        if (p.hasRedirectAction()) {
            action = redirectAction(p.getRedirectAction(), path.field("redirect_action"));
        } else if (!p.hasUri()) {
            throw path.error("missing required field: one of uri, redirect_action");
        } else if (InternalRedirect.Url.parse(p.getUri()) == null) {
            throw path.field("uri").error("Invalid uri specified for redirection for custom response: " + p.getUri());
        }
        int status = 0;
        if (p.hasStatusCode()) {
            status = p.getStatusCode().getValue();
            if (status < 200 || status > 999) {
                throw path.field("status_code").error("must be in [200, 999], got " + status);
            }
        }
        return new PolicyConfig.Redirect(action == null ? p.getUri() : null, action, status,
                headers(p.getResponseHeadersToAddList(), path.field("response_headers_to_add")),
                headers(p.getRequestHeadersToAddList(), path.field("request_headers_to_add")));
    }

    /** Envoy's createRedirectConfig: no path rewrite, no fragment, and a host or a path to go to. */
    private static io.remora.config.RedirectAction redirectAction(RedirectAction r, FieldPath path) {
        if (r.hasRegexRewrite()) {
            throw path.field("regex_rewrite").error("regex_rewrite is not supported for Custom Response");
        }
        if (r.getPathRewriteSpecifierCase() == RedirectAction.PathRewriteSpecifierCase.PREFIX_REWRITE) {
            throw path.field("prefix_rewrite").error("prefix_rewrite is not supported for Custom Response");
        }
        if (r.getPathRedirect().indexOf('#') >= 0) {
            throw path.field("path_redirect").error("#fragment is not supported for custom response. Specified"
                    + " path_redirect is " + r.getPathRedirect());
        }
        if (r.getHostRedirect().isEmpty() && r.getPathRedirect().isEmpty()) {
            throw path.error("At least one of host_redirect and path_redirect needs to be specified");
        }
        return RouteTranslator.redirect(r, path);
    }

    private static io.remora.config.HeaderMutation headers(
            List<io.envoyproxy.envoy.config.core.v3.HeaderValueOption> add, FieldPath path) {
        if (add.size() > 1000) {
            throw path.error("at most 1000 items, got " + add.size());
        }
        return HeaderTranslator.mutation(add, List.of(), path, path);
    }
}

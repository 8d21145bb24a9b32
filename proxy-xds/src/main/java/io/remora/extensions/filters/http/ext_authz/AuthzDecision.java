package io.remora.extensions.filters.http.ext_authz;

import io.remora.config.HeaderMutation;

import java.util.List;
import java.util.Map;

/**
 * What the authorization service answered (Envoy's {@code ExtAuthz::Response}).
 *
 * @param headersToSet         OK: request headers to set (overwrite) before it goes upstream;
 *                             DENIED: headers of the reply to the client
 * @param headersToAdd         OK: request headers to add, as Envoy's {@code addCopy} (the HTTP
 *                             service's allowed_upstream_headers_to_append)
 * @param headersToAppend      OK: values to join onto request headers the request has, as Envoy's
 *                             {@code appendCopy}; none is added for a header it lacks (a gRPC
 *                             answer's {@code append: true})
 * @param headersToRemove      OK: request headers to remove
 * @param responseHeaders      OK: headers for the response the client gets, each with how it applies
 *                             (the HTTP service's are added; a gRPC answer's follow its append or
 *                             append_action, as Envoy's copyOkResponseMutations)
 * @param status               DENIED: the HTTP status for the client
 * @param body                 DENIED: the body for the client
 * @param dynamicMetadata      emitted under the filter's namespace, may be empty
 * @param query                OK: the query parameters to set and remove (gRPC answers only)
 */
public record AuthzDecision(Kind kind, List<Map.Entry<String, String>> headersToSet,
                            List<Map.Entry<String, String>> headersToAdd,
                            List<Map.Entry<String, String>> headersToAppend, List<String> headersToRemove,
                            List<HeaderMutation.HeaderValueOption> responseHeaders, int status, String body,
                            Map<String, Object> dynamicMetadata, QueryMutation query) {

    public enum Kind { OK, DENIED, ERROR }

    public AuthzDecision(Kind kind, List<Map.Entry<String, String>> headersToSet,
                         List<Map.Entry<String, String>> headersToAdd, List<String> headersToRemove,
                         List<HeaderMutation.HeaderValueOption> responseHeaders, int status, String body,
                         Map<String, Object> dynamicMetadata) {
        this(kind, headersToSet, headersToAdd, List.of(), headersToRemove, responseHeaders, status, body,
                dynamicMetadata, QueryMutation.NONE);
    }

    /** The call failed (connect failure, timeout, 5xx, gRPC error): failure_mode_allow decides. */
    public static AuthzDecision error() {
        return new AuthzDecision(Kind.ERROR, List.of(), List.of(), List.of(), List.of(), 403, "", Map.of());
    }
}

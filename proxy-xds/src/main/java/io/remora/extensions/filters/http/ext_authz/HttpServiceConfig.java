package io.remora.extensions.filters.http.ext_authz;

import io.remora.config.StringMatcher;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code http_service}: a plain HTTP authorization server in {@code cluster}.
 *
 * @param allowedHeaders         request headers copied into the authorization request besides
 *                               Envoy's defaults (:method, :path, host, authorization, content-length)
 * @param headersToAdd           {@code authorization_request.headers_to_add} (overwrite; values may hold
 *                               command operators, formatted per call)
 * @param upstreamHeaders        {@code allowed_upstream_headers}: OK-response headers set on the request
 * @param upstreamHeadersToAppend {@code allowed_upstream_headers_to_append}
 * @param clientHeaders          {@code allowed_client_headers}: denied-response headers for the client;
 *                               empty means all but host
 * @param clientHeadersOnSuccess {@code allowed_client_headers_on_success}
 * @param dynamicMetadataFromHeaders {@code dynamic_metadata_from_headers}
 */
public record HttpServiceConfig(String cluster, String pathPrefix, Duration timeout, List<StringMatcher> allowedHeaders,
                                List<Map.Entry<String, String>> headersToAdd, List<StringMatcher> upstreamHeaders,
                                List<StringMatcher> upstreamHeadersToAppend, List<StringMatcher> clientHeaders,
                                List<StringMatcher> clientHeadersOnSuccess,
                                List<StringMatcher> dynamicMetadataFromHeaders) implements AuthzServiceConfig {

    public HttpServiceConfig {
        allowedHeaders = List.copyOf(allowedHeaders);
        headersToAdd = List.copyOf(headersToAdd);
        upstreamHeaders = List.copyOf(upstreamHeaders);
        upstreamHeadersToAppend = List.copyOf(upstreamHeadersToAppend);
        clientHeaders = List.copyOf(clientHeaders);
        clientHeadersOnSuccess = List.copyOf(clientHeadersOnSuccess);
        dynamicMetadataFromHeaders = List.copyOf(dynamicMetadataFromHeaders);
    }

    static boolean any(List<StringMatcher> matchers, String name) {
        for (StringMatcher m : matchers) {
            if (m.matches(name)) {
                return true;
            }
        }
        return false;
    }
}

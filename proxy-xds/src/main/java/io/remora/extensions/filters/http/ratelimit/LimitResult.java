package io.remora.extensions.filters.http.ratelimit;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;

import java.util.List;
import java.util.Map;

/**
 * What the rate limit service answered (Envoy's LimitStatus and the response's extras); an
 * {@code ERROR} carries nothing else.
 *
 * @param responseHeaders {@code response_headers_to_add}, names lower-cased
 * @param requestHeaders  {@code request_headers_to_add}, names lower-cased
 * @param body            {@code raw_body}, the local reply's body when the request is limited
 */
public record LimitResult(Status status, List<DescriptorStatus> statuses,
                          List<Map.Entry<String, String>> responseHeaders,
                          List<Map.Entry<String, String>> requestHeaders, String body,
                          Map<String, Object> dynamicMetadata) {

    public enum Status { OK, OVER_LIMIT, ERROR }

    static final LimitResult ERROR = new LimitResult(Status.ERROR, List.of(), List.of(), List.of(), "", Map.of());
}

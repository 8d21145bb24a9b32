package io.remora.extensions.filters.http.local_ratelimit;

import io.remora.config.HeaderMatcher;

import java.util.List;

/**
 * One {@code config.route.v3.RateLimit} of the filter's {@code rate_limits}: its actions each add
 * one entry to the request's descriptor; when any action cannot (a missing header without
 * {@code skip_if_absent}, a header match that does not hold...), the policy yields no descriptor.
 */
public record DescriptorPolicy(List<Action> actions) {

    public DescriptorPolicy {
        actions = List.copyOf(actions);
    }

    /** {@code RateLimit.Action}, the kinds Remora evaluates. */
    public sealed interface Action {
    }

    /** {@code request_headers}: the header's value under {@code descriptorKey}. */
    public record RequestHeaders(String headerName, String descriptorKey, boolean skipIfAbsent) implements Action {
    }

    /** {@code remote_address}: ("remote_address", the downstream IP). */
    public record RemoteAddress() implements Action {
    }

    /** {@code masked_remote_address}: ("masked_remote_address", the downstream CIDR). */
    public record MaskedRemoteAddress(int v4PrefixLen, int v6PrefixLen) implements Action {
    }

    /** {@code generic_key}: a fixed entry ({@code descriptorKey} defaults to "generic_key"). */
    public record GenericKey(String descriptorKey, String descriptorValue) implements Action {
    }

    /** {@code header_value_match}: a fixed entry when the headers match (or, expectMatch false, do not). */
    public record HeaderValueMatch(String descriptorKey, String descriptorValue, boolean expectMatch,
                                   List<HeaderMatcher> headers) implements Action {
        public HeaderValueMatch {
            headers = List.copyOf(headers);
        }
    }

    /** {@code destination_cluster}: ("destination_cluster", the routed cluster). */
    public record DestinationCluster() implements Action {
    }

    /** {@code query_parameters}: the query parameter's value under {@code descriptorKey}. */
    public record QueryParameters(String parameterName, String descriptorKey, boolean skipIfAbsent) implements Action {
    }
}

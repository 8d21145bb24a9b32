package io.remora.config;

import java.util.List;

/**
 * One {@code config.route.v3.RateLimit}: on a route, a virtual host or embedded in a rate limit
 * filter. Its actions each add one entry to the request's descriptor; when any action cannot (a
 * missing header without {@code skip_if_absent}, a header match that does not hold...), the policy
 * yields no descriptor.
 *
 * @param stage      only filters configured with the same stage use it
 * @param disableKey {@code disable_key}; local rate limiting skips policies that set one, as Envoy does
 * @param hitsAddend {@code hits_addend.number} sent with the descriptor to a rate limit service; 0: unset
 * @param applyOnStreamDone {@code apply_on_stream_done}: the global rate limit filter sends this
 *                          descriptor when the stream ends, without enforcing it
 * @param limitOverride     {@code limit.dynamic_metadata}: where the request's dynamic metadata may
 *                          carry a limit sent with the descriptor to a rate limit service; null: none
 */
public record RateLimitPolicy(int stage, String disableKey, List<Action> actions, long hitsAddend,
                              boolean applyOnStreamDone, MetadataRef limitOverride) {

    public RateLimitPolicy {
        disableKey = disableKey == null ? "" : disableKey;
        actions = List.copyOf(actions);
    }

    public RateLimitPolicy(int stage, String disableKey, List<Action> actions) {
        this(stage, disableKey, actions, 0, false, null);
    }

    /** A {@code type.metadata.v3.MetadataKey}: a filter namespace and the path of keys under it. */
    public record MetadataRef(String namespace, List<String> path) {
        public MetadataRef {
            path = List.copyOf(path);
        }
    }

    public RateLimitPolicy(List<Action> actions) {
        this(0, "", actions);
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

    /**
     * {@code query_parameter_value_match}: a fixed entry when the request's query parameters match
     * (or, expectMatch false, do not); {@code descriptorKey} defaults to "query_match".
     */
    public record QueryParameterValueMatch(String descriptorKey, String descriptorValue, boolean expectMatch,
                                           List<QueryParameterMatcher> queryParameters) implements Action {
        public QueryParameterValueMatch {
            queryParameters = List.copyOf(queryParameters);
        }
    }

    /** {@code destination_cluster}: ("destination_cluster", the routed cluster). */
    public record DestinationCluster() implements Action {
    }

    /** {@code source_cluster}: ("source_cluster", the local service cluster, {@code --service-cluster}). */
    public record SourceCluster() implements Action {
    }

    /**
     * {@code extension}: an entry made by a descriptor extension (Envoy's DescriptorProducer, e.g.
     * the CEL expression one). A failed evaluation drops the descriptor, or with
     * {@code skipIfError} only this entry.
     */
    public record Extension(String descriptorKey, boolean skipIfError, DescriptorProducer producer) implements Action {
    }

    /**
     * {@code extension} with an HTTP matching input as the descriptor extension (Envoy's
     * MatchInputRateLimitDescriptor): the entry (the extension's name, the input's value); an input
     * with no value drops the descriptor, an empty value only this entry.
     */
    public record MatchInputValue(String descriptorKey, MatchInput input) implements Action {
    }

    /** A descriptor extension's evaluation: the entry's value for this stream, or null when it failed. */
    public interface DescriptorProducer {
        String value(io.remora.accesslog.StreamInfo info);
    }

    /** {@code query_parameters}: the query parameter's value under {@code descriptorKey}. */
    public record QueryParameters(String parameterName, String descriptorKey, boolean skipIfAbsent) implements Action {
    }

    /**
     * {@code metadata} (and the deprecated {@code dynamic_metadata}): the string value at
     * {@code path} in {@code namespace} of the request's dynamic metadata ({@code DYNAMIC}) or the
     * route's ({@code ROUTE}, Envoy's ROUTE_ENTRY), else {@code defaultValue}; no value and no
     * default drops the descriptor unless skipIfAbsent.
     */
    public record MetadataValue(String descriptorKey, MetadataSource source, String namespace, List<String> path,
                                String defaultValue, boolean skipIfAbsent) implements Action {
        public MetadataValue {
            path = List.copyOf(path);
            defaultValue = defaultValue == null ? "" : defaultValue;
        }
    }
}

package io.remora.upstream;

/**
 * What a pick may take into account. {@link #NONE} for a first attempt without hashing.
 */
public interface LoadBalancerContext {
    LoadBalancerContext NONE = new LoadBalancerContext() {
    };

    /**
     * The request's hash for RING_HASH and MAGLEV (Envoy's {@code computeHashKey}), from the
     * route's hash policies; empty when none applies (the pick is then random). Called once per
     * pick, the host selection retries of that pick included, as Envoy's thread-aware balancers
     * call it.
     */
    default java.util.OptionalLong computeHashKey() {
        return java.util.OptionalLong.empty();
    }

    /** Retry host predicate ({@code previous_hosts}): true to skip this host when others exist. */
    default boolean shouldSelectAnotherHost(Host host) {
        return false;
    }

    /**
     * Retry priority ({@code previous_priorities}): priorities (bit p for priority p) whose load
     * goes to the others for this pick; 0 for the cluster's own priority load.
     */
    default long excludedPriorities() {
        return 0;
    }

    /**
     * As {@link #excludedPriorities()}, with each tried host's priority as {@code priorityOf} numbers
     * it (negative: none): an aggregate cluster's levels span its members' priorities, as Envoy
     * maps a host to its linearized priority.
     */
    default long excludedPriorities(java.util.function.ToIntFunction<Host> priorityOf) {
        return excludedPriorities();
    }

    /** How many times a pick may be redone to satisfy {@link #shouldSelectAnotherHost}. */
    default int hostSelectionRetryCount() {
        return 0;
    }

    /**
     * The downstream connection's destination before REDIRECT/TPROXY, for ORIGINAL_DST clusters;
     * null when unknown (such a cluster then has no host to offer).
     */
    default java.net.InetSocketAddress originalDestination() {
        return null;
    }

    /**
     * The destination a filter left in the filter state ({@link io.remora.network.FilterState#ORIGINAL_DST_ADDRESS},
     * e.g. Istio's set_internal_dst_address), or null: ORIGINAL_DST clusters prefer it to the
     * request header and to the connection's destination, as Envoy's do.
     */
    default java.net.InetSocketAddress destinationOverride() {
        return null;
    }

    /**
     * The first value of a downstream request header (lower-case name), or null when absent or
     * there is no request (tcp_proxy): ORIGINAL_DST clusters with use_http_header read their
     * destination from {@code x-envoy-original-dst-host}.
     */
    default CharSequence downstreamHeader(String name) {
        return null;
    }

    /**
     * The route's {@code metadata_match} criteria ({@code envoy.lb} keys and values) for a
     * cluster with subset load balancing; null or empty for none.
     */
    default java.util.Map<String, Object> metadataMatch() {
        return null;
    }

    /** The host a filter asked for (stateful session), or null: tried before any balancing. */
    default OverrideHost overrideHost() {
        return null;
    }

    /** The downstream connection's SNI, or null: a dynamic forward proxy cluster's host when there is no request. */
    default String requestedServerName() {
        return null;
    }

    /**
     * An object of the stream's (or, without a request, the connection's) filter state, or null:
     * a dynamic forward proxy cluster reads {@code envoy.upstream.dynamic_host} and {@code _port}.
     */
    default Object filterState(String key) {
        return null;
    }
}

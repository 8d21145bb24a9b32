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
     * pick; an implementation computes it once per request so retries hash alike.
     */
    default java.util.OptionalLong computeHashKey() {
        return java.util.OptionalLong.empty();
    }

    /** Retry host predicate ({@code previous_hosts}): true to skip this host when others exist. */
    default boolean shouldSelectAnotherHost(Host host) {
        return false;
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
}

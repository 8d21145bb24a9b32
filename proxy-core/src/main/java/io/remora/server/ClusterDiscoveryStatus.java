package io.remora.server;

/** How an on-demand cluster discovery ended (Envoy's {@code ClusterDiscoveryStatus}). */
public enum ClusterDiscoveryStatus {
    /** The cluster is in the cluster manager, warmed. */
    AVAILABLE,
    /** The control plane said it does not exist. */
    MISSING,
    /** The timeout passed first. */
    TIMEOUT
}

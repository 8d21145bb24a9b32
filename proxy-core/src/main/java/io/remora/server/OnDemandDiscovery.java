package io.remora.server;

/**
 * Discovery on a request's demand (Envoy's on-demand VHDS and on-demand CDS), supplied by whoever runs the
 * xDS client: the core only asks and waits.
 */
public interface OnDemandDiscovery {
    /** Nothing to ask: no xDS client. */
    OnDemandDiscovery NONE = (routeConfigName, host, done) -> false;

    /**
     * Asks for the virtual host of {@code host} (lower case, port included as the request carries it) in the
     * RDS route configuration {@code routeConfigName}. {@code done} runs, on any thread, once the control
     * plane's answer (or its rejection) has been applied to the route tables. False, and {@code done} never
     * runs, when that route configuration does not load virtual hosts over VHDS.
     */
    boolean requestVirtualHost(String routeConfigName, String host, Runnable done);

    /**
     * On-demand CDS (Envoy's requestOnDemandClusterDiscovery): asks for cluster {@code name}; {@code done} runs,
     * on any thread, once the cluster (warmed) is in the cluster manager, the control plane said it does not
     * exist, or {@code timeout} passed first. Lookups of one cluster share one request. False, and {@code done}
     * never runs, when nothing can be asked (no delta ADS stream).
     */
    default boolean requestCluster(String name, java.time.Duration timeout,
                                   java.util.function.Consumer<ClusterDiscoveryStatus> done) {
        return false;
    }

    /**
     * On-demand scoped RDS (Envoy's ScopedRdsConfigSubscription::onDemandRdsUpdate): loads the SRDS scope with
     * {@code key}, an {@code on_demand} one included, and asks for its route configuration. {@code done} runs, on
     * any thread, once that route configuration is in the route tables, or at once when no scope has the key; a
     * scope removed or replaced meanwhile drops it, as Envoy drops its callbacks. Requests for one scope share one
     * fetch. False, and {@code done} never runs, when nothing can be asked (no xDS client).
     */
    default boolean requestScope(java.util.List<String> key, Runnable done) {
        return false;
    }
}

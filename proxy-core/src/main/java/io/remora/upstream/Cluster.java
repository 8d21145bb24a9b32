package io.remora.upstream;

import io.remora.config.ClusterConfig;
import io.remora.stats.ClusterStats;

import java.util.List;

/**
 * The runtime of one cluster: its current hosts and load balancer. Config and host set are
 * swapped atomically on update; an in-flight request keeps the host it picked.
 */
public interface Cluster {

    String name();

    ClusterConfig config();

    ClusterStats stats();

    /** The current hosts, all of them (healthy or not). */
    List<Host> hosts();

    /**
     * Picks a host for one request or connection, by the cluster's lb_policy. Callable from any
     * worker; lock-free. Null when no healthy host exists (the caller answers 503 {@code UH}).
     */
    Host chooseHost(LoadBalancerContext context);

    /**
     * The cluster a request or connection goes out through: this one, or, for an aggregate
     * cluster, the member (at the level its priority load chose) whose balancer, pools, circuit
     * breakers, TLS and stats then serve it; null when no level can take load (503 {@code UH}).
     * Callers pick the host with the returned cluster's {@link #chooseHost}.
     */
    default Cluster pickCluster(LoadBalancerContext context) {
        return this;
    }

    /** The tap transport socket around this cluster's transport socket, or null. */
    default io.remora.network.SocketTap socketTap() {
        return null;
    }

    /**
     * How this cluster's connections get their transport socket (raw or TLS). A cluster that
     * names TLS must provide it: by default its connects fail rather than go out in plaintext.
     */
    default TransportSocketFactory transportSocketFactory() {
        if (config().transportSocket() == null) {
            return TransportSocketFactory.RAW;
        }
        return (alloc, host, alpn) -> {
            throw new javax.net.ssl.SSLException("cluster " + name() + " has no TLS transport socket factory");
        };
    }

    /**
     * Whether this request falls in the share the runtime's {@code upstream.maintenance_mode.<name>} puts in
     * maintenance (Envoy's ClusterInfo::maintenanceMode, drawn for each call): the router answers it 503.
     */
    default boolean maintenanceMode() {
        return false;
    }

    /** Circuit breakers of this cluster. */
    ResourceLimits limits();

    /**
     * The share of requests answered 503 before a host is picked (Envoy's ClusterImplBase::dropOverload):
     * the load assignment's drop_overloads share, as the runtime capped it when the assignment came.
     */
    default double dropOverload() {
        io.remora.config.ClusterLoadAssignment cla = config().loadAssignment();
        return cla == null ? 0 : cla.policy().dropFraction();
    }

    /**
     * The cluster's upstream HTTP filters (its HTTP protocol options' {@code http_filters}); null
     * when it lists none, so that the router's apply.
     */
    default io.remora.http.filter.UpstreamHttpFilterChain upstreamHttpFilters() {
        return null;
    }

    /** The cluster's upstream network filters ({@code filters}); none by default. */
    default UpstreamFilterChain upstreamFilters() {
        return UpstreamFilterChain.NONE;
    }

    /** The overload manager's connection_pool_new_connection load shed point, checked before a pool opens a connection. */
    default io.remora.overload.LoadShedPoint newConnectionShedPoint() {
        return io.remora.overload.LoadShedPoint.NEVER;
    }

    /**
     * Tells the cluster that a host's health changed in place (outlier ejection, health check),
     * so the load balancer rebuilds its healthy sets. Control-plane rate, not per request.
     */
    default void hostHealthChanged() {
    }

    /**
     * An upstream response carried {@code x-envoy-immediate-health-check-fail} (its Envoy-style
     * health check filter is failing): with active health checking the host is failed at once.
     */
    default void immediateHealthCheckFail(Host host) {
    }

    /** Its outlier detector, or null when it has no outlier_detection (the admin's /clusters reads it). */
    default io.remora.upstream.outlier.OutlierDetector outlierDetector() {
        return null;
    }
}

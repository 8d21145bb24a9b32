package io.remora.upstream;

import io.remora.config.ClusterLoadAssignment.Locality;

/**
 * Where this proxy stands for zone-aware routing: its node locality and the local cluster
 * ({@code cluster_manager.local_cluster_name}), the proxies of its own service by locality. The
 * cluster reference follows cluster updates (one volatile read per pick, no lookup by name).
 */
final class LocalZone {
    final String clusterName;
    final Locality locality;
    private volatile ClusterImpl cluster;

    LocalZone(String clusterName, Locality locality) {
        this.clusterName = clusterName;
        this.locality = locality;
    }

    void cluster(ClusterImpl c) {
        cluster = c;
    }

    /** The local cluster's current host set, or null while it is not defined. */
    PrioritySet hostSet() {
        ClusterImpl c = cluster;
        return c == null ? null : c.prioritySet();
    }
}

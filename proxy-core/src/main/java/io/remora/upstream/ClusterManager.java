package io.remora.upstream;

import java.util.Collection;

/**
 * All clusters by name. Reads are lock-free from any worker; updates come from the control
 * thread only.
 */
public interface ClusterManager {

    /** The cluster, or null when there is none of that name (HTTP answers 503 {@code NC}). */
    Cluster get(String name);

    Collection<Cluster> all();
}

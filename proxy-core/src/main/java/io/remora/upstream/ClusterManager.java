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

    /**
     * The dynamic forward proxy DNS cache of this config, shared by everything that asks with an
     * equal config; null when this manager keeps none (tests).
     */
    default DnsCache dnsCache(io.remora.config.DnsCacheConfig config) {
        return null;
    }
}

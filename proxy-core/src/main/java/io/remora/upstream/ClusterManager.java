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

    /**
     * One lookup of {@code name} through the resolver {@code resolver} configures, done off the
     * caller's thread without one waiting for it; it completes exceptionally when the name has no
     * address of the family or the resolver fails. Failed at once when this manager resolves nothing (tests).
     */
    default java.util.concurrent.CompletableFuture<DnsAnswer> lookup(io.remora.config.DnsResolverConfig resolver,
            String name, io.remora.config.ClusterConfig.DnsLookupFamily family) {
        return java.util.concurrent.CompletableFuture.failedFuture(new java.net.UnknownHostException(name));
    }

    /** Bootstrap {@code cluster_manager.local_cluster_name}: the proxies of this service; empty when none. */
    default String localClusterName() {
        return "";
    }
}

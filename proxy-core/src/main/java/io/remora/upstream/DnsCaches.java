package io.remora.upstream;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.DnsCacheConfig;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Envoy's DNS cache manager: one cache per config, so a dynamic forward proxy filter and cluster
 * whose {@code dns_cache_config} are equal share it. Caches live as long as the cluster manager
 * (there are few; Envoy drops one when nothing refers to it).
 */
final class DnsCaches implements AutoCloseable {
    private final DnsResolvers resolvers;
    private final Supplier<ScheduledExecutorService> dns;
    private final MeterRegistry registry;
    private final Map<DnsCacheConfig, DnsCache> byConfig = new HashMap<>();
    /** Stats by cache name: two configs of one name (a config change) count in one scope, as in Envoy. */
    private final Map<String, DnsCacheStats> stats = new HashMap<>();

    /**
     * The blocking lookups of every cache: a few threads, gone when idle, so that one name the
     * resolver is slow on delays neither the others nor the timeouts the DNS thread keeps.
     */
    private final ThreadPoolExecutor lookups = new ThreadPoolExecutor(LOOKUP_THREADS, LOOKUP_THREADS,
            30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "remora-dns-cache-lookup");
                t.setDaemon(true);
                return t;
            });
    private static final int LOOKUP_THREADS = 4;

    DnsCaches(DnsResolvers resolvers, Supplier<ScheduledExecutorService> dns, MeterRegistry registry) {
        this.resolvers = resolvers;
        this.dns = dns;
        this.registry = registry;
        lookups.allowCoreThreadTimeOut(true);
    }

    DnsCache get(DnsCacheConfig config) {
        // The DNS thread first: its owner's monitor must never be taken while holding this one.
        ScheduledExecutorService thread = dns.get();
        synchronized (this) {
            return byConfig.computeIfAbsent(config, c -> new DnsCache(c, resolvers.forCache(c.resolver()), thread, lookups,
                    stats.computeIfAbsent(c.name(), n -> new DnsCacheStats(registry, n))));
        }
    }

    /** A lookup through {@code resolver} (null: the bootstrap's); a blocking resolver's on the caches' lookup threads. */
    java.util.concurrent.CompletableFuture<DnsAnswer> lookup(io.remora.config.DnsResolverConfig resolver, String name,
                                                             io.remora.config.ClusterConfig.DnsLookupFamily family) {
        try {
            // The resolver is picked on a lookup thread: the first use of a config builds it (reads files).
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> resolvers.forCache(resolver), lookups)
                    .thenCompose(r -> r.lookup(name, family, lookups));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            return java.util.concurrent.CompletableFuture.failedFuture(closed);
        }
    }

    @Override
    public synchronized void close() {
        byConfig.values().forEach(DnsCache::close);
        byConfig.clear();
        lookups.shutdownNow();
    }
}

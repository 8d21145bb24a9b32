package io.remora.upstream;

import io.micrometer.core.instrument.MeterRegistry;
import io.remora.config.ClusterConfig;
import io.remora.config.DnsCacheConfig;
import io.remora.config.DnsResolverConfig;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * Envoy's DNS cache manager: one cache per config, so a dynamic forward proxy filter and cluster
 * whose {@code dns_cache_config} are equal share it. Caches live as long as the cluster manager
 * (there are few; Envoy drops one when nothing refers to it).
 */
final class DnsCaches implements AutoCloseable {
    private final DnsResolvers resolvers;
    private final Supplier<ScheduledExecutorService> dns;
    /** Where blocking work runs: tests' stand-in resolvers, and building a resolver (it reads files). */
    private final Supplier<Executor> blocking;
    private final MeterRegistry registry;
    private final Map<DnsCacheConfig, DnsCache> byConfig = new HashMap<>();
    /** Stats by cache name: two configs of one name (a config change) count in one scope, as in Envoy. */
    private final Map<String, DnsCacheStats> stats = new HashMap<>();

    DnsCaches(DnsResolvers resolvers, Supplier<ScheduledExecutorService> dns, Supplier<Executor> blocking,
              MeterRegistry registry) {
        this.resolvers = resolvers;
        this.dns = dns;
        this.blocking = blocking;
        this.registry = registry;
    }

    DnsCache get(DnsCacheConfig config) {
        // The DNS thread first: its owner's monitor must never be taken while holding this one.
        ScheduledExecutorService thread = dns.get();
        Executor lookups = blocking.get();
        synchronized (this) {
            return byConfig.computeIfAbsent(config, c -> new DnsCache(c, resolvers.forCache(c), thread, lookups,
                    stats.computeIfAbsent(c.name(), n -> new DnsCacheStats(registry, n))));
        }
    }

    /** A lookup through {@code resolver}'s resolver, without a thread waiting for it (but a stand-in's). */
    CompletableFuture<DnsAnswer> lookup(DnsResolverConfig resolver, String name, ClusterConfig.DnsLookupFamily family) {
        Executor lookups = blocking.get();
        try {
            // The resolver is picked off the caller's thread: the first use of a config builds it (reads files).
            return CompletableFuture.supplyAsync(() -> resolvers.forConfig(resolver), lookups)
                    .thenCompose(r -> r.lookup(name, family, lookups));
        } catch (RejectedExecutionException closed) {
            return CompletableFuture.failedFuture(closed);
        }
    }

    @Override
    public synchronized void close() {
        byConfig.values().forEach(DnsCache::close);
        byConfig.clear();
    }
}

package io.remora.upstream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remora.config.DnsCacheConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dynamic forward proxy cache's own rules: keys, max_hosts, the pending circuit breaker, sticky addresses. */
class DnsCacheTest {

    private final ScheduledExecutorService dns = Executors.newSingleThreadScheduledExecutor();
    private final java.util.concurrent.ExecutorService lookups = Executors.newCachedThreadPool();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void stop() {
        dns.shutdownNow();
        lookups.shutdownNow();
    }

    private DnsCache cache(DnsCacheConfig config, DnsResolver resolver) {
        return new DnsCache(config, resolver, dns, lookups, new DnsCacheStats(registry, config.name()));
    }

    /** The entry once its first lookup is done, whether the load waited for it or found it done. */
    private static DnsCacheEntry loaded(DnsCache c, String key) throws Exception {
        CompletableFuture<DnsCacheEntry> f = new CompletableFuture<>();
        if (c.load(key, f::complete) == DnsCache.Load.IN_CACHE) {
            f.complete(c.entry(key));
        }
        return f.get(5, TimeUnit.SECONDS);
    }

    private double counter(String stat) {
        return registry.get("envoy_dns_cache_c_" + stat).counter().count();
    }

    @Test
    void keysGetTheDefaultPortWhenTheyHaveNone() {
        assertEquals("a.example:80", DnsCache.key("a.example", 80));
        assertEquals("a.example:8080", DnsCache.key("a.example:8080", 443));
        assertEquals("[::1]:443", DnsCache.key("[::1]", 443));
        assertEquals("[::1]:9", DnsCache.key("[::1]:9", 443));
    }

    @Test
    void aNewNamePastMaxHostsOverflows() throws Exception {
        DnsCache c = cache(DnsCacheConfig.builder("c").maxHosts(1).build(), name -> new InetAddress[] {
            InetAddress.getByName("127.0.0.1")});
        assertEquals(new InetSocketAddress("127.0.0.1", 80), loaded(c, "a:80").address());
        assertEquals(DnsCache.Load.IN_CACHE, c.load("a:80", e -> { }));
        assertEquals(DnsCache.Load.OVERFLOW, c.load("b:80", e -> { }));
        assertEquals(1.0, counter("host_overflow"));
        assertEquals(1.0, counter("host_added"));
    }

    @Test
    void thePendingCircuitBreakerCountsOverflows() {
        DnsCache c = cache(DnsCacheConfig.builder("c").maxPendingRequests(1).build(), DnsResolver.SYSTEM);
        assertTrue(c.tryPending());
        assertFalse(c.tryPending());
        assertEquals(1.0, counter("dns_rq_pending_overflow"));
        c.releasePending();
        assertTrue(c.tryPending());
    }

    @Test
    void aFailedRefreshKeepsTheAddressAndAFailedFirstLookupSaysWhy() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        DnsResolver flaky = name -> {
            if (name.equals("a") && calls.incrementAndGet() == 1) {
                return new InetAddress[] {InetAddress.getByName("127.0.0.2")};
            }
            throw new UnknownHostException(name);
        };
        DnsCache c = cache(DnsCacheConfig.builder("c").minRefreshRate(Duration.ofMillis(10))
                .refreshRate(Duration.ofMillis(10)).build(), flaky);
        DnsCacheEntry entry = loaded(c, "a:81");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (counter("dns_query_failure") < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(counter("dns_query_failure") >= 2);
        assertEquals(new InetSocketAddress("127.0.0.2", 81), entry.address());

        DnsCacheEntry failed = loaded(c, "b:80");
        assertNull(failed.address());
        assertEquals("dns_resolution_failure{not_found}", failed.details());
    }

    @Test
    void aLookupPastDnsQueryTimeoutFailsAndAHangingNameHoldsUpNoOther() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        DnsResolver resolver = name -> {
            if (name.equals("slow")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new InetAddress[] {InetAddress.getByName("127.0.0.3")};
        };
        DnsCache c = cache(DnsCacheConfig.builder("c").queryTimeout(Duration.ofMillis(200)).build(), resolver);
        CompletableFuture<DnsCacheEntry> slow = new CompletableFuture<>();
        assertEquals(DnsCache.Load.LOADING, c.load("slow:80", slow::complete));
        // A fast name is answered while the slow one's lookup still blocks.
        assertEquals(new InetSocketAddress("127.0.0.3", 80), loaded(c, "fast:80").address());
        assertFalse(slow.isDone());

        DnsCacheEntry timedOut = slow.get(5, TimeUnit.SECONDS);
        assertNull(timedOut.address());
        assertEquals("dns_resolution_failure{resolve_timeout}", timedOut.details());
        assertEquals(1.0, counter("dns_query_timeout"));
        assertEquals(1.0, counter("dns_query_failure"));
        // The late answer of the timed-out lookup is dropped; the next lookup brings the address.
        release.countDown();
        Thread.sleep(100);
        assertEquals(1.0, counter("dns_query_success"));
        assertNull(timedOut.address());
    }

    /** A resolver whose lookups never answer, as a name server that stays silent: it hands back each one. */
    private static DnsResolver silent(java.util.List<CompletableFuture<DnsAnswer>> started) {
        return new DnsResolver() {
            @Override
            public InetAddress[] resolve(String name) throws UnknownHostException {
                throw new AssertionError("the cache must not block on a lookup");
            }

            @Override
            public CompletableFuture<DnsAnswer> lookup(String name, io.remora.config.ClusterConfig.DnsLookupFamily family,
                                                       java.util.concurrent.Executor blocking) {
                CompletableFuture<DnsAnswer> f = new CompletableFuture<>();
                started.add(f);
                return f;
            }
        };
    }

    @Test
    void dnsQueryTimeoutCancelsTheLookupAndClosingCancelsThoseUnderWay() throws Exception {
        java.util.List<CompletableFuture<DnsAnswer>> started = new java.util.concurrent.CopyOnWriteArrayList<>();
        DnsCache c = cache(DnsCacheConfig.builder("c").queryTimeout(Duration.ofMillis(100)).build(), silent(started));
        DnsCacheEntry timedOut = loaded(c, "a:80");
        assertEquals("dns_resolution_failure{resolve_timeout}", timedOut.details());
        assertTrue(started.get(0).isCancelled(), "as Envoy's onResolveTimeout, the query is cancelled");

        DnsCache open = cache(DnsCacheConfig.builder("d").queryTimeout(Duration.ZERO).build(), silent(started));
        assertEquals(DnsCache.Load.LOADING, open.load("b:80", e -> { }));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (started.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        CompletableFuture<DnsAnswer> underWay = started.get(1);
        assertFalse(underWay.isDone());
        open.close();
        assertTrue(underWay.isCancelled(), "a closed cache abandons its lookups");
    }
}

package io.remora.upstream;

import io.remora.config.DnsCacheConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's dynamic forward proxy DNS cache: names ({@code host:port}) looked up on first use and
 * again while they are used; the cache's state changes on the cluster manager's DNS thread. Lookups
 * are asynchronous, as Envoy's through c-ares: a name waiting for its server holds no thread, nor
 * delays another; each is bounded by {@code dns_query_timeout}, which cancels it, as closing the
 * cache cancels those under way (DnsCacheImpl's destructor). A name's first
 * request waits for its lookup; later ones find the answer in the cache. A name that no request
 * used for {@code host_ttl} is dropped at its next refresh. A failed lookup never takes away the
 * address an earlier one gave.
 */
public final class DnsCache {
    private static final Logger LOG = Logger.getLogger(DnsCache.class.getName());

    /** Told on the DNS thread when a name's first lookup is done (with or without an address). */
    public interface Waiter {
        void onLoaded(DnsCacheEntry entry);
    }

    /** Envoy's filter state keys naming the host (a string) and port (a number) a dynamic forward proxy cluster picks. */
    public static final String DYNAMIC_HOST = "envoy.upstream.dynamic_host";
    public static final String DYNAMIC_PORT = "envoy.upstream.dynamic_port";

    /** What {@link #load} found. */
    public enum Load { IN_CACHE, LOADING, OVERFLOW }

    private final DnsCacheConfig config;
    private final DnsResolver resolver;
    private final ScheduledExecutorService dns;
    /** Where a blocking resolver's lookups run: only tests' stand-ins are (getaddrinfo has threads of its own). */
    private final Executor blocking;
    private final DnsCacheStats stats;
    private final ConcurrentHashMap<String, DnsCacheEntry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean closed;

    DnsCache(DnsCacheConfig config, DnsResolver resolver, ScheduledExecutorService dns, Executor blocking,
             DnsCacheStats stats) {
        this.config = config;
        this.resolver = resolver;
        this.dns = dns;
        this.blocking = blocking;
        this.stats = stats;
        for (String host : config.preresolve()) {
            if (entries.size() < config.maxHosts()) {
                create(host);
            }
        }
    }

    public DnsCacheConfig config() {
        return config;
    }

    /**
     * Envoy's normalizeHostForDfp: the authority as the cache keys it, with the default port
     * added when it has none.
     */
    public static String key(String authority, int defaultPort) {
        return portStart(authority) < 0 ? authority + ":" + defaultPort : authority;
    }

    /** Where the port of an authority starts (after its ':'), or -1 when it has none. */
    private static int portStart(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || authority.indexOf(']', colon) >= 0 || colon == authority.length() - 1) {
            return -1;
        }
        if (authority.indexOf(':') != colon && !authority.startsWith("[")) {
            return -1; // a bare IPv6 literal
        }
        for (int i = colon + 1; i < authority.length(); i++) {
            if (authority.charAt(i) < '0' || authority.charAt(i) > '9') {
                return -1;
            }
        }
        return colon + 1;
    }

    /**
     * The circuit breaker of lookups requests wait for ({@code dns_cache_circuit_breaker}):
     * false (and {@code dns_rq_pending_overflow}) when {@code max_pending_requests} wait already.
     * A true answer must be matched by {@link #releasePending}.
     */
    public boolean tryPending() {
        while (true) {
            int n = pending.get();
            if (n >= config.maxPendingRequests()) {
                stats.dnsRqPendingOverflow.increment();
                return false;
            }
            if (pending.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public void releasePending() {
        pending.decrementAndGet();
    }

    /**
     * Looks a key (from {@link #key}) up: IN_CACHE when its first lookup is done (read it with
     * {@link #entry}), LOADING when the waiter will be told, OVERFLOW when the cache holds
     * {@code max_hosts} names already.
     */
    public Load load(String key, Waiter waiter) {
        DnsCacheEntry e = entries.get(key);
        if (e != null && e.resolved()) {
            return Load.IN_CACHE; // the common case, without the entry's lock
        }
        if (e == null) {
            if (entries.size() >= config.maxHosts()) {
                stats.hostOverflow.increment();
                return Load.OVERFLOW;
            }
            e = create(key);
        }
        return e.await(waiter) ? Load.LOADING : Load.IN_CACHE;
    }

    /** The entry of a key whose first lookup is done, or null. */
    public DnsCacheEntry entry(String key) {
        DnsCacheEntry e = entries.get(key);
        return e != null && e.resolved() ? e : null;
    }

    /** The entry of a key for a connection to it: marks it used (host_ttl counts from here). */
    DnsCacheEntry use(String key) {
        DnsCacheEntry e = entry(key);
        if (e != null) {
            e.touch();
        }
        return e;
    }

    /** Every name with an address, for the cluster's host list. */
    List<DnsCacheEntry> resolvedEntries() {
        List<DnsCacheEntry> out = new ArrayList<>();
        for (DnsCacheEntry e : entries.values()) {
            if (e.address() != null) {
                out.add(e);
            }
        }
        return out;
    }

    /** A new entry for a key (from {@link #key}), its first lookup started; an existing one if another thread won. */
    private DnsCacheEntry create(String k) {
        int ps = portStart(k);
        String host = ps < 0 ? k : k.substring(0, ps - 1);
        int port = ps < 0 ? 0 : Integer.parseInt(k.substring(ps));
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String name = host;
        DnsCacheEntry[] made = new DnsCacheEntry[1];
        DnsCacheEntry e = entries.computeIfAbsent(k, x -> made[0] = new DnsCacheEntry(x, name, port));
        if (made[0] != null) {
            stats.hostAdded.increment();
            stats.numHosts.incrementAndGet();
            if (config.failureRefresh() != null) {
                e.backoff = new io.remora.util.JitteredBackOff(config.failureRefresh().base().toMillis(),
                        config.failureRefresh().max().toMillis());
            }
            dns.execute(() -> resolve(e));
        }
        return e;
    }

    /**
     * Starts one lookup of a name, on the DNS thread. Its answer, or {@code dns_query_timeout}
     * first (which cancels it, as Envoy's onResolveTimeout), finishes it on the DNS thread
     * ({@link #finish}); whichever comes second is dropped.
     */
    private void resolve(DnsCacheEntry e) {
        if (closed || entries.get(e.key) != e) {
            return;
        }
        stats.dnsQueryAttempt.increment();
        CompletableFuture<DnsAnswer> query;
        try {
            query = resolver.lookup(e.hostname, config.lookupFamily(), blocking);
        } catch (RejectedExecutionException closing) {
            return; // the cache manager is shutting down: nothing waits for this name any more
        }
        e.query = query;
        long timeout = config.queryTimeout() == null ? 0 : config.queryTimeout().toMillis();
        e.queryTimeout = timeout > 0
                ? dns.schedule(() -> finish(e, query, null, null), timeout, TimeUnit.MILLISECONDS) : null;
        query.whenComplete((answer, failure) -> {
            if (query.isCancelled()) {
                return; // timed out, or the cache closed
            }
            try {
                dns.execute(() -> finish(e, query, answer, failure));
            } catch (RejectedExecutionException closing) {
                // the cache manager closed meanwhile
            }
        });
    }

    /** A lookup's end: its answer, its failure, or (both null) its timeout. Schedules the next. */
    private void finish(DnsCacheEntry e, CompletableFuture<DnsAnswer> query, DnsAnswer answer, Throwable failure) {
        if (closed || e.query != query) {
            return; // the other of answer and timeout came first
        }
        e.query = null;
        if (answer == null && failure == null) {
            query.cancel(false); // a getaddrinfo lookup still queued is then never made
        }
        if (e.queryTimeout != null) {
            e.queryTimeout.cancel(false);
            e.queryTimeout = null;
        }
        long next;
        if (answer != null) {
            stats.dnsQuerySuccess.increment();
            if (e.backoff != null) {
                e.backoff.reset();
            }
            if (answer.addresses().isEmpty()) {
                if (e.address() == null) {
                    e.details("dns_resolution_failure{no_addresses}");
                }
                next = config.refreshRate().toMillis();
            } else {
                List<InetSocketAddress> list = new ArrayList<>(answer.addresses().size());
                for (InetAddress a : answer.addresses()) {
                    list.add(new InetSocketAddress(a, e.port));
                }
                if (!list.equals(e.addresses())) {
                    e.addresses(list);
                    stats.hostAddressChanged.increment();
                }
                // Envoy caps re-resolution at dns_min_refresh_rate; a TTL we cannot know counts as 0.
                long ttl = answer.ttl() == null ? 0 : answer.ttl().toMillis();
                next = Math.max(config.minRefreshRate().toMillis(), ttl);
            }
        } else {
            String reason;
            if (failure == null) {
                stats.dnsQueryTimeout.increment();
                reason = "resolve_timeout";
            } else {
                reason = reason(failure);
            }
            stats.dnsQueryFailure.increment();
            LOG.log(Level.FINE, "dns cache {0}: cannot resolve {1}: {2}", new Object[] {config.name(), e.hostname, reason});
            if (e.address() == null) {
                e.details("dns_resolution_failure{" + reason + "}");
            }
            next = e.backoff != null ? e.backoff.nextMillis() : config.refreshRate().toMillis();
        }
        if (!e.resolved()) {
            for (Waiter w : e.complete()) {
                w.onLoaded(e);
            }
        }
        e.refresh = dns.schedule(() -> refresh(e), Math.max(1, next), TimeUnit.MILLISECONDS);
    }

    /** Envoy's re-resolve alarm: a name unused for host_ttl goes, any other is looked up again. */
    private void refresh(DnsCacheEntry e) {
        if (closed) {
            return;
        }
        long idle = System.nanoTime() - e.lastUsedNanos();
        if (idle > config.hostTtl().toNanos()) {
            if (entries.remove(e.key, e)) {
                stats.hostRemoved.increment();
                stats.numHosts.decrementAndGet();
            }
            return;
        }
        resolve(e);
    }

    /** Envoy's details: the resolver's message with spaces made underscores. */
    private static String reason(Throwable failure) {
        Throwable ex = failure;
        while (ex instanceof CompletionException && ex.getCause() != null) {
            ex = ex.getCause();
        }
        String m = ex instanceof UnknownHostException ? "not_found" : String.valueOf(ex.getMessage());
        return m.replace(' ', '_');
    }

    void close() {
        closed = true;
        for (DnsCacheEntry e : entries.values()) {
            if (e.refresh != null) {
                e.refresh.cancel(false);
            }
            if (e.queryTimeout != null) {
                e.queryTimeout.cancel(false);
            }
            CompletableFuture<DnsAnswer> q = e.query;
            if (q != null) {
                q.cancel(false);
            }
        }
    }
}

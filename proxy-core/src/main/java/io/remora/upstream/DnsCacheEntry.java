package io.remora.upstream;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * One name of a {@link DnsCache} ({@code host:port}, Envoy's primary host): its addresses once a
 * lookup answered, the requests waiting for its first answer, when it was last used. Written on
 * the DNS thread, read by any worker.
 */
public final class DnsCacheEntry {
    /** Envoy's StreamInfo::UpstreamAddress filter state key, where save_upstream_address leaves {@link #addressString()}. */
    public static final String UPSTREAM_ADDRESS = "envoy.stream.upstream_address";

    final String key;
    final String hostname;
    final int port;
    private volatile List<InetSocketAddress> addresses = List.of();
    private volatile boolean resolved;
    private volatile String details = "";
    private volatile long lastUsedNanos = System.nanoTime();
    /** Requests waiting for the first answer; null once it came. Guarded by this. */
    private List<DnsCache.Waiter> waiters = new ArrayList<>(2);
    /** The next lookup (or TTL check); touched on the DNS thread only. */
    ScheduledFuture<?> refresh;
    /** The lookup in flight (its answer and its timeout name it) and its timeout; set on the DNS thread. */
    volatile java.util.concurrent.CompletableFuture<DnsAnswer> query;
    ScheduledFuture<?> queryTimeout;
    io.remora.util.JitteredBackOff backoff;

    DnsCacheEntry(String key, String hostname, int port) {
        this.key = key;
        this.hostname = hostname;
        this.port = port;
    }

    /** The name as resolved, without its port (what auto_sni sends). */
    public String hostname() {
        return hostname;
    }

    /** The first address of the last answer that had any, or null when no lookup ever answered with one. */
    public InetSocketAddress address() {
        List<InetSocketAddress> a = addresses;
        return a.isEmpty() ? null : a.get(0);
    }

    /** {@link #address()} as Envoy writes it ({@code ip:port}), or null. */
    public String addressString() {
        InetSocketAddress a = address();
        return a == null ? null : new io.remora.config.Address.Tcp(a.getAddress().getHostAddress(), a.getPort()).toString();
    }

    /** Why the name has no address (Envoy's {@code dns_resolution_failure{...}} details); empty when it has one. */
    public String details() {
        return details;
    }

    boolean resolved() {
        return resolved;
    }

    void touch() {
        lastUsedNanos = System.nanoTime();
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    List<InetSocketAddress> addresses() {
        return addresses;
    }

    void addresses(List<InetSocketAddress> list) {
        addresses = List.copyOf(list);
        details = "";
    }

    void details(String d) {
        details = d;
    }

    /** Registers a waiter; false when the first answer already came (the caller reads the entry instead). */
    synchronized boolean await(DnsCache.Waiter w) {
        if (waiters == null) {
            return false;
        }
        waiters.add(w);
        return true;
    }

    /** Marks the first answer in and hands back who waited for it. */
    synchronized List<DnsCache.Waiter> complete() {
        resolved = true;
        List<DnsCache.Waiter> w = waiters == null ? List.of() : waiters;
        waiters = null;
        return w;
    }
}

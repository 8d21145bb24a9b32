package io.remora.upstream;

import io.remora.config.ClusterConfig.DnsLookupFamily;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's getaddrinfo resolver: lookups queue for a fixed number of threads that call the
 * blocking resolver (getaddrinfo, or a test's stand-in), one lookup each at a time, so a burst of
 * names waits its turn instead of taking a thread apiece. A lookup that fails with EAI_AGAIN goes
 * to the back of the queue and is tried again, {@code num_retries} more times or, without it,
 * until it gets another answer. A cancelled lookup still queued is never made. getaddrinfo tells
 * no TTL: answers carry Envoy's fixed 60 s.
 */
final class GetAddrInfoResolver implements DnsResolver, AutoCloseable {
    /** getaddrinfo.h's DEFAULT_TTL. */
    static final Duration DEFAULT_TTL = Duration.ofSeconds(60);

    private final DnsResolver blocking;
    private final Integer numRetries;
    private final ThreadPoolExecutor threads;

    /**
     * @param blocking   what answers each lookup, blocking its thread
     * @param numRetries retries after EAI_AGAIN; null: until another answer
     * @param threads    how many lookups run at once
     */
    GetAddrInfoResolver(DnsResolver blocking, Integer numRetries, int threads) {
        this.blocking = blocking;
        this.numRetries = numRetries;
        this.threads = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "remora-getaddrinfo");
            t.setDaemon(true);
            return t;
        });
        // Idle resolvers keep no threads; a busy one never has more than its number.
        this.threads.allowCoreThreadTimeOut(true);
    }

    @Override
    public InetAddress[] resolve(String name) throws UnknownHostException {
        return blocking.resolve(name);
    }

    @Override
    public DnsAnswer resolve(String name, DnsLookupFamily family) throws UnknownHostException {
        return withTtl(blocking.resolve(name, family));
    }

    /** Queues the lookup; {@code ignored}: this resolver's own threads run it. */
    @Override
    public CompletableFuture<DnsAnswer> lookup(String name, DnsLookupFamily family, Executor ignored) {
        CompletableFuture<DnsAnswer> out = new CompletableFuture<>();
        // num_retries + 1 tries in all; -1: no limit
        submit(new Query(name, family, out, numRetries == null ? -1 : numRetries + 1));
        return out;
    }

    private record Query(String name, DnsLookupFamily family, CompletableFuture<DnsAnswer> out, int triesLeft) {
    }

    private void submit(Query q) {
        try {
            threads.execute(() -> run(q));
        } catch (RejectedExecutionException closed) {
            q.out().completeExceptionally(new UnknownHostException(q.name() + ": resolver closed"));
        }
    }

    private void run(Query q) {
        if (q.out().isDone()) {
            return; // cancelled (its cluster or cache entry went, or its timeout passed) while queued
        }
        try {
            q.out().complete(withTtl(blocking.resolve(q.name(), q.family())));
        } catch (UnknownHostException e) {
            int left = q.triesLeft() < 0 ? -1 : q.triesLeft() - 1;
            if (temporary(e) && left != 0) {
                submit(new Query(q.name(), q.family(), q.out(), left));
            } else {
                q.out().completeExceptionally(e);
            }
        } catch (RuntimeException e) {
            q.out().completeExceptionally(e);
        }
    }

    private static DnsAnswer withTtl(DnsAnswer a) {
        return a.ttl() == null ? new DnsAnswer(a.addresses(), DEFAULT_TTL) : a;
    }

    /**
     * EAI_AGAIN: the JDK words a getaddrinfo failure as {@code name: gai_strerror(code)}, and
     * glibc's and musl's text for EAI_AGAIN is this one.
     */
    static boolean temporary(UnknownHostException e) {
        String m = e.getMessage();
        return m != null && m.toLowerCase(Locale.ROOT).contains("temporary failure in name resolution");
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}

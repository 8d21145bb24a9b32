package io.remora.upstream;

import io.remora.config.ClusterConfig.DnsLookupFamily;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Envoy's getaddrinfo resolver (getaddrinfo.cc): a fixed number of threads with lookups queued
 * beyond them, EAI_AGAIN tried again num_retries times (or until another answer), a cancelled
 * queued lookup never made, answers with the fixed 60 s TTL. The blocking call is a stand-in
 * that can hold a name or fail it the way the JDK reports getaddrinfo's codes.
 */
class GetAddrInfoResolverTest {
    private final Map<String, CountDownLatch> held = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<String, Integer> eaiAgain = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostRunning = new AtomicInteger();
    private GetAddrInfoResolver resolver;

    /** Holds a name until released; fails it with EAI_AGAIN while {@link #eaiAgain} says; "missing" is EAI_NONAME. */
    private final DnsResolver getaddrinfo = name -> {
        calls.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
        mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            CountDownLatch latch = held.get(name);
            if (latch != null) {
                latch.await();
            }
            if (eaiAgain.merge(name, -1, Integer::sum) >= 0) {
                throw new UnknownHostException(name + ": Temporary failure in name resolution");
            }
            if (name.equals("missing")) {
                throw new UnknownHostException(name + ": Name or service not known");
            }
            return new InetAddress[] {InetAddress.getByAddress(name, new byte[] {127, 0, 0, 9})};
        } catch (InterruptedException e) {
            throw new UnknownHostException(name + ": interrupted");
        } finally {
            running.decrementAndGet();
        }
    };

    @AfterEach
    void close() {
        held.values().forEach(CountDownLatch::countDown);
        if (resolver != null) {
            resolver.close();
        }
    }

    private CompletableFuture<DnsAnswer> lookup(String name) {
        return resolver.lookup(name, DnsLookupFamily.V4_ONLY, r -> {
            throw new AssertionError("getaddrinfo runs on its own threads");
        });
    }

    private int calls(String name) {
        AtomicInteger n = calls.get(name);
        return n == null ? 0 : n.get();
    }

    @Test
    void oneThreadByDefaultAndTheOtherLookupsQueueBehindIt() throws Exception {
        resolver = new GetAddrInfoResolver(getaddrinfo, null, 1);
        held.put("slow", new CountDownLatch(1));
        CompletableFuture<DnsAnswer> slow = lookup("slow");
        List<CompletableFuture<DnsAnswer>> others = List.of(lookup("a"), lookup("b"), lookup("c"));
        Thread.sleep(200);
        assertFalse(others.get(0).isDone(), "queued behind the held name, as Envoy's one resolver thread");
        assertEquals(0, calls("a"));
        held.get("slow").countDown();
        for (CompletableFuture<DnsAnswer> f : others) {
            assertEquals("127.0.0.9", f.get(5, TimeUnit.SECONDS).addresses().get(0).getHostAddress());
        }
        assertEquals(GetAddrInfoResolver.DEFAULT_TTL, slow.get(5, TimeUnit.SECONDS).ttl());
        assertEquals(1, mostRunning.get());
    }

    @Test
    void aFixedNumberOfThreadsRunLookupsAtOnce() throws Exception {
        resolver = new GetAddrInfoResolver(getaddrinfo, null, 3);
        for (int i = 0; i < 10; i++) {
            held.put("n" + i, new CountDownLatch(1));
        }
        List<CompletableFuture<DnsAnswer>> all = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            all.add(lookup("n" + i));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (running.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(100);
        assertEquals(3, running.get(), "three lookups under way, seven queued");
        held.values().forEach(CountDownLatch::countDown);
        for (CompletableFuture<DnsAnswer> f : all) {
            f.get(5, TimeUnit.SECONDS);
        }
        assertEquals(3, mostRunning.get());
    }

    @Test
    void eaiAgainIsTriedAgainUntilAnotherAnswerWithoutNumRetries() throws Exception {
        resolver = new GetAddrInfoResolver(getaddrinfo, null, 1);
        eaiAgain.put("flaky", 5);
        assertEquals(1, lookup("flaky").get(5, TimeUnit.SECONDS).addresses().size());
        assertEquals(6, calls("flaky"));
    }

    @Test
    void numRetriesBoundsTheTriesAfterEaiAgainAndOtherFailuresAreNotRetried() throws Exception {
        resolver = new GetAddrInfoResolver(getaddrinfo, 2, 1);
        eaiAgain.put("flaky", 2);
        assertEquals(1, lookup("flaky").get(5, TimeUnit.SECONDS).addresses().size(), "the third try answers");
        eaiAgain.put("down", 100);
        ExecutionException e = assertThrows(ExecutionException.class, () -> lookup("down").get(5, TimeUnit.SECONDS));
        assertInstanceOf(UnknownHostException.class, e.getCause());
        assertEquals(3, calls("down"), "the try and num_retries 2 more");
        assertThrows(ExecutionException.class, () -> lookup("missing").get(5, TimeUnit.SECONDS));
        assertEquals(1, calls("missing"), "EAI_NONAME is not retried");
    }

    @Test
    void aCancelledQueuedLookupIsNeverMade() throws Exception {
        resolver = new GetAddrInfoResolver(getaddrinfo, null, 1);
        held.put("slow", new CountDownLatch(1));
        CompletableFuture<DnsAnswer> slow = lookup("slow");
        CompletableFuture<DnsAnswer> abandoned = lookup("abandoned");
        CompletableFuture<DnsAnswer> next = lookup("next");
        assertTrue(abandoned.cancel(false));
        held.get("slow").countDown();
        next.get(5, TimeUnit.SECONDS);
        slow.get(5, TimeUnit.SECONDS);
        assertEquals(0, calls("abandoned"));
    }
}

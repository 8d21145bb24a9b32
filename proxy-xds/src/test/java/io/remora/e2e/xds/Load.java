package io.remora.e2e.xds;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Client threads sending GETs the whole time over keep-alive connections, recording every failure. */
final class Load implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    Load(int port, int threadCount, String... paths) {
        for (int t = 0; t < threadCount; t++) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Thread th = new Thread(() -> {
                int i = 0;
                while (running) {
                    String path = paths[i++ % paths.length];
                    try {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200 && r.body().startsWith("u")) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(path + " -> " + r.statusCode() + " " + r.headers().map() + " " + r.body());
                        }
                    } catch (Exception e) {
                        if (running) {
                            failures.add(path + " -> " + e);
                        }
                    }
                }
            }, "load-" + t);
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
    }

    /** Waits until at least n more requests succeeded: the load really runs across an update. */
    void awaitProgress(long n) {
        long target = ok.get() + n;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ok.get() < target) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("load made no progress; failures: " + failures);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}

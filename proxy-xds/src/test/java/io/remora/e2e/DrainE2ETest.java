package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM: stop accepting, let the in-flight request finish, exit 0. */
class DrainE2ETest {

    @Test
    void sigtermFinishesInFlightRequestsThenExitsZero() throws Exception {
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        CountDownLatch arrived = new CountDownLatch(1);
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> {
            arrived.countDown();
            req.retain();
            later.schedule(() -> {
                TestUpstream.send(ctx, req, 200, "finished");
                req.release();
            }, 1500, TimeUnit.MILLISECONDS);
        })) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), """
                    - match: { prefix: "/" }
                      route: { cluster: slow }
                    """, Bootstraps.cluster("slow", false, null, up.port()));
            ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx128m"), "--drain-time-s", "10");
            try {
                // HTTP/1.1: JDK 17's client fails every open stream on any GOAWAY, even Envoy's
                // graceful first one (the HCM's HTTP/2 drain has its own test with a Netty client).
                CompletableFuture<HttpResponse<String>> inFlight = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1).build().sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertTrue(arrived.await(10, TimeUnit.SECONDS));
                proxy.process().destroy(); // SIGTERM
                // New connections are refused once the listener stops accepting.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                boolean refused = false;
                while (!refused && System.nanoTime() < deadline) {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        Thread.sleep(50);
                    } catch (ConnectException e) {
                        refused = true;
                    }
                }
                assertTrue(refused, "listener still accepting after SIGTERM");
                HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                assertEquals("finished", r.body());
                assertTrue(proxy.process().waitFor(15, TimeUnit.SECONDS), "exits after the drain");
                assertEquals(0, proxy.process().exitValue(), proxy.log());
                assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
            } finally {
                proxy.close();
                later.shutdownNow();
            }
        }
    }
}

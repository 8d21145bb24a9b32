package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM: stop accepting, let the in-flight request finish, exit 0; idle connections do not hold the exit. */
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
        }); TestUpstream quick = TestUpstream.text("quick")) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), """
                    - match: { prefix: "/quick" }
                      route: { cluster: quick }
                    - match: { prefix: "/" }
                      route: { cluster: slow }
                    """, Bootstraps.cluster("slow", false, null, up.port()) + "\n"
                    + Bootstraps.cluster("quick", false, null, quick.port()));
            ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx128m"), "--drain-time-s", "10");
            try {
                // Leaves an idle pooled connection to the quick upstream.
                assertEquals(200, Curl.get(port, "/quick").status());
                assertEquals(1, quick.connections.get());
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
                // The pools drain at once: the idle upstream connection closes while the slow request is still in flight.
                while (quick.closed.get() == 0 && !inFlight.isDone()) {
                    Thread.sleep(20);
                }
                assertEquals(1, quick.closed.get(), "the idle upstream connection outlived the in-flight request");
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

    @Test
    void idleKeepAlivesCloseAtShutdownWhileABegunRequestFinishes() throws Exception {
        try (TestUpstream up = TestUpstream.start((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"))) {
            int admin = ProxyProcess.freePort();
            int port = ProxyProcess.freePort();
            String yaml = Bootstraps.http(admin, port, TempPaths.file("access", ".log").toString(), """
                    - match: { prefix: "/" }
                      route: { cluster: up }
                    """, Bootstraps.cluster("up", false, null, up.port()));
            ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx128m"), "--drain-time-s", "120");
            try (Socket h1 = new Socket("127.0.0.1", port); Socket partial = new Socket("127.0.0.1", port);
                 Socket h2 = new Socket("127.0.0.1", port)) {
                for (Socket s : List.of(h1, partial, h2)) {
                    s.setSoTimeout(20_000);
                }
                h1.getOutputStream().write("GET /a HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String first = readResponse(h1.getInputStream());
                assertTrue(first.startsWith("HTTP/1.1 200") && !first.contains("connection: close"), first);
                h2.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                h2.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
                partial.getOutputStream().write("GET /b HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(300); // the partial head and the HTTP/2 preface are read before the signal

                proxy.process().destroy(); // SIGTERM
                // The idle HTTP/1.1 connection is closed at once; HTTP/2 gets its final GOAWAY, then the close.
                assertEquals(-1, h1.getInputStream().read());
                assertTrue(goAwayBeforeEnd(h2.getInputStream()), "an idle HTTP/2 connection gets a GOAWAY");
                // A head already begun is answered, with connection: close.
                partial.getOutputStream().write("host: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String late = readResponse(partial.getInputStream());
                assertTrue(late.startsWith("HTTP/1.1 200") && late.contains("connection: close"), late);
                // Nothing is left open: no wait for the 120 s drain time.
                assertTrue(proxy.process().waitFor(20, TimeUnit.SECONDS), "idle connections held the exit");
                assertEquals(0, proxy.process().exitValue(), proxy.log());
                assertTrue(proxy.log().contains("every connection finished"), proxy.log());
            } finally {
                proxy.close();
            }
        }
    }

    /**
     * Envoy's handlerDrainListeners and DrainManagerImpl::drainClose: an inboundonly drain reaches only the INBOUND
     * listeners' connections, skip_exit never stops the listeners, and a later drain of all reaches the rest and,
     * after the drain time, stops every listener.
     */
    /** Every request answered 200 "ok" by the listener itself. */
    private static final String OK_ROUTE =
            "- match: { prefix: \"/\" }\n  direct_response: { status: 200, body: { inline_string: ok } }";

    /** A bootstrap with one HTTP listener "l" on {@code port} answering {@link #OK_ROUTE}. */
    private static String okListener(int admin, int port) {
        return Bootstraps.listeners(admin, Bootstraps.httpListener("l", "", "", OK_ROUTE),
                Bootstraps.cluster("unused", false, null, ProxyProcess.freePort()), java.util.Map.of("l", port));
    }

    @Test
    void inboundOnlyDrainLeavesOutboundListenersAndSkipExitKeepsThemAccepting() throws Exception {
        int admin = ProxyProcess.freePort();
        java.util.Map<String, Integer> ports = java.util.Map.of("in", ProxyProcess.freePort(),
                "out", ProxyProcess.freePort());
        String listeners = ListenerSocketOptionsE2ETest.withFields(Bootstraps.httpListener("in", "", "", OK_ROUTE),
                "traffic_direction: INBOUND") + "\n"
                + ListenerSocketOptionsE2ETest.withFields(Bootstraps.httpListener("out", "", "", OK_ROUTE),
                "traffic_direction: OUTBOUND");
        String yaml = Bootstraps.listeners(admin, listeners, Bootstraps.cluster("unused", false, null,
                ProxyProcess.freePort()), ports);
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx128m"), "--drain-time-s", "1")) {
            assertEquals(null, Curl.get(ports.get("in"), "/").header("connection"), "keep-alive before the drain");
            assertEquals(200, Curl.run("-X", "POST",
                    "http://127.0.0.1:" + admin + "/drain_listeners?inboundonly&graceful&skip_exit").status());
            assertEquals("close", Curl.get(ports.get("in"), "/").header("connection"), "the inbound listener drains");
            Curl out = Curl.get(ports.get("out"), "/");
            assertEquals(200, out.status());
            assertEquals(null, out.header("connection"), "an inboundonly drain leaves the outbound listener be");

            Thread.sleep(1500); // past the drain time: skip_exit left the listener accepting
            Curl in = Curl.get(ports.get("in"), "/");
            assertEquals(200, in.status(), "skip_exit: the inbound listener still accepts");

            assertEquals(200, Curl.run("-X", "POST",
                    "http://127.0.0.1:" + admin + "/drain_listeners?graceful").status());
            assertEquals("close", Curl.get(ports.get("out"), "/").header("connection"), "a drain of all reaches it");
            for (int port : ports.values()) {
                awaitRefused(port);
            }
        }
    }

    /**
     * Envoy's handlerDrainListeners without graceful: the listeners stop at once (listener_stopped, the port
     * refuses), the connections they own are told to drain (non_graceful_drain_notifies_connections), and the
     * server stays LIVE: /ready and server.state follow only the init manager and the health check.
     */
    @Test
    void aDrainWithoutGracefulStopsTheListenersAndLeavesTheServerLive() throws Exception {
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        String yaml = okListener(admin, port);
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx128m"), "--drain-time-s", "100",
                "--drain-strategy", "immediate"); Socket open = new Socket("127.0.0.1", port)) {
            open.setSoTimeout(20_000);
            byte[] get = "GET / HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            open.getOutputStream().write(get);
            String before = readResponse(open.getInputStream());
            assertTrue(before.startsWith("HTTP/1.1 200") && !before.contains("connection: close"), before);
            assertEquals(200, Curl.run("-X", "POST", "http://127.0.0.1:" + admin + "/drain_listeners").status());
            awaitRefused(port);
            open.getOutputStream().write(get);
            String r = readResponse(open.getInputStream());
            assertTrue(r.startsWith("HTTP/1.1 200") && r.contains("connection: close"), r);

            Curl ready = Curl.get(admin, "/ready");
            assertEquals(200, ready.status());
            assertEquals("LIVE\n", ready.text());
            String stats = Curl.get(admin, "/stats?filter=%5E%28server%5C.%28state%7Clive%29"
                    + "%7Clistener_manager%5C.listener_stopped%29%24").text();
            assertEquals("listener_manager.listener_stopped: 1\nserver.live: 1\nserver.state: 0\n", stats);
            String info = Curl.get(admin, "/server_info").text();
            assertTrue(info.replaceAll("\\s", "").contains("\"state\":\"LIVE\""), info);
        }
    }

    /**
     * Envoy's --drain-strategy: gradual (the default) tells a share of connections that grows with the time
     * elapsed, 1 in 100 in the first second of a 100 s drain; immediate tells every one from the start.
     */
    @Test
    void aGradualDrainClosesFewConnectionsAtItsStartAndAnImmediateOneEvery() throws Exception {
        int admin = ProxyProcess.freePort();
        int port = ProxyProcess.freePort();
        String yaml = okListener(admin, port);
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx128m"), "--drain-time-s", "100")) {
            assertEquals(200, Curl.run("-X", "POST",
                    "http://127.0.0.1:" + admin + "/drain_listeners?graceful&skip_exit").status());
            int closes = closesAmong(port, 40);
            // 40 answers at 1 in 100 each: more than 8 closes would be a chance under 1e-9.
            assertTrue(closes <= 8, closes + " of 40 responses closed their connection at a gradual drain's start");
            String info = Curl.get(admin, "/server_info").text();
            assertTrue(info.replaceAll("\\s", "").contains("\"drain_strategy\":\"Gradual\""), info);
        }
        try (ProxyProcess proxy = ProxyProcess.start(yaml, admin, List.of("-Xmx128m"), "--drain-time-s", "100",
                "--drain-strategy", "immediate")) {
            assertEquals(200, Curl.run("-X", "POST",
                    "http://127.0.0.1:" + admin + "/drain_listeners?graceful&skip_exit").status());
            assertEquals(10, closesAmong(port, 10), "an immediate drain closes every connection");
        }
    }

    /** Sends {@code n} requests on keep-alive connections, a new one after each close; how many closed. */
    private static int closesAmong(int port, int n) throws IOException {
        int closes = 0;
        Socket s = null;
        try {
            for (int i = 0; i < n; i++) {
                if (s == null) {
                    s = new Socket("127.0.0.1", port);
                    s.setSoTimeout(20_000);
                }
                s.getOutputStream().write("GET / HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String r = readResponse(s.getInputStream());
                assertTrue(r.startsWith("HTTP/1.1 200"), r);
                if (r.contains("connection: close")) {
                    closes++;
                    s.close();
                    s = null;
                }
            }
        } finally {
            if (s != null) {
                s.close();
            }
        }
        return closes;
    }

    private static void awaitRefused(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                Thread.sleep(50);
            } catch (IOException refused) {
                return;
            }
        }
        throw new AssertionError("port " + port + " still accepts");
    }

    /** One HTTP/1.1 response with a content-length body, as text. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return head.toString();
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }

    /** Reads HTTP/2 frames until the connection ends; whether a GOAWAY came. */
    private static boolean goAwayBeforeEnd(InputStream in) throws IOException {
        boolean goAway = false;
        byte[] header;
        while ((header = in.readNBytes(9)).length == 9) {
            int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | (header[2] & 0xff);
            goAway |= header[3] == 7;
            in.readNBytes(length);
        }
        return goAway;
    }
}

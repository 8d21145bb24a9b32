package io.remora.e2e;

import io.remora.testing.RawH2;
import io.remora.testing.SocketServers;
import io.remora.testing.TempPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that closes (FIN or RST) while the proxy has paused reading its HTTP/1.1 connection is
 * seen at once, as Envoy's early-close detection sees it (a read-disabled connection keeps its
 * Closed event armed unless half-close is enabled): the request in flight is reset, so the
 * upstream's connection closes, the access log says DC and downstream_cx_destroy_remote_active_rq
 * counts it. After a FIN the bytes the client sent while reads were off stay unread
 * (downstream_cx_rx_bytes_total), as in Envoy; a reset is met by reading them. Reads pause in two
 * ways here: a pipelined request (with a body) waiting behind one whose upstream holds its answer,
 * and an upload whose upstream reads nothing (flow control). HTTP/2 never pauses the socket's
 * reads: its client's close is seen as well. Epoll only: NIO has no early-close event (the close
 * is seen when reads resume). Each scenario has a listener (stat prefix) of its own.
 */
class PausedReadCloseE2ETest {

    /** Well under the route's (disabled) timeout and any idle timer: only the close can end the request. */
    private static final long PROMPT_MS = 5_000;
    /** Sent while the proxy reads nothing: well within the receive buffer, more than the bytes read before reads pause. */
    private static final int PENDING = 256 * 1024;

    static ProxyProcess proxy;
    static final Map<String, Integer> ports = new java.util.HashMap<>();
    static Path log;
    static ServerSocket holding;
    static ServerSocket deaf;
    /** Each request the holding upstream read, completed with how its connection ended. */
    static final BlockingQueue<CompletableFuture<String>> held = new LinkedBlockingQueue<>();
    /** The deaf upstream's connections, not read until a test drains them. */
    static final BlockingQueue<Socket> deafPeers = new LinkedBlockingQueue<>();
    static final List<Socket> peers = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        holding = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        SocketServers.acceptEach(holding, "holding-upstream", PausedReadCloseE2ETest::hold);
        deaf = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        SocketServers.acceptEach(deaf, "deaf-upstream", s -> {
            peers.add(s);
            deafPeers.add(s);
        });
        int admin = ProxyProcess.freePort();
        for (String n : List.of("pipelined_fin", "pipelined_rst", "upload_fin", "upload_rst", "h2")) {
            ports.put(n, ProxyProcess.freePort());
        }
        log = TempPaths.file("paused-close", ".log");
        String hcmFields = Bootstraps.fileAccessLog(log, "%REQ(:PATH)% flags=%RESPONSE_FLAGS% code=%RESPONSE_CODE%");
        StringBuilder listeners = new StringBuilder();
        for (String n : ports.keySet()) {
            // A receive buffer of a fixed 1 MiB (no autotuning): what the client sends while reads
            // are off fits, so its FIN is sent after it rather than held behind it in its send buffer.
            listeners.append(Bootstraps.httpListener(n, "", hcmFields, """
                    - match: { prefix: "/hold" }
                      route: { cluster: holding, timeout: 0s }
                    - match: { prefix: "/deaf" }
                      route: { cluster: deaf, timeout: 0s }
                    """).replaceFirst("  filter_chains:",
                    "  socket_options: [ { description: SO_RCVBUF, level: 1, name: 8, int_value: 1048576 } ]\n  filter_chains:"))
                    .append('\n');
        }
        String clusters = Bootstraps.cluster("holding", false, null, holding.getLocalPort()) + "\n"
                + Bootstraps.cluster("deaf", false, null, deaf.getLocalPort());
        proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners.toString(), clusters, ports), admin);
    }

    /** Reads one request head, then waits for the proxy to end the connection; answers nothing. */
    private static void hold(Socket s) {
        peers.add(s);
        CompletableFuture<String> end = new CompletableFuture<>();
        try (s) {
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.append((char) b);
            }
            held.add(end);
            byte[] buf = new byte[4096];
            while (in.read(buf) >= 0) {
                // a second request would be a bug the test reports through its count of held requests
            }
            end.complete("closed");
        } catch (IOException e) {
            end.complete("reset");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            String output = proxy.log();
            proxy.close();
            assertTrue(!output.contains("LEAK:"), "Netty reported a leaked buffer:\n" + output);
        }
        for (ServerSocket s : new ServerSocket[] {holding, deaf}) {
            if (s != null) {
                s.close();
            }
        }
        for (Socket s : peers) {
            s.close();
        }
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    private static double hcm(String prefix, String stat) throws Exception {
        return proxy.metric("envoy_http_" + stat + "{envoy_http_conn_manager_prefix=\"" + prefix + "\"}");
    }

    private static void await(String prefix, String stat, double value, long ms) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (hcm(prefix, stat) != value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("http." + prefix + "." + stat + " is " + hcm(prefix, stat) + ", not "
                        + value + "\n" + proxy.admin("/stats?filter=http." + prefix + "."));
            }
            Thread.sleep(20);
        }
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** FIN: an ordinary close; RST: SO_LINGER 0. */
    private static void close(Socket s, boolean reset) throws IOException {
        if (reset) {
            s.setSoLinger(true, 0);
        }
        s.close();
    }

    /** The request's access log line says the downstream closed (DC) with no response (code 0). */
    private static void assertLoggedAsDownstreamClose(String path) throws Exception {
        List<String> lines = LogFiles.await(log, l -> l.stream().anyMatch(x -> x.startsWith(path + " ")));
        String line = LogFiles.line(lines, path);
        assertEquals("DC", LogFiles.field(line, "flags"), line);
        assertEquals("0", LogFiles.field(line, "code"), line);
    }

    private static void write(Socket s, int bytes) throws IOException {
        s.getOutputStream().write(new byte[bytes]);
        s.getOutputStream().flush();
    }

    @ParameterizedTest(name = "reset: {0}")
    @ValueSource(booleans = {false, true})
    void aClientClosingWithAPipelinedRequestWaitingResetsTheRequestInFlight(boolean reset) throws Exception {
        String listener = reset ? "pipelined_rst" : "pipelined_fin";
        String path = "/hold/" + listener;
        Socket s = new Socket("127.0.0.1", ports.get(listener));
        peers.add(s);
        send(s, "GET " + path + " HTTP/1.1\r\nhost: x\r\n\r\n");
        CompletableFuture<String> upstream = held.poll(10, TimeUnit.SECONDS);
        assertNotNull(upstream, "the upstream never saw the first request");
        // Behind the request in flight the proxy stops reading: this waits in its socket's receive buffer.
        send(s, "POST /hold/second HTTP/1.1\r\nhost: x\r\ncontent-length: " + PENDING + "\r\n\r\n");
        write(s, PENDING);
        Thread.sleep(200); // all of it in the proxy's receive buffer: the FIN is not held behind it in the client's
        close(s, reset);

        String end = upstream.get(PROMPT_MS, TimeUnit.MILLISECONDS);
        assertTrue(end.equals("closed") || end.equals("reset"), end);
        await(listener, "downstream_cx_destroy_remote_active_rq", 1, PROMPT_MS);
        assertEquals(0, hcm(listener, "downstream_cx_destroy_local_active_rq"));
        assertEquals(0, hcm(listener, "downstream_rq_completed"));
        assertLoggedAsDownstreamClose(path);
        assertTrue(held.isEmpty(), "the pipelined request was sent upstream");
        // As Envoy's early close, the bytes before a FIN are not read. A reset is Netty's read
        // meeting ECONNRESET behind them (Envoy's detected close type RemoteReset).
        double read = hcm(listener, "downstream_cx_rx_bytes_total");
        assertTrue(reset || read < PENDING, "read " + read + " bytes of a connection whose reads were paused");
    }

    @ParameterizedTest(name = "reset: {0}")
    @ValueSource(booleans = {false, true})
    void aClientClosingDuringAnUploadTheProxyStoppedReadingResetsTheRequest(boolean reset) throws Exception {
        String listener = reset ? "upload_rst" : "upload_fin";
        String path = "/deaf/" + listener;
        long length = 256L << 20;
        Socket s = new Socket("127.0.0.1", ports.get(listener));
        peers.add(s);
        send(s, "POST " + path + " HTTP/1.1\r\nhost: x\r\ncontent-length: " + length + "\r\n\r\n");
        Socket upstream = deafPeers.poll(10, TimeUnit.SECONDS);
        assertNotNull(upstream, "the upstream was never connected");
        // A little at a time, so that what is unread when reads pause stays within the receive buffer.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (hcm(listener, "downstream_flow_control_paused_reading_total") < 1) {
            assertTrue(System.nanoTime() < deadline, "reads never paused");
            write(s, 64 * 1024);
        }
        Thread.sleep(200);
        double readWhenPaused = hcm(listener, "downstream_cx_rx_bytes_total");
        write(s, PENDING);
        Thread.sleep(200);
        close(s, reset);

        // The upstream still reads nothing, so the proxy's reads stay paused: only the close ends the request.
        await(listener, "downstream_cx_destroy_remote_active_rq", 1, PROMPT_MS);
        assertLoggedAsDownstreamClose(path);
        double readAfter = hcm(listener, "downstream_cx_rx_bytes_total") - readWhenPaused;
        assertTrue(reset || readAfter < PENDING, "read " + readAfter + " bytes after reads paused");
        // The upstream's request was reset: its connection ends before the whole body arrived.
        upstream.setSoTimeout((int) PROMPT_MS);
        long read = 0;
        byte[] buf = new byte[256 * 1024];
        try (InputStream in = upstream.getInputStream()) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                read += n;
            }
        } catch (java.net.SocketException resetByProxy) {
            // also a reset request
        }
        assertTrue(read < length, "the upstream read " + read + " bytes");
    }

    /** HTTP/2 flow control stops the client with windows, never the proxy's socket reads: a close is always seen. */
    @org.junit.jupiter.api.Test
    void anHttp2ClientClosingDuringAnUploadTheUpstreamDoesNotReadResetsItsStream() throws Exception {
        RawH2 h2 = new RawH2("127.0.0.1", ports.get("h2"));
        peers.add(h2.socket());
        String path = "/deaf/h2";
        h2.request(1, false, ":method", "POST", ":scheme", "http", ":path", path, ":authority", "x").flush();
        Socket upstream = deafPeers.poll(10, TimeUnit.SECONDS);
        assertNotNull(upstream, "the upstream was never connected");
        byte[] data = new byte[16 * 1024];
        for (int i = 0; i < 3; i++) {
            h2.frame(RawH2.DATA, 0, 1, data); // within the default stream window (64 KiB less one byte)
        }
        h2.flush();
        await("h2", "downstream_rq_active", 1, 10_000);
        h2.socket().close();
        await("h2", "downstream_cx_destroy_remote_active_rq", 1, PROMPT_MS);
        assertLoggedAsDownstreamClose(path);
    }
}

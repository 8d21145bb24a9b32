package io.remora.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code envoy.access_loggers.fluentd} and {@code envoy.tracers.fluentd} against a Fluentd Forward
 * protocol peer: a TCP server that decodes each MessagePack message as Fluentd's in_forward would.
 */
class FluentdAccessLogE2ETest {

    /** A Forward protocol server on a fixed port: every message it reads, and it can go down and up again. */
    private static final class ForwardReceiver implements AutoCloseable {
        final LinkedBlockingQueue<List<Object>> messages = new LinkedBlockingQueue<>();
        final List<Socket> connections = new CopyOnWriteArrayList<>();
        final int port;
        private ServerSocket server;

        ForwardReceiver() throws IOException {
            this(0);
        }

        private ForwardReceiver(int port) throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            this.port = s.getLocalPort();
            start(s);
        }

        private void start(ServerSocket s) {
            server = s;
            Thread accept = new Thread(() -> {
                while (!s.isClosed()) {
                    try {
                        Socket c = s.accept();
                        connections.add(c);
                        Thread read = new Thread(() -> read(c), "forward-read");
                        read.setDaemon(true);
                        read.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "forward-accept");
            accept.setDaemon(true);
            accept.start();
        }

        @SuppressWarnings("unchecked")
        private void read(Socket c) {
            try {
                MsgPackReader in = new MsgPackReader(c.getInputStream());
                while (true) {
                    messages.add((List<Object>) in.read());
                }
            } catch (EOFException e) {
                // the proxy closed
            } catch (IOException e) {
                // closed by down()
            }
        }

        /** The next entries ({@code [time, record]}) read, checking each message is {@code [tag, entries]}. */
        List<List<Object>> entries(String tag, int count) throws InterruptedException {
            return entries(tag, count, null);
        }

        /** As {@link #entries(String, int)}, each message ending with {@code options} when not null. */
        @SuppressWarnings("unchecked")
        List<List<Object>> entries(String tag, int count, Map<String, Object> options) throws InterruptedException {
            List<List<Object>> out = new ArrayList<>();
            while (out.size() < count) {
                List<Object> m = messages.poll(15, TimeUnit.SECONDS);
                assertNotNull(m, "a Forward message; entries so far: " + out);
                if (options == null) {
                    assertEquals(2, m.size(), "Forward mode: [tag, entries] and no option map: " + m);
                } else {
                    assertEquals(3, m.size(), "Forward mode with options: [tag, entries, options]: " + m);
                    assertEquals(List.copyOf(options.entrySet()), List.copyOf(((Map<String, Object>) m.get(2)).entrySet()));
                }
                assertEquals(tag, m.get(0));
                for (Object e : (List<Object>) m.get(1)) {
                    out.add((List<Object>) e);
                }
            }
            return out;
        }

        /** Stops listening and closes every connection: the server is gone. */
        void down() throws IOException {
            server.close();
            for (Socket c : connections) {
                c.close();
            }
            connections.clear();
        }

        /** Listens again on the same port. */
        void up() throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            start(s);
        }

        @Override
        public void close() throws IOException {
            down();
        }
    }

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    /** Each test's listener port, by listener name. */
    static final Map<String, Integer> ports = new HashMap<>();
    /** Each test's Fluentd receiver, by the same name; the tests without one log to a port nobody listens on. */
    static final Map<String, ForwardReceiver> receivers = new HashMap<>();

    /**
     * One proxy for the class: a listener per test to one upstream, each with its own Fluentd
     * logger (or tracer) and cluster. One worker, one upstream: what is buffered, lost and sent
     * in order does not depend on which worker logs.
     */
    @BeforeAll
    static void start() throws Exception {
        TestUpstream up = stack.upstream((ctx, req, n) -> TestUpstream.send(ctx, req, 200, "ok"));
        StringBuilder listeners = new StringBuilder();
        StringBuilder clusters = new StringBuilder(Bootstraps.cluster("up", false, null, up.port()));
        String[][] loggers = {{"typed", "true", TYPED_FIELDS}, {"reconnect", "true", RECONNECT_FIELDS},
                {"full", "false", FULL_FIELDS}, {"once", "false", ONCE_FIELDS}};
        for (String[] l : loggers) {
            int fluentd = fluentd(l[0], Boolean.parseBoolean(l[1]));
            clusters.append('\n').append(Bootstraps.cluster("fluentd_" + l[0], false, null, fluentd));
            listeners.append(listener(l[0], """
                    access_log:
                    - name: envoy.access_loggers.fluentd
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.access_loggers.fluentd.v3.FluentdAccessLogConfig
                        cluster: fluentd_%s
                    %s
                    """.formatted(l[0], Bootstraps.indent(l[2], 4))));
        }
        int spans = fluentd("spans", true);
        clusters.append('\n').append(Bootstraps.cluster("fluentd_spans", false, null, spans));
        listeners.append(listener("spans", """
                tracing:
                  random_sampling: { value: 100 }
                  provider:
                    name: envoy.tracers.fluentd
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.tracers.fluentd.v3.FluentdConfig
                      cluster: fluentd_spans
                      tag: mesh.traces
                      stat_prefix: spans
                      buffer_flush_interval: 0.1s
                """));
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners.toString(), clusters.toString(), ports)
                + GrpcAccessLogE2ETest.NODE, List.of("-Xmx256m"), "--concurrency", "1");
    }

    /** Test NAME's Fluentd port: its receiver's, or when not listening a port nobody listens on. */
    private static int fluentd(String name, boolean listening) throws IOException {
        if (!listening) {
            return ProxyProcess.freePort();
        }
        ForwardReceiver r = stack.own(new ForwardReceiver());
        receivers.put(name, r);
        return r.port;
    }

    /** A listener NAME on a port of its own to "up", with these connection manager fields (YAML). */
    private static String listener(String name, String hcmFields) {
        ports.put(name, ProxyProcess.freePort());
        return Bootstraps.httpListener(name, "", hcmFields, "- match: { prefix: \"/\" }\n  route: { cluster: up }");
    }

    private static void awaitStat(ProxyProcess proxy, String name, double atLeast) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        while (proxy.stat(name) < atLeast) {
            assertTrue(System.currentTimeMillis() < deadline, name + " reached " + atLeast + ": " + proxy.stat(name));
            Thread.sleep(50);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> record(List<Object> entry) {
        return (Map<String, Object>) entry.get(1);
    }

    private static final String TYPED_FIELDS = """
            tag: envoy.access
            stat_prefix: edge
            buffer_flush_interval: 0.2s
            record:
              status: "%RESPONSE_CODE%"
              method: "%REQ(:METHOD)%"
              missing: "%REQ(X-ABSENT)%"
              line: "%REQ(:METHOD)% %REQ(:PATH)% %REQ(X-ABSENT)%"
              upstream:
                cluster: "%UPSTREAM_CLUSTER%"
                weight: 7
                canary: true
                paths: ["%REQ(:PATH)%", "fixed"]
            """;

    @Test
    @SuppressWarnings("unchecked")
    void requestsBecomeRecordsUnderTheTagWithTypedFields() throws Exception {
        int port = ports.get("typed");
        long before = System.currentTimeMillis() / 1000;
        assertEquals(200, Curl.get(port, "/orders?id=7").status());
        assertEquals(200, Curl.get(port, "/second").status());
        List<List<Object>> entries = receivers.get("typed").entries("envoy.access", 2);
        long after = System.currentTimeMillis() / 1000;
        List<String> lines = new ArrayList<>();
        for (List<Object> entry : entries) {
            assertEquals(2, entry.size(), "an entry is [time, record]: " + entry);
            long time = (Long) entry.get(0);
            assertTrue(time >= before && time <= after, "time is the logging time in seconds: " + time);
            Map<String, Object> r = record(entry);
            assertEquals(List.of("line", "method", "missing", "status", "upstream"), List.copyOf(r.keySet()),
                    "keys sorted, as Envoy's JSON-to-MessagePack conversion sends them");
            assertEquals(200L, r.get("status"), "a lone operator keeps its type");
            assertEquals("GET", r.get("method"));
            assertTrue(r.containsKey("missing") && r.get("missing") == null, "missing: nil, " + r);
            Map<String, Object> upstream = (Map<String, Object>) r.get("upstream");
            assertEquals("up", upstream.get("cluster"));
            assertEquals(7L, upstream.get("weight"));
            assertEquals(true, upstream.get("canary"));
            assertEquals("fixed", ((List<Object>) upstream.get("paths")).get(1));
            lines.add((String) r.get("line"));
        }
        // Two workers may each send their own: the order between them is not kept.
        assertEquals(List.of("GET /orders?id=7 -", "GET /second -"), lines.stream().sorted().toList());
        awaitStat(proxy, "access_logs.fluentd.edge.events_sent", 1);
        assertEquals(2, proxy.stat("access_logs.fluentd.edge.entries_buffered"));
        assertEquals(0, proxy.stat("access_logs.fluentd.edge.entries_lost"));
    }

    private static final String RECONNECT_FIELDS = """
            tag: mesh
            stat_prefix: fd
            buffer_flush_interval: 0.1s
            record: { path: "%REQ(:PATH)%" }
            retry_options: { backoff_options: { base_interval: 0.05s, max_interval: 0.2s } }
            """;

    @Test
    void aServerThatGoesDownAndUpGetsTheBufferedEntriesAfterTheReconnect() throws Exception {
        ForwardReceiver fluentd = receivers.get("reconnect");
        int port = ports.get("reconnect");
        assertEquals(200, Curl.get(port, "/before").status());
        assertEquals("/before", record(fluentd.entries("mesh", 1).get(0)).get("path"));

        fluentd.down();
        awaitStat(proxy, "access_logs.fluentd.fd.connections_closed", 1);
        // Refused connects: each counts as a closed connection and is retried after the backoff.
        awaitStat(proxy, "access_logs.fluentd.fd.reconnect_attempts", 2);
        assertTrue(proxy.stat("access_logs.fluentd.fd.connections_closed") >= 2);
        assertEquals(200, Curl.get(port, "/during").status());

        fluentd.up();
        assertEquals("/during", record(fluentd.entries("mesh", 1).get(0)).get("path"),
                "what was buffered while the server was down is sent once it is back");
        assertEquals(200, Curl.get(port, "/after").status());
        assertEquals("/after", record(fluentd.entries("mesh", 1).get(0)).get("path"));
        assertEquals(3, proxy.stat("access_logs.fluentd.fd.entries_buffered"));
        assertEquals(0, proxy.stat("access_logs.fluentd.fd.entries_lost"));
    }

    /** One entry fills the buffer; the server never answers, so it is never sent nor cleared. */
    private static final String FULL_FIELDS = """
            tag: mesh
            stat_prefix: full
            buffer_size_bytes: 1
            record: { path: "%REQ(:PATH)%" }
            """;

    @Test
    void entriesPastAFullBufferAreLostAndCounted() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Curl.get(ports.get("full"), "/r" + i).status());
        }
        awaitStat(proxy, "access_logs.fluentd.full.entries_lost", 2);
        assertEquals(1, proxy.stat("access_logs.fluentd.full.entries_buffered"));
        assertEquals(2, proxy.stat("access_logs.fluentd.full.entries_lost"));
        assertEquals(0, proxy.stat("access_logs.fluentd.full.events_sent"));
        assertTrue(proxy.admin("/stats/prometheus").contains(
                "envoy_access_logs_fluentd_entries_lost{envoy_access_log_prefix=\"full\"} 2"));
    }

    private static final String ONCE_FIELDS = """
            tag: mesh
            stat_prefix: once
            buffer_flush_interval: 0.05s
            record: { path: "%REQ(:PATH)%" }
            retry_options: { max_connect_attempts: 1, backoff_options: { base_interval: 0.01s } }
            """;

    @Test
    void afterMaxConnectAttemptsEveryEntryIsLost() throws Exception {
        int port = ports.get("once");
        assertEquals(200, Curl.get(port, "/first").status());
        awaitStat(proxy, "access_logs.fluentd.once.connections_closed", 1);
        for (int i = 0; i < 2; i++) {
            assertEquals(200, Curl.get(port, "/later").status());
        }
        awaitStat(proxy, "access_logs.fluentd.once.entries_lost", 2);
        Thread.sleep(300); // several flush intervals: no connect is tried again
        assertEquals(1, proxy.stat("access_logs.fluentd.once.connections_closed"));
        assertEquals(0, proxy.stat("access_logs.fluentd.once.reconnect_attempts"));
        assertEquals(1, proxy.stat("access_logs.fluentd.once.entries_buffered"));
    }

    @Test
    void aTracedRequestBecomesASpanRecordWithEnvoysOptions() throws Exception {
        ForwardReceiver fluentd = receivers.get("spans");
        int port = ports.get("spans");
        long before = System.currentTimeMillis() / 1000;
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String parent = "00f067aa0ba902b7";
        assertEquals(200, Curl.get(port, "/orders", "traceparent: 00-" + traceId + "-" + parent + "-01")
                .status());
        Map<String, Object> options = new java.util.LinkedHashMap<>();
        options.put("TimeFormat", "DateTime");
        options.put("fluent_signal", "2");
        List<Object> entry = fluentd.entries("mesh.traces", 1, options).get(0);
        long after = System.currentTimeMillis() / 1000;
        long time = (Long) entry.get(0);
        assertTrue(time >= before && time <= after, "the span's end in seconds: " + time);
        Map<String, Object> r = record(entry);
        List<String> keys = List.copyOf(r.keySet());
        assertEquals(keys.stream().sorted().toList(), keys, "keys in byte order, as Envoy's std::map");
        assertEquals("ingress", r.get("operation"));
        assertEquals(traceId, r.get("trace_id"), "the incoming trace continues");
        String spanId = (String) r.get("span_id");
        assertTrue(spanId.matches("[0-9a-f]{16}") && !spanId.equals(parent), "the proxy's own span: " + spanId);
        long start = Long.parseLong((String) r.get("start_time"));
        assertTrue(start >= before && start <= Long.parseLong((String) r.get("end_time")), r.toString());
        assertEquals("200", r.get("http.status_code"));
        assertEquals("up", r.get("upstream_cluster"));
        assertEquals("GET", r.get("http.method"));
        awaitStat(proxy, "tracing.fluentd.spans.events_sent", 1);
        assertEquals(1, proxy.stat("tracing.fluentd.spans.entries_buffered"));

        // Envoy's Fluentd tracer logs a span the caller did not sample too.
        assertEquals(200, Curl.get(port, "/unsampled", "traceparent: 00-" + traceId + "-" + parent + "-00")
                .status());
        Map<String, Object> unsampled = record(fluentd.entries("mesh.traces", 1, options).get(0));
        assertEquals(traceId, unsampled.get("trace_id"));
        assertEquals("200", unsampled.get("http.status_code"));
    }
}

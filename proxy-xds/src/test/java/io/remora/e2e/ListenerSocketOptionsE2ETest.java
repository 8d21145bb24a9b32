package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener's socket fields as the kernel and the stats show them (two workers): tcp_backlog_size
 * is the listening sockets' backlog (ss's Send-Q; unset: net.core.somaxconn), enable_reuse_port
 * false makes one socket instead of one per worker, exact_balance keeps the workers' connection
 * counts within one of each other, tcp_fast_open_queue_length binds; drain_type MODIFY_ONLY keeps
 * a listener's HTTP connections open through /healthcheck/fail while a DEFAULT one closes them,
 * and a JSON access log's keys come sorted, with json_format_options.sort_properties or without.
 */
class ListenerSocketOptionsE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();
    static ProxyProcess proxy;
    static Path sortedLog;
    static Path configuredLog;
    static final Map<String, Integer> PORTS = new HashMap<>();

    static String withFields(String listener, String fields) {
        return listener.replaceFirst("  filter_chains:", Bootstraps.indent(fields, 2) + "\n  filter_chains:");
    }

    static String jsonLog(Path path, boolean sorted) {
        return """
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format:
                      json_format: { zeta: "%%RESPONSE_CODE%%", alpha: "%%REQ(:PATH)%%", mid: "%%PROTOCOL%%" }
                """.formatted(path) + (sorted ? "      json_format_options: { sort_properties: true }\n" : "");
    }

    @BeforeAll
    static void start() throws Exception {
        TestUpstream up = stack.own(TestUpstream.text("ok"));
        sortedLog = TempPaths.file("sorted", ".log");
        configuredLog = TempPaths.file("configured", ".log");
        for (String name : List.of("backlog", "plain", "shared", "exact", "fastopen", "drained", "kept")) {
            PORTS.put(name, ProxyProcess.freePort());
        }
        String route = "- match: { prefix: \"/\" }\n  route: { cluster: up }";
        String listeners = String.join("\n",
                withFields(Bootstraps.tcpListener("backlog", "up"), "tcp_backlog_size: 7"),
                Bootstraps.tcpListener("plain", "up"),
                withFields(Bootstraps.tcpListener("shared", "up"), "enable_reuse_port: false"),
                withFields(Bootstraps.tcpListener("exact", "up"), "connection_balance_config: { exact_balance: {} }"),
                withFields(Bootstraps.tcpListener("fastopen", "up"), "tcp_fast_open_queue_length: 5"),
                Bootstraps.httpListener("drained", "", jsonLog(sortedLog, true), route),
                withFields(Bootstraps.httpListener("kept", "", jsonLog(configuredLog, false), route),
                        "drain_type: MODIFY_ONLY"));
        proxy = stack.start(Bootstraps.listeners(stack.adminPort, listeners,
                Bootstraps.cluster("up", false, null, up.port()), PORTS));
    }

    /** The listening sockets on the port, one {@code ss} line each: State Recv-Q Send-Q Local Peer. */
    static List<String[]> listening(String name) throws Exception {
        List<String[]> out = new ArrayList<>();
        for (String line : SocketOptionsE2ETest.ss("-ltnH", "sport = :" + PORTS.get(name)).split("\n")) {
            if (!line.isBlank()) {
                out.add(line.trim().split("\\s+"));
            }
        }
        return out;
    }

    @Test
    void backlogIsTheListeningSocketsQueueLength() throws Exception {
        List<String[]> backlog = listening("backlog");
        assertEquals(2, backlog.size(), "one socket per worker");
        for (String[] socket : backlog) {
            assertEquals("7", socket[2], String.join(" ", socket));
        }
        String somaxconn = Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0).trim();
        for (String[] socket : listening("plain")) {
            assertEquals(somaxconn, socket[2], "unset: listen(-1), the kernel's somaxconn, as Envoy on Linux");
        }
    }

    @Test
    void reusePortFalseSharesOneSocket() throws Exception {
        assertEquals(2, listening("plain").size(), "SO_REUSEPORT by default: one socket per worker");
        assertEquals(1, listening("shared").size(), "enable_reuse_port: false");
        assertEquals("ok", AdditionalAddressesE2ETest.get("127.0.0.1", PORTS.get("shared")));
        assertEquals("ok", AdditionalAddressesE2ETest.get("127.0.0.1", PORTS.get("fastopen")));
    }

    /**
     * Connections opened one at a time and held: after each, the two workers' active counts differ
     * by at most one. With the kernel's SO_REUSEPORT hashing alone, 24 connections stay that even
     * with a chance of 1 in 4096.
     */
    @Test
    void exactBalanceKeepsTheWorkersEven() throws Exception {
        String scope = "listener.127.0.0.1_" + PORTS.get("exact") + ".";
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 1; i <= 24; i++) {
                open.add(new Socket("127.0.0.1", PORTS.get("exact")));
                awaitStat(scope + "downstream_cx_active", i);
                double w0 = proxy.stat(scope + "worker_0.downstream_cx_active");
                double w1 = proxy.stat(scope + "worker_1.downstream_cx_active");
                assertEquals(i, w0 + w1, "every connection counted on a worker");
                assertTrue(Math.abs(w0 - w1) <= 1, "after " + i + " connections: worker_0 " + w0 + ", worker_1 " + w1);
            }
            assertEquals(12, proxy.stat(scope + "worker_0.downstream_cx_total"));
            assertEquals(12, proxy.stat(scope + "worker_1.downstream_cx_total"));
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        awaitStat(scope + "downstream_cx_active", 0);
        assertEquals(0, proxy.stat(scope + "worker_0.downstream_cx_active"));
        assertEquals(0, proxy.stat(scope + "worker_1.downstream_cx_active"));
    }

    static void awaitStat(String name, double value) throws Exception {
        double seen = -1;
        for (int i = 0; i < 200 && (seen = proxy.stat(name)) != value; i++) {
            Thread.sleep(25);
        }
        assertEquals(value, seen, name);
    }

    static void adminPost(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(proxy.adminUri(path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
    }

    @Test
    void modifyOnlyListenersDoNotDrainOnAFailedHealthCheck() throws Exception {
        assertNull(Curl.get(PORTS.get("drained"), "/").header("connection"), "keep-alive while healthy");
        adminPost("/healthcheck/fail");
        try {
            Curl drained = Curl.get(PORTS.get("drained"), "/");
            assertEquals(200, drained.status());
            assertEquals("close", drained.header("connection"), "drain_type DEFAULT drains");
            Curl kept = Curl.get(PORTS.get("kept"), "/");
            assertEquals(200, kept.status());
            assertNull(kept.header("connection"), "drain_type MODIFY_ONLY does not");
        } finally {
            adminPost("/healthcheck/ok");
        }
        assertNull(Curl.get(PORTS.get("drained"), "/").header("connection"), "/healthcheck/ok ends the drain");
    }

    @Test
    void sortPropertiesOrdersTheJsonKeys() throws Exception {
        Curl.get(PORTS.get("drained"), "/sorted");
        Curl.get(PORTS.get("kept"), "/configured");
        String sorted = awaitLine(sortedLog, "/sorted");
        assertEquals("{\"alpha\":\"/sorted\",\"mid\":\"HTTP/1.1\",\"zeta\":200}", sorted);
        String configured = awaitLine(configuredLog, "/configured");
        assertEquals("{\"alpha\":\"/configured\",\"mid\":\"HTTP/1.1\",\"zeta\":200}", configured,
                "without sort_properties sorted too: Envoy always sorts (the option is deprecated)");
    }

    static String awaitLine(Path log, String path) throws Exception {
        for (int i = 0; i < 200; i++) {
            for (String line : Files.readAllLines(log)) {
                if (line.contains("\"" + path + "\"")) {
                    return line;
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no access log line for " + path + " in " + log);
    }
}

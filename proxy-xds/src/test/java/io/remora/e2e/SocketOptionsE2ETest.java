package io.remora.e2e;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener's {@code socket_options} reach the kernel, as {@code ss} shows them: SO_RCVBUF on the
 * listening socket (Linux reports twice the value), and SO_KEEPALIVE inherited by the connections
 * it accepts (a keepalive timer); a listener without options accepts connections without one. A
 * cluster's {@code upstream_bind_config.socket_options} are set on its upstream connections.
 */
class SocketOptionsE2ETest {

    @Test
    void optionsAreSetOnTheListeningSocket() throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("opts", ProxyProcess.freePort(), "plain", ProxyProcess.freePort());
            String listeners = Bootstraps.tcpListener("opts", "up").replaceFirst("  filter_chains:",
                    "  socket_options:\n  - { description: SO_RCVBUF, level: 1, name: 8, int_value: 65536 }\n"
                            + "  - { description: SO_KEEPALIVE, level: 1, name: 9, int_value: 1 }\n  filter_chains:")
                    + "\n" + Bootstraps.tcpListener("plain", "up");
            String bind = """
                      upstream_bind_config:
                        socket_options: [ { description: SO_KEEPALIVE, level: 1, name: 9, int_value: 1 } ]
                    """;
            try (ProxyProcess proxy = ProxyProcess.start(Bootstraps.listeners(admin, listeners,
                    Bootstraps.cluster("up", false, bind, up.port()), ports), admin)) {
                String listening = ss("-tlmn", "sport = :" + ports.get("opts"));
                assertTrue(listening.contains("rb131072"), listening);
                try (Socket withOpts = new Socket("127.0.0.1", ports.get("opts"));
                     Socket without = new Socket("127.0.0.1", ports.get("plain"))) {
                    withOpts.setSoTimeout(5000);
                    String accepted = "";
                    for (int i = 0; i < 50 && !accepted.contains("keepalive"); i++) {
                        accepted = ss("-tnoH", "state", "established", "sport = :" + ports.get("opts"));
                        Thread.sleep(50);
                    }
                    assertTrue(accepted.contains("timer:(keepalive"), accepted);
                    String plain = ss("-tnoH", "state", "established", "sport = :" + ports.get("plain"));
                    assertFalse(plain.isBlank(), "the plain listener's connection is there");
                    assertFalse(plain.contains("keepalive"), plain);
                    String upstream = "";
                    for (int i = 0; i < 50 && !upstream.contains("keepalive"); i++) {
                        upstream = ss("-tnoH", "state", "established", "dport = :" + up.port());
                        Thread.sleep(50);
                    }
                    assertTrue(upstream.contains("timer:(keepalive"), "the cluster's bind options: " + upstream);
                }
            }
        }
    }

    /**
     * Envoy's SocketOption {@code state} and {@code type}: a STATE_LISTENING SO_RCVBUF listed before a
     * STATE_PREBIND one is still set last (ss shows twice its value), a datagram-only option is not set
     * on a TCP listener while a stream-only one is; {@code admin.socket_options} reach the admin's
     * socket; {@code cluster_manager.upstream_bind_config} binds the upstream connections of a cluster
     * without its own; a pipe listener's {@code mode} is its socket file's mode.
     */
    @Test
    void statesTypesAdminOptionsDefaultBindAndPipeMode(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        try (TestUpstream up = TestUpstream.text("ok")) {
            int admin = ProxyProcess.freePort();
            Map<String, Integer> ports = Map.of("ordered", ProxyProcess.freePort(), "typed", ProxyProcess.freePort());
            java.nio.file.Path sock = dir.resolve("l.sock");
            String listeners = Bootstraps.tcpListener("ordered", "up").replaceFirst("  filter_chains:",
                    "  socket_options:\n  - { level: 1, name: 8, int_value: 16384, state: STATE_LISTENING }\n"
                            + "  - { level: 1, name: 8, int_value: 24576 }\n  filter_chains:")
                    + "\n" + Bootstraps.tcpListener("typed", "up").replaceFirst("  filter_chains:",
                    "  socket_options:\n  - { level: 1, name: 8, int_value: 16384, type: { datagram: {} } }\n"
                            + "  - { level: 1, name: 9, int_value: 1, type: { stream: {} } }\n  filter_chains:")
                    + "\n" + Bootstraps.tcpListener("pipe", "up").replace("socket_address: { address: 127.0.0.1,"
                    + " port_value: ${pipe} }", "pipe: { path: " + sock + ", mode: 416 }");
            String yaml = "cluster_manager:\n  upstream_bind_config:\n"
                    + "    socket_options: [ { level: 1, name: 9, int_value: 1 } ]\n"
                    + Bootstraps.listeners(admin, listeners, Bootstraps.cluster("up", false, null, up.port()), ports)
                    .replaceFirst("(port_value: " + admin + " } }\n)", "$1  socket_options: [ { level: 1, name: 8,"
                            + " int_value: 16384, state: STATE_BOUND } ]\n");
            try (ProxyProcess proxy = ProxyProcess.start(yaml, admin)) {
                String ordered = ss("-tlmn", "sport = :" + ports.get("ordered"));
                assertTrue(ordered.contains("rb32768"), "the STATE_LISTENING option is set last: " + ordered);
                String typed = ss("-tlmn", "sport = :" + ports.get("typed"));
                assertFalse(typed.contains("rb32768"), "a datagram option is not set on TCP: " + typed);
                String adminSocket = ss("-tlmn", "sport = :" + admin);
                assertTrue(adminSocket.contains("rb32768"), "admin.socket_options: " + adminSocket);
                assertEquals("640", stat("-c", "%a", sock.toString()).strip(), "pipe.mode");
                try (Socket s = new Socket("127.0.0.1", ports.get("typed"))) {
                    s.setSoTimeout(5000);
                    String accepted = "";
                    String upstream = "";
                    for (int i = 0; i < 50 && !(accepted.contains("keepalive") && upstream.contains("keepalive")); i++) {
                        accepted = ss("-tnoH", "state", "established", "sport = :" + ports.get("typed"));
                        upstream = ss("-tnoH", "state", "established", "dport = :" + up.port());
                        Thread.sleep(50);
                    }
                    assertTrue(accepted.contains("timer:(keepalive"), "a stream option on TCP: " + accepted);
                    assertTrue(upstream.contains("timer:(keepalive"), "cluster_manager.upstream_bind_config: "
                            + upstream);
                }
            }
        }
    }

    /** {@code ss} with these arguments: its output (it must succeed). */
    static String ss(String... args) throws Exception {
        return run("ss", args);
    }

    private static String stat(String... args) throws Exception {
        return run("stat", args);
    }

    private static String run(String tool, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = tool;
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}

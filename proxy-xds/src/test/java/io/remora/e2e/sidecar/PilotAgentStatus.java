package io.remora.e2e.sidecar;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A stand-in for pilot-agent's status server (port 15020), which Istio's bootstrap routes the
 * readiness listener's {@code /healthz/ready} to. It judges readiness as pilot-agent's probe does
 * (pilot/cmd/pilot-agent/status/ready): the proxy's admin {@code /stats?usedonly&filter=...} must show
 * CDS and LDS updates accepted, {@code server.state} 0 (LIVE) and {@code listener_manager.workers_started}
 * 1. The requests go out with the regex unescaped, as Go's client sends them.
 *
 * <p>Run as {@code PilotAgentStatus <status port> <admin port>} inside the pod's network namespace.
 */
public final class PilotAgentStatus {
    static final String UPDATE_STATS = "^(cluster_manager\\.cds|listener_manager\\.lds)\\.(update_success|update_rejected)$";
    static final String READY_STATS = "^(server\\.state|listener_manager\\.workers_started)";

    private PilotAgentStatus() {
    }

    public static void main(String[] args) throws IOException {
        int statusPort = Integer.parseInt(args[0]);
        int adminPort = Integer.parseInt(args[1]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", statusPort), 16);
        server.createContext("/healthz/ready", ex -> {
            String problem;
            try {
                problem = check(adminPort);
            } catch (IOException e) {
                problem = "admin unreachable: " + e.getMessage();
            }
            byte[] body = (problem == null ? "ready" : problem).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(problem == null ? 200 : 503, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("pilot-agent status listening on " + statusPort);
    }

    /** Null when ready, else why not (in pilot-agent's words). */
    static String check(int adminPort) throws IOException {
        Map<String, Long> updates = stats(adminPort, UPDATE_STATS);
        long cds = updates.getOrDefault("cluster_manager.cds.update_success", 0L);
        long lds = updates.getOrDefault("listener_manager.lds.update_success", 0L);
        if (cds == 0 || lds == 0) {
            return "config not received from XDS server (or not accepted): " + updates;
        }
        Map<String, Long> ready = stats(adminPort, READY_STATS);
        if (!ready.containsKey("server.state") || !ready.containsKey("listener_manager.workers_started")) {
            return "server.state / workers_started not yet reported: " + ready;
        }
        if (ready.get("server.state") != 0) {
            return "server is not live, current state is: " + ready.get("server.state");
        }
        if (ready.get("listener_manager.workers_started") != 1) {
            return "workers have not yet started";
        }
        return null;
    }

    /** GET /stats?usedonly&filter=REGEX on the admin, regex raw in the request line; name -> value. */
    static Map<String, Long> stats(int adminPort, String regex) throws IOException {
        try (Socket s = new Socket("127.0.0.1", adminPort)) {
            s.setSoTimeout(3000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /stats?usedonly&filter=" + regex + " HTTP/1.1\r\nHost: 127.0.0.1:" + adminPort
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int head = response.indexOf("\r\n\r\n");
            if (!response.startsWith("HTTP/1.1 200") || head < 0) {
                throw new IOException("admin answered: " + response.lines().findFirst().orElse(""));
            }
            Map<String, Long> out2 = new HashMap<>();
            for (String line : response.substring(head + 4).split("\n")) {
                int colon = line.indexOf(": ");
                if (colon > 0) {
                    try {
                        out2.put(line.substring(0, colon).trim(), Long.parseLong(line.substring(colon + 2).trim()));
                    } catch (NumberFormatException ignored) {
                        // a histogram line; not one of ours
                    }
                }
            }
            return out2;
        }
    }
}

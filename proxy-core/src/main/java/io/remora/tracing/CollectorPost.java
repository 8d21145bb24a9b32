package io.remora.tracing;

import io.remora.upstream.Cluster;
import io.remora.upstream.ClusterManager;
import io.remora.upstream.Host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * How span exporters reach an HTTP collector: one blocking HTTP/1.1 POST on the exporter's own
 * thread, never on a worker, to a healthy host of the collector's cluster.
 */
public final class CollectorPost {

    private CollectorPost() {
    }

    /** A healthy host of {@code cluster}, or null when there is none (or no such cluster). */
    public static SocketAddress target(ClusterManager clusters, String cluster) {
        Cluster c = clusters.get(cluster);
        if (c == null) {
            return null;
        }
        for (Host h : c.hosts()) {
            if (h.isHealthy() && h.address() instanceof InetSocketAddress) {
                return h.address();
            }
        }
        return null;
    }

    /**
     * POSTs {@code body} and reads the answer's status.
     *
     * @param headers more request headers (name to value), set as they are
     * @throws IOException when the collector cannot be reached or does not answer in time
     */
    public static int post(SocketAddress target, String path, String host, String contentType,
                           Map<String, String> headers, byte[] body, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(target, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            StringBuilder head = new StringBuilder(256).append("POST ").append(path).append(" HTTP/1.1\r\nHost: ")
                    .append(host).append("\r\nContent-Type: ").append(contentType)
                    .append("\r\nContent-Length: ").append(body.length).append("\r\nConnection: close\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return statusCode(socket.getInputStream());
        }
    }

    /** The status of an HTTP/1.x status line ({@code HTTP/1.1 202 Accepted}). */
    private static int statusCode(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n' && line.length() < 256) {
            line.append((char) c);
        }
        String[] parts = line.toString().trim().split(" ");
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP response: '" + line + "'");
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad status line: '" + line + "'");
        }
    }
}

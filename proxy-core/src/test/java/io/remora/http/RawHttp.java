package io.remora.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A plain socket HTTP/1.1 client for what HttpClient hides: pipelining, bad requests, framing. */
final class RawHttp implements AutoCloseable {

    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    final Socket socket;
    private final InputStream in;
    /** The status line of the last response read. */
    String statusLine;

    RawHttp(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
    }

    void send(String s) throws IOException {
        socket.getOutputStream().write(s.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Reads the status line and headers of a response to HEAD (no body follows). */
    Response readHead() throws IOException {
        int status = Integer.parseInt(line().split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(); l != null && !l.isEmpty(); l = line()) {
            int c = l.indexOf(':');
            headers.put(l.substring(0, c).trim().toLowerCase(), l.substring(c + 1).trim());
        }
        return new Response(status, headers, "");
    }

    /** Reads one response; HEAD-less: body by content-length, chunked, or until close. */
    Response read() throws IOException {
        statusLine = line();
        if (statusLine == null) {
            return null;
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(); l != null && !l.isEmpty(); l = line()) {
            int c = l.indexOf(':');
            headers.merge(l.substring(0, c).trim().toLowerCase(), l.substring(c + 1).trim(), (a, b) -> a + "," + b);
        }
        if (status == 100) {
            return new Response(status, headers, "");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.containsKey("content-length")) {
            int n = Integer.parseInt(headers.get("content-length"));
            body.write(in.readNBytes(n));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (true) {
                int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                if (size == 0) {
                    for (String l = line(); l != null && !l.isEmpty(); l = line()) {
                        int c = l.indexOf(':');
                        headers.put("trailer:" + l.substring(0, c).trim().toLowerCase(), l.substring(c + 1).trim());
                    }
                    break;
                }
                body.write(in.readNBytes(size));
                line();
            }
        } else if (status != 204 && status != 304) {
            body.write(in.readAllBytes());
        }
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    /** True when the server closed the connection (EOF within the socket timeout). */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package io.remora.e2e;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream on loopback that expects a PROXY protocol header (version 1 or 2) first on each
 * connection and records its exact bytes, the byte after it and the connection's peer port. After
 * the header it answers HTTP/1.1 requests (keep-alive unless asked to close) with {@code conn=<n>}, n counting its
 * connections from 1; a connection whose next byte is not a request's (a TLS ClientHello) is closed.
 */
final class ProxyHeaderRecorder implements AutoCloseable {

    /**
     * One connection.
     *
     * @param header   the PROXY header's bytes
     * @param next     the first byte after it, -1 when the peer closed
     * @param peerPort the proxy's port of this connection
     * @param number   1 for the first connection
     */
    record Received(byte[] header, int next, int peerPort, int number) {
        String text() {
            return new String(header, StandardCharsets.US_ASCII);
        }
    }

    private final ServerSocket server;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final AtomicInteger connections = new AtomicInteger();

    private ProxyHeaderRecorder() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "proxy-header-recorder");
        t.setDaemon(true);
        t.start();
    }

    static ProxyHeaderRecorder start() throws IOException {
        return new ProxyHeaderRecorder();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The next connection's header, waiting up to 20 s. */
    Received next() throws InterruptedException {
        Received r = received.poll(20, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no connection with a PROXY header within 20 s");
        }
        return r;
    }

    /** A connection recorded but not taken yet, or null. */
    Received poll() {
        return received.poll();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                int number = connections.incrementAndGet();
                Thread c = new Thread(() -> serve(s, number), "proxy-header-conn");
                c.setDaemon(true);
                c.start();
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void serve(Socket s, int number) {
        try (s) {
            s.setSoTimeout(30_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] header = readHeader(in);
            int next = in.read();
            received.add(new Received(header, next, s.getPort(), number));
            if (next == 'G' || next == 'P') {
                answer(in, s.getOutputStream(), (char) next, number);
            }
        } catch (IOException e) {
            // the peer went, or a header that was not one: nothing recorded
        }
    }

    private static byte[] readHeader(DataInputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int first = in.read();
        if (first < 0) {
            throw new IOException("closed");
        }
        out.write(first);
        if (first == 'P') { // version 1: up to CRLF
            int b;
            while ((b = in.read()) >= 0) {
                out.write(b);
                if (b == '\n') {
                    return out.toByteArray();
                }
            }
            throw new IOException("closed in a version 1 header");
        }
        byte[] fixed = new byte[15];
        in.readFully(fixed);
        out.write(fixed);
        int length = ((fixed[13] & 0xFF) << 8) | (fixed[14] & 0xFF);
        byte[] rest = new byte[length];
        in.readFully(rest);
        out.write(rest);
        return out.toByteArray();
    }

    /** HTTP/1.1 requests without bodies, each answered {@code conn=<number>}, until the peer closes. */
    private static void answer(InputStream in, OutputStream out, char first, int number) throws IOException {
        StringBuilder head = new StringBuilder().append(first);
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                byte[] body = ("conn=" + number).getBytes(StandardCharsets.US_ASCII);
                out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                if (head.toString().toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n")) {
                    return;
                }
                head.setLength(0);
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}

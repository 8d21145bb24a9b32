package io.remora.e2e.xds;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client threads sending GETs the whole time over keep-alive HTTP/1.1 connections, recording every
 * failure. Deliberately strict: a plain socket client that never retries (the JDK client silently
 * retries idempotent requests on a closed connection, which would hide a connection killed under a
 * request). It opens a new connection only when the proxy said {@code connection: close}.
 */
final class Load implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong connections = new AtomicLong();
    final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    Load(int port, int threadCount, String... paths) {
        for (int t = 0; t < threadCount; t++) {
            Thread th = new Thread(() -> loop(port, paths), "load-" + t);
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
    }

    private void loop(int port, String[] paths) {
        Socket socket = null;
        int i = 0;
        while (running) {
            String path = paths[i++ % paths.length];
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                    socket.setSoTimeout(5000);
                    connections.incrementAndGet();
                }
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nhost: load\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Response r = Response.read(new BufferedInputStream(socket.getInputStream(), 1));
                if (r.status == 200 && r.body.startsWith("u")) {
                    ok.incrementAndGet();
                } else {
                    failures.add(path + " -> " + r.status + " " + r.body);
                }
                if (r.close) {
                    socket.close();
                    socket = null;
                }
            } catch (IOException e) {
                failures.add(path + " -> " + e);
                closeQuietly(socket);
                socket = null;
            }
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            if (s != null) {
                s.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private record Response(int status, String body, boolean close) {
        /** One response with a content-length body (what the proxy sends for these small replies). */
        static Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine == null) {
                throw new IOException("connection closed before a response");
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            int length = 0;
            boolean close = false;
            String l;
            while ((l = line(in)) != null && !l.isEmpty()) {
                String lower = l.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(lower.substring(15).trim());
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    close = true;
                }
            }
            if (l == null) {
                throw new IOException("connection closed inside the response headers");
            }
            byte[] body = in.readNBytes(length);
            if (body.length < length) {
                throw new IOException("connection closed inside the response body");
            }
            return new Response(status, new String(body, StandardCharsets.UTF_8), close);
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    String s = b.toString(StandardCharsets.US_ASCII);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                b.write(c);
            }
            return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
        }
    }

    /** Waits until at least n more requests succeeded: the load really runs across an update. */
    void awaitProgress(long n) {
        long target = ok.get() + n;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ok.get() < target) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("load made no progress; failures: " + failures);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}

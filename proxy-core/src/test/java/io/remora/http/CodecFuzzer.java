package io.remora.http;

import io.remora.http.testing.LeakCheck;
import io.remora.config.HttpConnectionManagerConfig.CodecType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Randomised input for the downstream HTTP/1.1 and HTTP/2 codecs over real sockets: valid requests
 * mutated (bytes flipped, inserted, repeated, cut), spliced, sent in random pieces, and HTTP/2
 * connections with random frames after a valid preface. After each run the server must still
 * answer a valid request promptly and have no connection left open; exceptions reaching the end
 * of a pipeline and leaked buffers fail the caller's checks. Bounded by time: a few seconds in the
 * unit tests, as long as one likes from proxy-bench.
 */
public final class CodecFuzzer {

    private static final String[] H1_SEEDS = {
            "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /p?q=1 HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, x-a\r\nX-A: 1\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
            "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
            "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nx-t: 1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n",
            "PUT /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
            "GET http://a/abs HTTP/1.0\r\n\r\n",
            "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
    };
    private static final byte[] INTERESTING = " \t\r\n:\0#?%/\u007f\u00ff,;=\"".getBytes(StandardCharsets.ISO_8859_1);

    /** What one run did. */
    public record Report(long inputs, long h2Inputs, long responses) {
    }

    private CodecFuzzer() {
    }

    /** Fuzzes a fresh connection manager for {@code duration}; throws AssertionError on a hang. */
    public static Report run(Duration duration, long seed) throws Exception {
        List<String> unhandled = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler watch = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                String m = String.valueOf(r.getMessage());
                if (m.contains("reached at the tail of the pipeline") || m.contains("Unexpected exception")) {
                    unhandled.add(m + ": " + r.getThrown());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger netty = java.util.logging.Logger.getLogger("io.netty");
        netty.addHandler(watch);
        try {
            Report r = fuzz(duration, seed);
            if (!unhandled.isEmpty()) {
                throw new AssertionError("seed " + seed + ": exceptions escaped a pipeline: " + unhandled);
            }
            return r;
        } finally {
            netty.removeHandler(watch);
        }
    }

    private static Report fuzz(Duration duration, long seed) throws Exception {
        try (HcmServer server = new HcmServer(HcmServer.config(b -> b.codec(CodecType.AUTO)
                .requestHeadersTimeout(Duration.ofSeconds(2)).streamIdle(Duration.ofSeconds(2))))) {
            Random rnd = new Random(seed);
            stillServes(server); // warm: the first request of a JVM takes a while
            long end = System.nanoTime() + duration.toNanos();
            long inputs = 0;
            long h2 = 0;
            long responses = 0;
            while (System.nanoTime() < end) {
                byte[] input;
                if (rnd.nextInt(4) == 0) {
                    input = h2Input(rnd);
                    h2++;
                } else {
                    input = mutate(rnd, h1Input(rnd));
                }
                inputs++;
                responses += exchange(server.port, input, rnd) ? 1 : 0;
            }
            stillServes(server);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.hcm.connectionCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (server.hcm.connectionCount() > 0) {
                throw new AssertionError(server.hcm.connectionCount() + " connections still open after fuzzing");
            }
            return new Report(inputs, h2, responses);
        }
    }

    private static byte[] h1Input(Random rnd) {
        String s = H1_SEEDS[rnd.nextInt(H1_SEEDS.length)];
        if (rnd.nextInt(5) == 0) {
            s = s + H1_SEEDS[rnd.nextInt(H1_SEEDS.length)];
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] mutate(Random rnd, byte[] in) {
        List<Byte> b = new ArrayList<>(in.length + 16);
        for (byte x : in) {
            b.add(x);
        }
        int n = 1 + rnd.nextInt(8);
        for (int i = 0; i < n && !b.isEmpty(); i++) {
            int at = rnd.nextInt(b.size());
            switch (rnd.nextInt(6)) {
                case 0 -> b.set(at, (byte) rnd.nextInt(256));
                case 1 -> b.add(at, INTERESTING[rnd.nextInt(INTERESTING.length)]);
                case 2 -> b.remove(at);
                case 3 -> { // repeat a slice, sometimes a lot (long lines, many headers)
                    int len = Math.min(b.size() - at, 1 + rnd.nextInt(40));
                    List<Byte> slice = new ArrayList<>(b.subList(at, at + len));
                    int times = rnd.nextInt(10) == 0 ? 2000 : 1 + rnd.nextInt(4);
                    for (int t = 0; t < times; t++) {
                        b.addAll(at, slice);
                    }
                }
                case 4 -> {
                    while (b.size() > at) {
                        b.remove(b.size() - 1);
                    }
                }
                default -> {
                    String digits = Long.toString(rnd.nextLong());
                    for (int k = digits.length() - 1; k >= 0; k--) {
                        b.add(at, (byte) digits.charAt(k));
                    }
                }
            }
        }
        byte[] out = new byte[b.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i);
        }
        return out;
    }

    /** A valid HTTP/2 preface and SETTINGS, then random and half-valid frames. */
    private static byte[] h2Input(Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(out, 4, 0, 0, new byte[0]);
        int frames = 1 + rnd.nextInt(12);
        for (int i = 0; i < frames; i++) {
            int stream = rnd.nextInt(4) == 0 ? rnd.nextInt() & 0x7fffffff : 1 + 2 * rnd.nextInt(4);
            switch (rnd.nextInt(4)) {
                case 0 -> { // a GET from the static table
                    byte[] hpack = {(byte) 0x82, (byte) 0x86, (byte) 0x84, 0x41, 1, 'a'};
                    frame(out, 1, rnd.nextBoolean() ? 0x5 : 0x4, stream, rnd.nextInt(3) == 0 ? mutate(rnd, hpack) : hpack);
                }
                case 1 -> frame(out, rnd.nextInt(11), rnd.nextInt(256), stream, random(rnd, rnd.nextInt(64)));
                case 2 -> frame(out, 0, rnd.nextInt(2), stream, random(rnd, rnd.nextInt(300)));
                default -> frame(out, new int[] {3, 4, 6, 8, 9}[rnd.nextInt(5)], rnd.nextInt(2), stream,
                        random(rnd, new int[] {4, 6, 8, 4, 0}[rnd.nextInt(5)]));
            }
        }
        byte[] bytes = out.toByteArray();
        return rnd.nextInt(3) == 0 ? mutate(rnd, bytes) : bytes;
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
        int n = payload.length;
        out.write(n >>> 16);
        out.write(n >>> 8);
        out.write(n);
        out.write(type);
        out.write(flags);
        out.write(stream >>> 24 & 0x7f);
        out.write(stream >>> 16);
        out.write(stream >>> 8);
        out.write(stream);
        out.writeBytes(payload);
    }

    /** Sends input in random pieces; true when the server wrote anything back. */
    private static boolean exchange(int port, byte[] input, Random rnd) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(50);
            s.setSoLinger(true, 0);
            OutputStream out = s.getOutputStream();
            int off = 0;
            try {
                while (off < input.length) {
                    int len = Math.min(input.length - off, 1 + rnd.nextInt(Math.max(1, input.length)));
                    out.write(input, off, len);
                    out.flush();
                    off += len;
                }
                if (rnd.nextBoolean()) {
                    s.shutdownOutput();
                }
            } catch (IOException closedByServer) {
                return true;
            }
            InputStream in = s.getInputStream();
            try {
                return in.read(new byte[8192]) > 0;
            } catch (IOException timeoutOrReset) {
                return false;
            }
        }
    }

    private static void stillServes(HcmServer server) throws IOException {
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /after-fuzz HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = c.read();
            if (r == null || r.status() != 200) {
                throw new AssertionError("server no longer answers a valid request: " + r);
            }
        }
    }

    /** {@code CodecFuzzer [seconds] [seed]}: a longer run, e.g. from proxy-bench/fuzz.sh. */
    public static void main(String[] args) throws Exception {
        LeakCheck.install();
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 60;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        System.out.println("codec fuzz: " + seconds + " s, seed " + seed);
        Report r = run(Duration.ofSeconds(seconds), seed);
        System.out.println(r);
        List<String> leaks = LeakCheck.leaks();
        if (!leaks.isEmpty()) {
            System.out.println("LEAKS:\n" + String.join("\n", leaks));
            System.exit(1);
        }
    }
}

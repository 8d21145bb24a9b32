package io.remora.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Locale;

/**
 * A bulk TCP source and its client, for the large-transfer workload.
 *
 * <pre>TcpBulk source PORT BYTES     serves BYTES to every connection, then closes it (runs until killed)
 * TcpBulk fetch HOST PORT BYTES  reads until EOF; prints "RESULT bytes=.. seconds=.. mb_per_s=.."</pre>
 * The transfer runs upstream-to-client so that every proxy only has to forward a close after
 * data, which all of them do; MB/s counts 10^6 bytes.
 */
public final class TcpBulk {
    private static final int BUF = 256 * 1024;

    private TcpBulk() {
    }

    public static void main(String[] args) throws IOException {
        switch (args[0]) {
            case "source" -> source(Integer.parseInt(args[1]), Long.parseLong(args[2]));
            case "fetch" -> System.exit(fetch(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3])));
            default -> throw new IllegalArgumentException("usage: source PORT BYTES | fetch HOST PORT BYTES");
        }
    }

    static void source(int port, long bytes) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", port));
            while (true) {
                SocketChannel ch = server.accept();
                Thread t = new Thread(() -> serve(ch, bytes), "source");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void serve(SocketChannel ch, long bytes) {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUF);
        try (ch) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            long left = bytes;
            while (left > 0) {
                buf.clear();
                if (left < BUF) {
                    buf.limit((int) left);
                }
                left -= ch.write(buf);
            }
            ch.shutdownOutput();
        } catch (IOException e) {
            System.err.println("source: " + e);
        }
    }

    static int fetch(String host, int port, long expected) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUF);
        long got = 0;
        long start = System.nanoTime();
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port))) {
            int n;
            while ((n = ch.read(buf)) >= 0) {
                got += n;
                buf.clear();
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "RESULT bytes=%d seconds=%.3f mb_per_s=%.1f%n", got, secs, got / secs / 1e6);
        return got == expected ? 0 : 3;
    }
}

package io.remora.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real redis-server on a free loopback port, without persistence, stopped on close; and
 * {@link Client}, a minimal RESP client (not the proxy's codec) to talk to it or to the proxy.
 * Without the binary a test fails under CI (CI=true) and is skipped elsewhere.
 */
final class RedisServer implements AutoCloseable {
    final int port;
    private final Process process;
    private final Path dir;

    private RedisServer(int port, Process process, Path dir) {
        this.port = port;
        this.process = process;
        this.dir = dir;
    }

    /** Starts redis-server with these extra arguments (e.g. "--requirepass", "x") and waits for it. */
    static RedisServer start(String... args) throws Exception {
        requireBinary();
        int port = ProxyProcess.freePort();
        Path dir = Files.createTempDirectory("redis");
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        RedisServer server = new RedisServer(port, p, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return server;
            } catch (IOException notYet) {
                if (!p.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
        }
        server.close();
        throw new IllegalStateException("redis-server did not start: " + Files.readString(dir.resolve("redis.log")));
    }

    static void requireBinary() {
        boolean found = false;
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            found |= Files.isExecutable(Path.of(d, "redis-server"));
        }
        if (!found && "true".equals(System.getenv("CI"))) {
            fail("redis-server is not installed (apt-get install -y redis-server)");
        }
        assumeTrue(found, "redis-server is not installed");
    }

    /** A client connected straight to this server (no proxy). */
    Client client() throws IOException {
        return new Client(port);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind
        }
    }

    /**
     * Sends commands as RESP arrays of bulk strings and reads each reply as text: {@code +OK} as
     * "OK", errors as "-message", integers as ":n", bulk strings as their text, nil as "(nil)",
     * arrays as "[a, b]".
     */
    static final class Client implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Client(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(20_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        String call(String... args) throws IOException {
            send(args);
            return read();
        }

        void send(String... args) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            for (String a : args) {
                byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
                b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
                b.writeBytes(bytes);
                b.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write(b.toByteArray());
            out.flush();
        }

        /** Bytes sent as they are (not RESP, say). */
        void sendRaw(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String read() throws IOException {
            String line = line();
            char type = line.charAt(0);
            String rest = line.substring(1);
            switch (type) {
                case '+':
                    return rest;
                case '-':
                    return line;
                case ':':
                    return line;
                case '$': {
                    int n = Integer.parseInt(rest);
                    if (n < 0) {
                        return "(nil)";
                    }
                    byte[] data = in.readNBytes(n + 2);
                    return new String(data, 0, n, StandardCharsets.UTF_8);
                }
                case '*': {
                    int n = Integer.parseInt(rest);
                    List<String> items = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        items.add(read());
                    }
                    return items.toString();
                }
                default:
                    throw new IOException("not RESP: " + line);
            }
        }

        /** True when the peer closed the connection (after what was read). */
        boolean closedByPeer() throws IOException {
            try {
                return in.read() < 0;
            } catch (java.net.SocketException reset) {
                return true;
            }
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\r') {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                b.write(c);
            }
            in.read();
            return b.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}

package io.remora.e2e;

import io.remora.testing.TempPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The curl binary as an end-to-end client: runs one request and returns the final response's
 * status, headers (lower-case names; repeated ones joined with ", ") and body bytes as curl
 * saved them (decoded when {@code --compressed} is among the arguments), the statuses of the
 * informational responses before it, and its trailers (curl dumps them after the headers).
 */
record Curl(int status, Map<String, String> headers, byte[] body, List<Integer> informational,
            Map<String, String> trailers) {

    static Curl run(String... args) throws IOException, InterruptedException {
        Path dir = TempPaths.directory("curl");
        Path head = dir.resolve("headers");
        Path body = dir.resolve("body");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-D", head.toString(),
                "-o", body.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("curl " + String.join(" ", args) + " failed: " + out);
        }
        try {
            // The last block that starts with a status line is the final response (after any 100
            // Continue); what follows it are trailers.
            String[] blocks = Files.readString(head).trim().split("\r\n\r\n");
            int last = blocks.length - 1;
            while (last > 0 && !blocks[last].startsWith("HTTP/")) {
                last--;
            }
            String[] lines = blocks[last].split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            List<Integer> informational = new ArrayList<>();
            for (int i = 0; i < last; i++) {
                informational.add(Integer.parseInt(blocks[i].split("\r\n")[0].split(" ")[1]));
            }
            Map<String, String> headers = fields(lines, 1);
            Map<String, String> trailers = new LinkedHashMap<>();
            for (int i = last + 1; i < blocks.length; i++) {
                trailers.putAll(fields(blocks[i].split("\r\n"), 0));
            }
            byte[] bytes = Files.exists(body) ? Files.readAllBytes(body) : new byte[0];
            return new Curl(status, headers, bytes, List.copyOf(informational), trailers);
        } finally {
            Files.deleteIfExists(head);
            Files.deleteIfExists(body);
            Files.deleteIfExists(dir);
        }
    }

    /** A GET of {@code path} on 127.0.0.1:{@code port} with these request headers ("name: value"). */
    static Curl get(int port, String path, String... headers) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>();
        for (String h : headers) {
            args.add("-H");
            args.add(h);
        }
        args.add("http://127.0.0.1:" + port + path);
        return run(args.toArray(String[]::new));
    }

    String header(String name) {
        return headers.get(name);
    }

    String text() {
        return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Header lines from {@code from} on: lower-case names, repeated ones joined with ", ". */
    private static Map<String, String> fields(String[] lines, int from) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = from; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            if (c > 0) {
                out.merge(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(c + 1).trim(), (a, b) -> a + ", " + b);
            }
        }
        return out;
    }
}

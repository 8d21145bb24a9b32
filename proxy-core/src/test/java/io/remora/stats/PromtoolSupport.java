package io.remora.stats;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs the real {@code promtool check metrics} on an exposition. */
public final class PromtoolSupport {

    public record Result(int exitCode, String output) {
    }

    private PromtoolSupport() {
    }

    public static String promtool() {
        for (String p : new String[]{"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    public static Result check(String exposition) throws IOException, InterruptedException {
        String tool = promtool();
        assumeTrue(tool != null, "promtool is not installed");
        Process p = new ProcessBuilder(tool, "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream is = p.getInputStream()) {
            is.transferTo(out);
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("promtool hung");
        }
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }
}

package io.remora.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Access log files the proxy writes on its own flush interval, read until they hold what a test waits for. */
final class LogFiles {

    private LogFiles() {
    }

    /** The file's lines once {@code done} accepts them (within 15 s, else the assertion fails with them). */
    static List<String> await(Path file, Predicate<List<String>> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            if (done.test(lines)) {
                return lines;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not logged as expected in " + file + ": " + lines);
    }

    /** The file's lines once it has at least {@code n}. */
    static List<String> await(Path file, int n) throws Exception {
        return await(file, lines -> lines.size() >= n);
    }

    /** The value of {@code name=value} in a line of {@code name=value} fields (values without spaces). */
    static String field(String line, String name) {
        Matcher m = Pattern.compile("(?:^| )" + name + "=(\\S+)").matcher(line);
        assertTrue(m.find(), name + " in " + line);
        return m.group(1);
    }

    /** As {@link #field}, a number (not {@code -}). */
    static long number(String line, String name) {
        String v = field(line, name);
        assertTrue(v.matches("\\d+"), name + "=" + v + " in " + line);
        return Long.parseLong(v);
    }

    /** The line that starts with {@code path} and a space. */
    static String line(List<String> lines, String path) {
        return lines.stream().filter(l -> l.startsWith(path + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(path + " in " + lines));
    }
}

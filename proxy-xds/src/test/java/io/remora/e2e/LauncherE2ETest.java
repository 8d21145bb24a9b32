package io.remora.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/remora as a user runs it, in real processes: the flags it prints, and its class-data archive
 * (AppCDS) - made by a training run before the first serving run, mapped by that run and later
 * ones (the JVM's own class-load log says so), and a silent fallback when the directory is unusable or the archive is damaged or
 * belongs to another jar. The jar it runs is {@link LauncherProbe}'s, not Remora's: the launcher
 * runs any jar, and the shaded jar only exists after the test phase.
 */
class LauncherE2ETest {

    private static final Path LAUNCHER = Path.of("").toAbsolutePath().getParent().resolve("bin/remora");
    private static final long TIMEOUT_SECONDS = 120;

    @TempDir
    Path dir;

    private record Run(int exit, String out) {
    }

    @Test
    void versionPrintsTheJvmTheFlagsInOrderAndTheArchive() throws Exception {
        Path jar = probeJar(dir.resolve("a"));
        Run run = run(jar, dir.resolve("cds"), Map.of("REMORA_JAVA_OPTS", "-Dremora.test=1"), "--version");
        assertEquals(0, run.exit(), run.out());
        String flags = line(run.out(), "remora launcher: JVM flags ");
        assertTrue(flags.contains("-XX:+UseSerialGC") && flags.endsWith(" -Dremora.test=1"),
                "the defaults, then REMORA_JAVA_OPTS (so they win): " + flags);
        String archive = line(run.out(), "remora launcher: class-data archive ");
        assertTrue(archive.startsWith("none yet (" + dir.resolve("cds")), "--version makes no archive: " + archive);
        assertTrue(run.out().contains("probe --version"), run.out());
        assertNoArchive(dir.resolve("cds"));

        Run off = run(jar, dir.resolve("cds"), Map.of("REMORA_CDS", "off"), "--version");
        assertEquals("off (REMORA_CDS=off)", line(off.out(), "remora launcher: class-data archive "));
    }

    @Test
    void aCleanFirstRunMakesTheArchiveAndTheNextRunMapsIt() throws Exception {
        Path jar = probeJar(dir.resolve("a"));
        Path cds = dir.resolve("cache/remora");
        Path classLog = dir.resolve("class-load.log");
        // the same flags in both runs (they are part of the archive's key)
        Map<String, String> env = Map.of("REMORA_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog);

        // the first run: a training run makes the archive, then the proxy maps it and serves until
        // SIGTERM, sent to the launcher's pid as pilot-agent sends it (the launcher exec'd the JVM)
        Path firstLog = dir.resolve("first.log");
        Process first = start(jar, cds, env, "wait").redirectOutput(firstLog.toFile()).start();
        awaitLine(first, firstLog, "probe waiting");
        List<Path> archives = files(cds);
        assertEquals(1, archives.size(), "one archive before the proxy serves, no temporary file: " + archives);
        assertTrue(archives.get(0).getFileName().toString().matches("remora-[0-9]+\\.jsa"), archives.toString());
        assertTrue(loadedFrom(classLog).contains("source: shared objects file (top)"),
                "the first serving run maps the archive already: " + loadedFrom(classLog));
        first.destroy();
        assertTrue(first.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        String firstOut = Files.readString(firstLog);
        assertEquals(0, first.exitValue(), firstOut);
        assertTrue(firstOut.contains("probe stopped"), "SIGTERM reached the JVM: " + firstOut);
        assertTrue(!firstOut.contains("probe training"), "the training run's output is not the proxy's: " + firstOut);
        assertEquals(archives, files(cds), "nothing new made");

        Run second = run(jar, cds, env, "hello");
        assertEquals(new Run(0, "probe hello\n"), second);
        assertTrue(loadedFrom(classLog).contains("source: shared objects file (top)"),
                "the second run maps the probe's class from the archive: " + loadedFrom(classLog));
        assertEquals(archives, files(cds), "nothing new made");

        Run described = run(jar, cds, env, "--version");
        assertEquals(archives.get(0).toString(), line(described.out(), "remora launcher: class-data archive "));

        // flags that only size memory or set properties keep the archive (a pod's -Xmx uses the image's)
        Run sized = run(jar, cds, Map.of("REMORA_JAVA_OPTS", env.get("REMORA_JAVA_OPTS") + " -Xmx192m -Dremora.test=1"),
                "hello");
        assertEquals(new Run(0, "probe hello\n"), sized);
        assertTrue(loadedFrom(classLog).contains("source: shared objects file (top)"), loadedFrom(classLog));
        assertEquals(archives, files(cds), "nothing new made");
    }

    @Test
    void theLibrariesTheTrainingLeavesComeFirstOnTheLibraryPath() throws Exception {
        Path jar = probeJar(dir.resolve("a"));
        Path cds = dir.resolve("cds");
        Run first = run(jar, cds, Map.of(), "natives");
        assertEquals(0, first.exit(), first.out());
        List<Path> made = files(cds);
        assertEquals(2, made.size(), "the archive and the jar's libraries, no temporary: " + made);
        assertTrue(made.get(0).getFileName().toString().matches("remora-[0-9]+\\.jsa"), made.toString());
        Path libraries = made.get(1);
        // named by the jar alone, as the JVM identifies it for the archive: its size and mtime
        assertEquals("remora-native-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis() / 1000,
                libraries.getFileName().toString());
        assertEquals("probe", Files.readString(libraries.resolve("libprobe.so")));
        // the run that made them and every later one: the JVM's library path starts there, then
        // whatever LD_LIBRARY_PATH held, then the JVM's own directories
        String path = line(first.out(), "probe library path ");
        assertTrue(path.startsWith(libraries + ":") && path.endsWith(":/usr/lib"), path);
        assertEquals(libraries.toString(), line(first.out(), "probe native dir "), "named to Remora too (zstd)");
        String later = line(run(jar, cds, Map.of("LD_LIBRARY_PATH", "/opt/elsewhere"), "natives").out(),
                "probe library path ");
        assertTrue(later.startsWith(libraries + ":/opt/elsewhere:") && later.endsWith(":/usr/lib"), later);
        assertEquals(libraries.toString(), line(run(jar, cds, Map.of(), "--version").out(),
                "remora launcher: native libraries "));

        // other flags: no archive for them yet (in an image's read-only directory, none ever),
        // the same libraries all the same; their own training does not write them again
        Files.writeString(libraries.resolve("libprobe.so"), "kept");
        Map<String, String> otherFlags = Map.of("REMORA_JAVA_OPTS", "-XX:-UsePerfData");
        assertTrue(line(run(jar, cds, otherFlags, "--version").out(), "remora launcher: class-data archive ")
                .startsWith("none yet ("));
        assertTrue(line(run(jar, cds, otherFlags, "natives").out(), "probe library path ").startsWith(libraries + ":"));
        assertEquals(3, files(cds).size(), "a second archive, no second directory: " + files(cds));
        assertEquals("kept", Files.readString(libraries.resolve("libprobe.so")));

        // without the archive (off, or none made) the libraries are not used: Netty copies its own
        Run offRun = run(jar, cds, Map.of("REMORA_CDS", "off"), "natives");
        String off = line(offRun.out(), "probe library path ");
        assertTrue(!off.contains(libraries.toString()), off);
        assertEquals("null", line(offRun.out(), "probe native dir "));

        // a failed training leaves neither, though it wrote its libraries
        Path other = dir.resolve("cds-failed");
        assertEquals(3, run(probeJar(dir.resolve("b")), other, Map.of(), "natives-fail").exit());
        assertNoArchive(other);
    }

    @Test
    void onlyTheFourNewestArchivesAreKept() throws Exception {
        // every build is a new jar, so a new archive: the cache must not grow by ~30 MB a build
        Path cds = dir.resolve("cds");
        List<Path> made = new ArrayList<>();
        // mtimes are compared by ls -t: each run's files are dated a minute apart in the past (the
        // next run's new ones are dated now), so "newest" is unambiguous without waiting a second a run
        long past = System.currentTimeMillis() - TimeUnit.HOURS.toMillis(1);
        for (int i = 0; i < 6; i++) {
            assertEquals(new Run(0, "probe hello\n"), run(probeJar(dir.resolve("jar" + i)), cds, Map.of(), "hello"));
            List<Path> now = files(cds);
            for (Path p : now) {
                if (!made.contains(p)) {
                    made.add(p);
                    Files.setLastModifiedTime(p, FileTime.fromMillis(past + TimeUnit.MINUTES.toMillis(i)));
                }
            }
        }
        assertEquals(6, made.size(), "each jar made its own archive: " + made);
        assertEquals(made.subList(2, 6).stream().sorted().toList(), files(cds), "the four newest, nothing else");
    }

    @Test
    void aFailedRunLeavesNoArchiveAndKeepsItsExitStatus() throws Exception {
        Path jar = probeJar(dir.resolve("a"));
        Path cds = dir.resolve("cds");
        Run failed = run(jar, cds, Map.of(), "fail");
        assertEquals(new Run(3, ""), failed);
        assertNoArchive(cds);
    }

    @Test
    void anUnusableDirectoryOrArchiveFallsBackSilently() throws Exception {
        Path jarA = probeJar(dir.resolve("a"));
        Path jarB = probeJar(dir.resolve("b"));

        // a directory that cannot be made (under a regular file): the proxy runs, nothing said
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertEquals(new Run(0, "probe hello\n"), run(jarA, file.resolve("cds"), Map.of(), "hello"));

        // jar A's archive, made by a clean run
        Path cds = dir.resolve("cds");
        assertEquals(new Run(0, "probe hello\n"), run(jarA, cds, Map.of(), "hello"));
        List<Path> made = files(cds);
        assertEquals(1, made.size(), made.toString());

        // ... put where jar B's archive belongs: the JVM refuses it (another jar), quietly
        Path archiveB = Path.of(line(run(jarB, cds, Map.of(), "--version").out(),
                "remora launcher: class-data archive none yet (").replaceFirst(" is made by a serving run\\)$", ""));
        Files.copy(made.get(0), archiveB);
        assertEquals(new Run(0, "probe hello\n"), run(jarB, cds, Map.of(), "hello"));

        // a damaged archive: the same
        Files.delete(archiveB);
        Files.write(archiveB, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertEquals(new Run(0, "probe hello\n"), run(jarB, cds, Map.of(), "hello"));
    }

    private static Path probeJar(Path where) throws IOException {
        Files.createDirectories(where);
        Path jar = where.resolve("probe.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherProbe.class.getName());
        String entry = LauncherProbe.class.getName().replace('.', '/') + ".class";
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest);
                var in = LauncherProbe.class.getClassLoader().getResourceAsStream(entry)) {
            j.putNextEntry(new JarEntry(entry));
            in.transferTo(j);
            j.closeEntry();
        }
        return jar;
    }

    private static ProcessBuilder start(Path jar, Path cds, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("REMORA_") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS"));
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.put("REMORA_JAR", jar.toString());
        e.put("REMORA_CDS_DIR", cds.toString());
        e.putAll(env);
        return pb;
    }

    private static Run run(Path jar, Path cds, Map<String, String> env, String... args) throws Exception {
        Process p = start(jar, cds, env, args).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), out);
        return new Run(p.exitValue(), out);
    }

    private static void awaitLine(Process p, Path log, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!(Files.exists(log) && Files.readAllLines(log).contains(expected))) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline,
                    "no '" + expected + "' from the launcher: " + (Files.exists(log) ? Files.readString(log) : ""));
            Thread.sleep(50);
        }
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in: " + out));
    }

    /** The class-load log's line for the probe class. */
    private static String loadedFrom(Path classLog) throws IOException {
        return Files.readAllLines(classLog).stream().filter(l -> l.contains(" " + LauncherProbe.class.getName() + " "))
                .findFirst().orElse("(no line for the probe in " + classLog + ")");
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static void assertNoArchive(Path cds) throws IOException {
        assertEquals(List.of(), files(cds), "no archive, no temporary file");
    }
}

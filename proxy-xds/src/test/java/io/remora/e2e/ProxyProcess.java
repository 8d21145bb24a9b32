package io.remora.e2e;

import io.remora.testing.TempPaths;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Remora started the way a user starts it: its {@code main} in a separate JVM with a bootstrap
 * file and Envoy's flags. End-to-end tests talk to it over real sockets only, and can bound its
 * heap, read its logs and signal it.
 */
public final class ProxyProcess implements AutoCloseable {

    /** Generous: a loaded 2-core machine starts a JVM and reads Envoy's descriptors slowly. */
    static final long READY_TIMEOUT_SECONDS = Long.getLong("remora.e2e.readySeconds", 120);

    /** The proxies' JIT stops at C1 unless {@code -Dremora.e2e.c2=true} (or the test picks its own level). */
    private static final boolean C1_ONLY = !Boolean.getBoolean("remora.e2e.c2");

    /** One admin answer. */
    public record AdminResponse(int status, String body) {
    }

    /** How the test reaches the proxy's admin listener. */
    public interface AdminAccess {
        /** GET path on the admin port; IOException while nothing listens yet. */
        AdminResponse get(int port, String path) throws IOException, InterruptedException;
    }

    /**
     * How the proxy's JVM is started: a command prefix (e.g. a network namespace and another
     * uid), the classpath that JVM can read, and how its admin is reached from the test.
     */
    public record Launch(List<String> prefix, String classpath, AdminAccess admin) {
        /** A child JVM of the test's own, admin over loopback. */
        public static Launch local() {
            return new Launch(List.of(), System.getProperty("java.class.path"), ProxyProcess::loopbackAdmin);
        }
    }

    private final Process process;
    private final Path dir;
    private final Path log;
    private final AdminAccess adminAccess;
    public final int adminPort;

    private ProxyProcess(Process process, Path dir, Path log, int adminPort, AdminAccess adminAccess) {
        this.process = process;
        this.dir = dir;
        this.log = log;
        this.adminPort = adminPort;
        this.adminAccess = adminAccess;
    }

    private static AdminResponse loopbackAdmin(int port, String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        return new AdminResponse(r.statusCode(), r.body());
    }

    private static final int PORTS_FROM = 20_000;
    /** Linux's ephemeral range starts at 32768 by default. */
    private static final int PORTS_TO = 32_767;
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT = new java.util.concurrent.atomic.AtomicInteger(
            java.util.concurrent.ThreadLocalRandom.current().nextInt(PORTS_TO - PORTS_FROM + 1));

    /**
     * A port that was free a moment ago, below the ephemeral range: a port the kernel picked
     * (ServerSocket(0)) could be handed to some outgoing connection before the listener under
     * test binds it, which made a test fail with "Address already in use". Handed out in turn,
     * so two calls never return the same port.
     */
    public static int freePort() {
        int span = PORTS_TO - PORTS_FROM + 1;
        for (int tries = 0; tries < span; tries++) {
            int port = PORTS_FROM + Math.floorMod(NEXT_PORT.getAndIncrement(), span);
            try (ServerSocket s = new ServerSocket(port)) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // the next one
            }
        }
        throw new IllegalStateException("no free port in " + PORTS_FROM + "-" + PORTS_TO);
    }

    /** Substitutes {@code ${NAME}} placeholders in a bootstrap template. */
    public static String render(String template, Map<String, ?> vars) {
        String out = template;
        for (Map.Entry<String, ?> e : vars.entrySet()) {
            out = out.replace("${" + e.getKey() + "}", String.valueOf(e.getValue()));
        }
        if (out.contains("${")) {
            throw new IllegalArgumentException("unresolved placeholder in " + out);
        }
        return out;
    }

    /**
     * Starts the proxy with this bootstrap (its admin must listen on {@code adminPort}) and waits
     * until {@code /ready} answers 200.
     */
    public static ProxyProcess start(String bootstrapYaml, int adminPort, List<String> jvmArgs,
                                     String... extraArgs) throws Exception {
        return start(Launch.local(), bootstrapYaml, adminPort, jvmArgs, extraArgs);
    }

    /** As {@link #start(String, int, List, String...)}, started and reached as launch says. */
    public static ProxyProcess start(Launch launch, String bootstrapYaml, int adminPort, List<String> jvmArgs,
                                     String... extraArgs) throws Exception {
        Path dir = TempPaths.directory("remora-e2e");
        Path config = dir.resolve("bootstrap.yaml");
        Files.writeString(config, bootstrapYaml);
        if (!launch.prefix().isEmpty()) {
            // The proxy may run as another user: let it read its config.
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
        Path log = dir.resolve("proxy.log");
        List<String> cmd = new ArrayList<>(launch.prefix());
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        if (C1_ONLY && jvmArgs.stream().noneMatch(a -> a.startsWith("-XX:TieredStopAtLevel="))) {
            // A test's proxy lives seconds: C2 would spend the start-up's CPU compiling for a peak
            // it never reaches, on the same two cores as the test and its peers.
            cmd.add("-XX:TieredStopAtLevel=1");
        }
        if (jvmArgs.stream().noneMatch(a -> a.startsWith("-Dio.netty.leakDetection.level="))) {
            cmd.add("-Dio.netty.leakDetection.level=paranoid");
        }
        cmd.add("-cp");
        cmd.add(launch.classpath());
        cmd.add("io.remora.xds.Main");
        cmd.add("-c");
        cmd.add(config.toString());
        cmd.add("--concurrency");
        cmd.add("2");
        if (!List.of(extraArgs).contains("--file-flush-interval-msec")) {
            // Envoy's default (10 s) would make every access-log assertion race its own deadline.
            cmd.add("--file-flush-interval-msec");
            cmd.add("50");
        }
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ProxyProcess proxy = new ProxyProcess(p, dir, log, adminPort, launch.admin());
        proxy.awaitReady();
        return proxy;
    }

    public static ProxyProcess start(String bootstrapYaml, int adminPort) throws Exception {
        return start(bootstrapYaml, adminPort, List.of("-Xmx256m"));
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("proxy exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                if (adminAccess.get(adminPort, "/ready").status() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        close();
        throw new IllegalStateException("proxy not ready in " + READY_TIMEOUT_SECONDS + " s:\n" + log());
    }

    public URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + adminPort + path);
    }

    /** GET on the admin API. */
    public String admin(String path) throws Exception {
        return adminAccess.get(adminPort, path).body();
    }

    /** The value of one Prometheus sample, e.g. {@code envoy_cluster_upstream_rq_retry{envoy_cluster_name="a"}}; 0 if absent. */
    public double metric(String sample) throws Exception {
        for (String line : admin("/stats/prometheus").split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    /** A stat by Envoy's dotted name as /stats prints it ({@code udp.x.downstream_sess_total}); 0 when absent. */
    public double stat(String name) throws Exception {
        for (String line : admin("/stats").split("\n")) {
            if (line.startsWith(name + ": ")) {
                return Double.parseDouble(line.substring(name.length() + 2).trim());
            }
        }
        return 0;
    }

    /** Waits up to 10 s for {@link #stat} to read {@code value}, then asserts it does. */
    public void awaitStat(String name, double value) throws Exception {
        for (int i = 0; i < 200 && stat(name) != value; i++) {
            Thread.sleep(50);
        }
        org.junit.jupiter.api.Assertions.assertEquals(value, stat(name), name);
    }

    /** Everything the proxy printed so far (stdout and stderr: logs and stdout access logs). */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<no log: " + e + ">";
        }
    }

    public Path dir() {
        return dir;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** Peak resident set size of the proxy process, from /proc (Linux), in kB. */
    public long peakRssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** SIGTERM, then wait for the exit code. */
    public int terminate(Duration wait) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        return process.exitValue();
    }

    /** Stops the proxy, failing (with its output) if Netty reported a leaked buffer ("LEAK:"). */
    public void closeCheckingLeaks() throws InterruptedException {
        String out = log();
        close();
        if (out.contains("LEAK:")) {
            throw new AssertionError("buffer leak reported:\n" + out);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            terminate(Duration.ofSeconds(10));
        }
    }

    private static String readable;

    /**
     * The test's classpath as another uid (Istio's proxy runs as 1337) can read it: the Maven
     * repository usually sits under a root-only home, so jars are hard-linked (copied across file systems) into a world-readable
     * directory, and class directories copied when their path is not open to others.
     */
    public static synchronized String readableClasspath() throws IOException {
        if (readable != null) {
            return readable;
        }
        Path dir = TempPaths.directory("remora-cp");
        Set<PosixFilePermission> open = PosixFilePermissions.fromString("rwxr-xr-x");
        Files.setPosixFilePermissions(dir, open);
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) {
                continue;
            }
            if (openToOthers(src)) {
                out.add(entry);
                continue;
            }
            Path dst = dir.resolve((i++) + "-" + src.getFileName());
            if (Files.isDirectory(src)) {
                copyTree(src, dst, open);
            } else {
                try {
                    Files.createLink(dst, src);
                } catch (IOException | UnsupportedOperationException e) {
                    Files.copy(src, dst, StandardCopyOption.COPY_ATTRIBUTES);
                }
                Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rw-r--r--"));
            }
            out.add(dst.toString());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        readable = String.join(java.io.File.pathSeparator, out);
        return readable;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }

    private static boolean openToOthers(Path p) throws IOException {
        Path abs = p.toAbsolutePath();
        for (Path q = abs.getParent(); q != null; q = q.getParent()) {
            if (!Files.getPosixFilePermissions(q).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return Files.getPosixFilePermissions(abs).contains(PosixFilePermission.OTHERS_READ);
    }

    private static void copyTree(Path src, Path dst, Set<PosixFilePermission> dirPerms) throws IOException {
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path s : (Iterable<Path>) walk::iterator) {
                Path d = dst.resolve(src.relativize(s).toString());
                if (Files.isDirectory(s)) {
                    Files.createDirectories(d);
                    Files.setPosixFilePermissions(d, dirPerms);
                } else {
                    Files.copy(s, d, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
    }
}

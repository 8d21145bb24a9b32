package io.remora.xds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.remora.e2e.ProxyProcess;
import io.remora.testing.HostTools;
import io.remora.testing.TempPaths;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sidecar's root file system is read-only (Istio's {@code readOnlyRootFilesystem}), so the JNI
 * loaders cannot copy their libraries into /tmp. Each JVM here runs in a mount namespace of its
 * own whose /tmp is the host's, remounted read-only. Without the directory {@link NativeLibraries}
 * wrote, none of epoll, BoringSSL, brotli and zstd loads, and the proxy falls back to NIO and says
 * why; with it first on the library path and named by {@code -Dremora.native.dir} (what bin/remora
 * arranges), all four load and the proxy runs on epoll.
 */
class NativeLibrariesE2ETest {

    /** Remounts /tmp read-only for the command that follows (a private mount namespace). */
    private static final String READ_ONLY_TMP =
            "mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp && exec \"$0\" \"$@\"";

    @BeforeAll
    static void needsRootAndUnshare() {
        assumeTrue(HostTools.root(), "a mount namespace needs root; skipped");
        assumeTrue(HostTools.onPath("unshare"), "needs unshare (util-linux); skipped");
    }

    @Test
    void everyLibraryLoadsWithAReadOnlyTmpOnlyFromTheLibrariesDirectory() throws Exception {
        Path libraries = TempPaths.directory("remora-native");
        assertEquals(4, NativeLibraries.extract(libraries).size(), "epoll, BoringSSL, brotli, zstd");
        assertEquals("epoll false\nboringssl false\nbrotli false\nzstd false\n", probe(null));
        assertEquals("epoll true\nboringssl true\nbrotli true\nzstd true\n", probe(libraries));
    }

    @Test
    void epollWithAReadOnlyTmpOnlyFromTheLibrariesDirectory() throws Exception {
        Path libraries = TempPaths.directory("remora-native");
        NativeLibraries.extract(libraries);

        String withoutLog = startAndStop(null);
        assertTrue(withoutLog.contains("nio transport"), withoutLog);
        assertTrue(withoutLog.contains("epoll is unavailable (") && withoutLog.contains("Read-only file system")
                && withoutLog.contains("cannot recover the original destination"), withoutLog);

        String withLog = startAndStop(libraries);
        assertTrue(withLog.contains("epoll transport"), withLog);
        assertTrue(!withLog.contains("epoll is unavailable"), withLog);
    }

    /** The proxy's log from start to exit, its /tmp read-only and libraries (if any) as bin/remora gives them. */
    private static String startAndStop(Path libraries) throws Exception {
        ProxyProcess.Launch launch = new ProxyProcess.Launch(readOnlyTmp(libraries), System.getProperty("java.class.path"),
                ProxyProcess.Launch.local().admin());
        int admin = ProxyProcess.freePort();
        String yaml = "admin: { address: { socket_address: { address: 127.0.0.1, port_value: " + admin + " } } }\n";
        List<String> jvm = libraries == null ? List.of("-Xmx128m")
                : List.of("-Xmx128m", "-D" + NativeLibraries.PROPERTY + "=" + libraries);
        try (ProxyProcess proxy = ProxyProcess.start(launch, yaml, admin, jvm)) {
            assertEquals(0, proxy.terminate(Duration.ofSeconds(30)), proxy.log());
            return proxy.log();
        }
    }

    /** {@link NativeLoadProbe}'s answer, run as {@link #startAndStop} runs the proxy. */
    private static String probe(Path libraries) throws Exception {
        List<String> cmd = new ArrayList<>(readOnlyTmp(libraries));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (libraries != null) {
            cmd.add("-D" + NativeLibraries.PROPERTY + "=" + libraries);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NativeLoadProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> l.matches("(epoll|boringssl|brotli|zstd) (true|false)"))
                .map(l -> l + "\n").reduce("", String::concat);
    }

    /** The command prefix: a mount namespace with /tmp read-only, libraries (if any) first on LD_LIBRARY_PATH. */
    private static List<String> readOnlyTmp(Path libraries) {
        List<String> prefix = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private"));
        if (libraries != null) {
            prefix.addAll(List.of("env", "LD_LIBRARY_PATH=" + libraries));
        }
        prefix.addAll(List.of("sh", "-c", READ_ONLY_TMP));
        return prefix;
    }
}

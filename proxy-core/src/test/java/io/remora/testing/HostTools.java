package io.remora.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the machine lets a test do: tests that make network or mount namespaces, iptables rules or
 * run the proxy as another uid need root and util-linux's or iproute2's tools, and skip (saying
 * why) where they are missing.
 */
public final class HostTools {

    private HostTools() {
    }

    /** Whether this JVM runs as uid 0. */
    public static boolean root() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether tool is an executable in a directory of PATH, or in /usr/sbin or /sbin (root's tools). */
    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }
}

package io.remora.accesslog;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code %HOSTNAME%}: the machine's name as gethostname(2) reports it (Envoy's source), read once
 * and without DNS, which a host name lookup could need.
 */
final class Hostname {
    static final String VALUE = read();

    private Hostname() {
    }

    private static String read() {
        try {
            String s = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).trim();
            if (!s.isEmpty()) {
                return s;
            }
        } catch (IOException | RuntimeException ignored) {
            // Not Linux: fall through.
        }
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isEmpty()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return null;
        }
    }
}

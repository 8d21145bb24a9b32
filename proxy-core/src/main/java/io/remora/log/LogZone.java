package io.remora.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;

/**
 * The time zone of the application log's times (Envoy logs local time). Where the machine's zone is
 * UTC, as in most containers, it is {@link ZoneOffset#UTC}: the same times, but no time-zone
 * database loaded. {@link ZoneId#systemDefault()} reads it twice (TimeZone's and java.time's
 * providers) and keeps ~0.4 MB of heap for the life of the process. Anything not certainly UTC by
 * the sources the JVM itself reads asks the JVM.
 */
final class LogZone {

    /** tzdata's names for UTC itself (the JVM also takes an Olson name after "posix/"). */
    private static final Set<String> UTC_NAMES = Set.of("UTC", "Etc/UTC", "UCT", "Etc/UCT", "GMT", "Etc/GMT",
            "GMT0", "Etc/GMT0", "GMT+0", "Etc/GMT+0", "GMT-0", "Etc/GMT-0", "Greenwich", "Etc/Greenwich", "Universal",
            "Etc/Universal", "Zulu", "Etc/Zulu");

    private LogZone() {
    }

    static ZoneId local() {
        return isUtc(System.getProperty("user.timezone"), System.getenv("TZ"), readTimezoneFile(),
                localtimeTarget()) ? ZoneOffset.UTC : ZoneId.systemDefault();
    }

    /**
     * Whether the JVM's default zone is UTC, from what it reads in this order: the user.timezone
     * property, the TZ variable, then the platform's files. Of those, every one present must name
     * UTC, since JDK builds differ in which they read first.
     *
     * @param localtimeTarget where /etc/localtime links to; "" when it is a file (its zone is
     *                        known only by comparing contents), null when absent
     */
    static boolean isUtc(String property, String tz, String etcTimezone, String localtimeTarget) {
        if (property != null && !property.isEmpty()) {
            return utcName(property);
        }
        if (tz != null && !tz.isEmpty()) {
            return utcName(tz.startsWith(":") ? tz.substring(1) : tz);
        }
        boolean named = false;
        if (etcTimezone != null) {
            if (!utcName(etcTimezone.strip())) {
                return false;
            }
            named = true;
        }
        if (localtimeTarget != null) {
            int at = localtimeTarget.lastIndexOf("zoneinfo/");
            if (at < 0 || !utcName(localtimeTarget.substring(at + "zoneinfo/".length()))) {
                return false;
            }
            named = true;
        }
        return named;
    }

    private static boolean utcName(String name) {
        return UTC_NAMES.contains(name.startsWith("posix/") ? name.substring("posix/".length()) : name);
    }

    private static String readTimezoneFile() {
        try {
            return Files.readString(Path.of("/etc/timezone"), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return "unreadable"; // not UTC, so the JVM decides
        }
    }

    private static String localtimeTarget() {
        try {
            return Files.readSymbolicLink(Path.of("/etc/localtime")).toString();
        } catch (NoSuchFileException e) {
            return null;
        } catch (NotLinkException e) {
            return "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}

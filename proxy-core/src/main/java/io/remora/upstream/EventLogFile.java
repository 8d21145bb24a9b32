package io.remora.upstream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An append-only file of JSON lines: the outlier detection and health check event logs. One
 * writer per path for the process; events are rare (ejections, health transitions), so each
 * line is written and flushed at once. A failing file costs the event, never the caller.
 */
public final class EventLogFile {
    private static final Logger LOG = Logger.getLogger(EventLogFile.class.getName());
    private static final ConcurrentHashMap<String, EventLogFile> OPEN = new ConcurrentHashMap<>();
    /** proto3 JSON's Timestamp form. */
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final Path path;
    private boolean warned;

    private EventLogFile(Path path) {
        this.path = path;
    }

    /** The writer of that path, or null for an empty path. */
    public static EventLogFile of(String path) {
        if (path == null || path.isEmpty()) {
            return null;
        }
        return OPEN.computeIfAbsent(path, p -> new EventLogFile(Path.of(p)));
    }

    public static String timestamp(long epochMillis) {
        return TIMESTAMP.format(Instant.ofEpochMilli(epochMillis));
    }

    public synchronized void write(String jsonLine) {
        try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE)) {
            out.write((jsonLine + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            if (!warned) {
                warned = true;
                LOG.log(Level.WARNING, "cannot write event log " + path + ": " + e);
            }
        }
    }
}
